"""Builds the default letter templates shipped in ``app/document/defaults/`` (run once by a developer after changing
the wording: ``python -m app.document.build_defaults``; the .docx files are committed). The layout follows GB/T 9704
loosely: title in 二号, body in 三号 仿宋, the agency and date at the foot."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from app.document.kinds import DEFAULTS
from app.domain.letters import LetterKind

INTRO = (
    "本机关于{{ received_date }}收到您提出的政府信息公开申请（登记编号{{ case_number }}），"
    "申请内容：{{ request_summary }}。"
)

BODIES: dict[LetterKind, list[str]] = {
    LetterKind.RECEIPT: [
        "本机关于{{ received_date }}收到您以{{ channel }}方式提出的政府信息公开申请，登记编号为{{ case_number }}。"
        "申请内容：{{ request_summary }}。",
        "根据《中华人民共和国政府信息公开条例》第三十一条的规定，本机关收到申请的时间为{{ received_date }}。"
        "本机关将于{{ due_date }}前作出答复（法定答复期限为{{ statutory_due_date }}）；需要补正、征求意见、收费或者"
        "延期答复的，另行书面告知。",
        "特此回执。",
    ],
    LetterKind.CORRECTION_NOTICE: [
        INTRO,
        "经审查，您的申请内容不明确。根据《中华人民共和国政府信息公开条例》第三十条的规定，请您对下列事项作出补正："
        "{{ correction_items }}",
        "请于{{ correction_until }}前将补正材料提交本机关。答复期限自本机关收到补正的申请之日起计算。"
        "无正当理由逾期不补正的，视为放弃申请，本机关不再处理该政府信息公开申请。",
        "特此告知。",
    ],
    LetterKind.EXTENSION_NOTICE: [
        INTRO,
        "因需要延长答复期限，经本机关政府信息公开工作机构负责人同意，根据《中华人民共和国政府信息公开条例》"
        "第三十三条第二款的规定，答复期限延长{{ extension_days }}个工作日，本机关将于{{ due_date }}前作出答复。",
        "特此告知。",
    ],
    LetterKind.CONSULTATION_LETTER: [
        "本机关于{{ received_date }}收到{{ applicant_name }}提出的政府信息公开申请，申请公开：{{ request_summary }}。",
        "该申请所涉政府信息可能涉及贵方（{{ consultation_party_kind }}）的合法权益或者需要与贵方协商确定。根据"
        "《中华人民共和国政府信息公开条例》第三十二条、第三十四条的规定，现征求贵方意见。请自收到本征求意见书之日起"
        "15个工作日内书面提出意见；不同意公开的，请说明理由。{{ consultation_silence }}",
        "特此函告。",
    ],
    LetterKind.CONSULTATION_NOTICE: [
        INTRO,
        "因该申请涉及{{ consultation_party_kind }}，本机关已依照《中华人民共和国政府信息公开条例》第三十二条、"
        "第三十四条的规定征求意见。根据条例第三十三条第三款的规定，征求意见所需时间不计算在答复期限内。",
        "特此告知。",
    ],
    LetterKind.FEE_NOTICE: [
        INTRO,
        "根据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）的规定，您的申请需缴纳信息处理费"
        "{{ fee_amount }}元。收费依据和标准：{{ fee_basis }}。",
        "缴费方式：{{ fee_payment }}。请自收到本通知之次日起20个工作日内缴纳。逾期未缴纳的，视为放弃申请，"
        "本机关不再处理该政府信息公开申请。本机关自收到费用之日起继续办理；等待缴费期间不计算在答复期限内。",
    ],
    LetterKind.REASONS_NOTICE: [
        INTRO,
        "您申请公开政府信息的数量、频次明显超过合理范围。根据《中华人民共和国政府信息公开条例》第三十五条的规定，"
        "请您于{{ reasons_until }}前向本机关说明理由。本机关认为申请理由不合理的，将告知您不予处理；认为申请理由合理，"
        "但无法在条例第三十三条规定的期限内答复的，将确定延迟答复的合理期限并告知您。",
        "特此告知。",
    ],
    LetterKind.REASONS_OUTCOME: [
        INTRO,
        "经审查，您的申请理由合理，但本机关无法在《中华人民共和国政府信息公开条例》第三十三条规定的期限内答复。"
        "根据条例第三十五条的规定，本机关确定延迟答复的期限为{{ due_date }}，届时将作出答复。",
        "特此告知。",
    ],
    LetterKind.REPLY: [
        "本机关于{{ received_date }}收到您提出的政府信息公开申请（登记编号{{ case_number }}）"
        "{% if correction_received_date %}，并于{{ correction_received_date }}收到补正{% endif %}，"
        "申请公开：{{ request_summary }}。现答复如下：",
        "{%p if findings %}",
        "{{ findings }}",
        "{%p endif %}",
        "{{ decision }}",
        "办理结果：{{ disposition }}。法律依据：{{ legal_basis }}。",
    ],
}


def _font(run_or_style: object, east_asia: str, size: int) -> None:
    font = run_or_style.font  # type: ignore[attr-defined]
    font.size = Pt(size)
    font.name = east_asia
    element = run_or_style.element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)


def _paragraph(doc: object, text: str, *, align: int | None = None, bold: bool = False, size: int = 16) -> None:
    paragraph = doc.add_paragraph()  # type: ignore[attr-defined]
    if align is not None:
        paragraph.alignment = align
    elif not text.startswith("{%p"):
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    run = paragraph.add_run(text)
    run.bold = bold
    _font(run, "仿宋", size)


def build(kind: LetterKind) -> Path:
    doc = Document()
    normal = doc.styles["Normal"]
    _font(normal, "仿宋", 16)
    _paragraph(doc, "{{ agency_name }}", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=22)
    _paragraph(doc, "{{ title }}", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=22)
    _paragraph(doc, "{{ number }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, "{{ addressee }}：", align=WD_ALIGN_PARAGRAPH.LEFT)
    for text in BODIES[kind]:
        _paragraph(doc, text)
    _paragraph(doc, "{%p if remedy %}")
    _paragraph(doc, "{{ remedy }}")
    _paragraph(doc, "{%p endif %}")
    _paragraph(doc, "{{ agency_name }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "{{ letter_date }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(
        doc, "（联系地址：{{ agency_address }}　联系电话：{{ agency_phone }}）", align=WD_ALIGN_PARAGRAPH.LEFT, size=12
    )
    target = DEFAULTS / f"{kind.value}.docx"
    doc.core_properties.author = "gongkai"
    doc.save(str(target))
    return target


if __name__ == "__main__":
    DEFAULTS.mkdir(exist_ok=True)
    for letter in LetterKind:
        print(build(letter))
