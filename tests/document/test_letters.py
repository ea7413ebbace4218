"""Every letter kind and every disposition, generated through the API and read back with python-docx: the facts, the
article, the reply type and the remedy clause must be those of the case and its agency."""

from __future__ import annotations

import io

import pytest
from docx import Document

from app.domain.codes import Disposition, disposition_label
from app.domain.roles import Role

PROFILE = {
    "level": "department",
    "review_body": "某市人民政府",
    "court": "某区人民法院",
    "number_prefix": "某自然资信公开",
    "address": "某市人民路1号",
    "phone": "0000-12345678",
    "payment_instructions": "银行转账至某市财政局非税收入账户",
}


@pytest.fixture
def office(api, make_case):
    """Agency a1 with its letter settings, and a case received in person on Mon 2026-03-02."""
    case = make_case(
        applicant={"type": "natural_person", "name": "张三", "address": "某市某区某路2号"},
        request={"description": "2025年某地块土地征收批复文件"},
    )
    saved = api.client.put("/api/v1/agencies/a1/letter-profile", json=PROFILE, headers=api.headers("a1", Role.ADMIN))
    assert saved.status_code == 200, saved.text
    return case


def step(api, case, path, body):
    response = api.client.post(f"/api/v1/cases/{case['id']}/{path}", json=body, headers=api.headers("a1"))
    assert response.status_code == 200, response.text
    return response.json()


def letter(api, case, kind, expect=201, **body):
    response = api.client.post(
        f"/api/v1/cases/{case['id']}/letters", json={"kind": kind, **body}, headers=api.headers("a1")
    )
    assert response.status_code == expect, response.text
    return response.json()


def text_of(api, document) -> str:
    response = api.client.get(document["content_url"], headers=api.headers("a1"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    return "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)


def test_receipt(api, office):
    document = letter(api, office, "receipt")
    text = text_of(api, document)
    assert document["number"] == "某自然资信公开收〔2026〕1号"
    assert document["letter_date"] == "2026-03-02"
    assert document["remedy"] is None
    for fact in ("张三：", office["number"], "当面提交", "2026年3月2日", "第三十一条", "2025年某地块土地征收批复文件"):
        assert fact in text
    assert "2026年3月23日" in text  # the agency's 15 working days
    assert "2026年3月30日" in text  # the statutory 20
    assert "行政复议" not in text
    assert "某市人民路1号" in text


def test_correction_notice_has_items_period_consequence_and_no_remedy(api, office):
    step(api, office, "correction-request", {"on": "2026-03-04", "until": "2026-03-18", "items": "请写明地块编号"})
    text = text_of(api, letter(api, office, "correction_notice"))
    for fact in ("请写明地块编号", "2026年3月18日", "第三十条", "视为放弃申请", "2026年3月4日"):
        assert fact in text
    assert "行政复议" not in text
    assert "行政诉讼" not in text


def test_extension_notice_states_the_new_deadline_and_no_remedy(api, office):
    step(api, office, "extension", {"on": "2026-03-20", "days": 10, "approver": "王主任", "notice_on": "2026-03-20"})
    document = letter(api, office, "extension_notice")
    text = text_of(api, document)
    assert "延长10个工作日" in text
    assert "第三十三条第二款" in text
    assert "2026年4月7日" in text  # 03-23 + 10 working days, Qingming 4-6 Apr skipped
    assert document["letter_date"] == "2026-03-20"
    assert "行政复议" not in text


@pytest.mark.parametrize(("party", "silence"), [("third_party", "决定是否公开"), ("co_producer", "视为同意公开")])
def test_consultation_letter_and_notice(api, office, party, silence):
    step(api, office, "consultation", {"on": "2026-03-05", "party": party, "addressee": "某某有限公司"})
    to_party = text_of(api, letter(api, office, "consultation_letter"))
    assert to_party.splitlines()[3] == "某某有限公司："
    assert silence in to_party
    assert "15个工作日" in to_party
    assert "第三十二条" in to_party
    to_applicant = text_of(api, letter(api, office, "consultation_notice"))
    assert "张三：" in to_applicant
    assert "不计算在答复期限内" in to_applicant
    assert "某某有限公司" not in to_applicant  # the third party is not named to the applicant


def test_fee_notice_with_basis_payment_period_and_remedy(api, office):
    step(api, office, "fee-notice", {"on": "2026-03-10", "amount": 100, "basis": "按件计收，第11件起每件100元"})
    document = letter(api, office, "fee_notice")
    text = text_of(api, document)
    payment = "银行转账至某市财政局非税收入账户"
    for fact in ("100元", "按件计收，第11件起每件100元", payment, "20个工作日", "国办函〔2020〕109号"):
        assert fact in text
    assert "向某市人民政府申请行政复议" in text
    assert "向某区人民法院提起行政诉讼" in text
    assert document["remedy"] in text


def test_reasons_notice_and_outcome(api, office):
    missing = letter(api, office, "reasons_notice", expect=422)
    assert missing["code"] == "letter_facts_missing"
    ask = text_of(api, letter(api, office, "reasons_notice", reasons_until="2026-11-30"))
    assert "2026年11月30日" in ask
    assert "第三十五条" in ask
    assert (
        api.client.post(
            f"/api/v1/cases/{office['id']}/letters", json={"kind": "reasons_outcome"}, headers=api.headers("a1")
        ).json()["code"]
        == "letter_step_missing"
    )
    step(api, office, "reasons-request", {"on": "2026-03-10"})
    step(api, office, "agency-deadline", {"on": "2026-03-11", "until": "2026-04-30"})
    outcome = text_of(api, letter(api, office, "reasons_outcome"))
    assert "2026年4月30日" in outcome
    assert "第三十五条" in outcome
    assert "行政复议" not in outcome


FACTS = {
    "reasons": "该信息涉及第三方商业秘密，第三方不同意公开。",
    "how_provided": "电子邮件发送至申请人预留邮箱",
    "redactions": "第3页第三方联系电话已遮盖，理由：个人隐私",
    "channel": "请通过12345热线反映",
    "earlier_reply_number": "某自然资信公开〔2026〕3号",
    "search": "检索了本机关档案室2020—2025年收文登记",
    "findings": "经查，该批复由某市人民政府作出。",
}

# disposition, the articles and Art. 36 item the letter must cite, whether refusal means review first
REPLIES = [
    (Disposition.DISCLOSED, ["第三十六条第（二）项", "第四十条"], False),
    (Disposition.PARTIALLY_DISCLOSED, ["第三十七条", "第三十六条第（三）项"], True),
    (Disposition.WITHHELD_STATE_SECRET, ["第十四条", "第三十六条第（三）项"], True),
    (Disposition.WITHHELD_PROHIBITED_BY_LAW, ["第十四条", "第三十六条第（三）项"], True),
    (Disposition.WITHHELD_SECURITY_STABILITY, ["第十四条", "第三十六条第（三）项"], True),
    (Disposition.WITHHELD_THIRD_PARTY_RIGHTS, ["第十五条", "第三十六条第（三）项"], True),
    (Disposition.WITHHELD_INTERNAL_AFFAIRS, ["第十六条第一款", "第三十六条第（三）项"], True),
    (Disposition.WITHHELD_PROCESS_INFORMATION, ["第十六条第二款", "第三十六条第（三）项"], True),
    (Disposition.WITHHELD_ENFORCEMENT_FILE, ["第十六条第二款", "第三十六条第（三）项"], True),
    (Disposition.WITHHELD_ADMINISTRATIVE_QUERY, ["第三十六条第（七）项"], True),
    (Disposition.UNAVAILABLE_NOT_HELD, ["第三十六条第（四）项"], False),
    (Disposition.UNAVAILABLE_NEEDS_CREATION, ["第三十八条"], False),
    (Disposition.UNAVAILABLE_UNCLEAR_AFTER_CORRECTION, ["第三十条"], False),
    (Disposition.NOT_PROCESSED_COMPLAINT, ["第三十九条第一款"], False),
    (Disposition.NOT_PROCESSED_DUPLICATE, ["第三十六条第（六）项", "某自然资信公开〔2026〕3号"], False),
    (Disposition.NOT_PROCESSED_PUBLICATION, ["第三十九条第二款"], False),
    (Disposition.NOT_PROCESSED_EXCESSIVE, ["第三十五条"], False),
    (Disposition.NOT_PROCESSED_CONFIRM_OR_REISSUE, ["第二条"], False),
    (Disposition.OTHER_CORRECTION_LAPSED, ["第三十条"], False),
    (Disposition.OTHER_FEE_UNPAID, ["国办函〔2020〕109号", "第七条"], False),
    (Disposition.OTHER_OTHER, [], False),
]


def test_every_disposition_is_covered():
    assert {row[0] for row in REPLIES} == set(Disposition)


CORRECTION = {"on": "2026-03-03", "until": "2026-03-10", "items": "请写明所需文件的名称或文号"}
CONCLUDED_BY: dict[Disposition, tuple[list[tuple[str, dict[str, str]]], str, str]] = {
    # Art. 35: refused only after the reasons were asked
    Disposition.NOT_PROCESSED_EXCESSIVE: ([("reasons-request", {"on": "2026-03-10"})], "conclusion", "2026-03-20"),
    # Art. 30: still unclear once corrected; no correction by the day set
    Disposition.UNAVAILABLE_UNCLEAR_AFTER_CORRECTION: (
        [("correction-request", CORRECTION), ("correction", {"on": "2026-03-09"})],
        "conclusion",
        "2026-03-20",
    ),
    Disposition.OTHER_CORRECTION_LAPSED: ([("correction-request", CORRECTION)], "correction-lapse", "2026-03-20"),
    # 109号 第七条: 20 working days from the day after the notice reached the applicant (3 Mar): to 31 Mar
    Disposition.OTHER_FEE_UNPAID: (
        [("fee-notice", {"on": "2026-03-03", "amount": 100, "delivered_on": "2026-03-03"})],
        "fee-lapse",
        "2026-04-01",
    ),
}
"""The steps before a conclusion that needs them, the concluding step and its date; the rest: a conclusion on
20 Mar."""


@pytest.mark.parametrize(("disposition", "cited", "review_first"), REPLIES, ids=[r[0].value for r in REPLIES])
def test_reply_for_every_disposition(api, office, disposition, cited, review_first):
    before, path, on = CONCLUDED_BY.get(disposition, ([], "conclusion", "2026-03-20"))
    for earlier, body in before:
        step(api, office, earlier, body)
    step(api, office, path, {"on": on} if path != "conclusion" else {"on": on, "disposition": disposition.value})
    document = letter(api, office, "reply", facts=FACTS)
    text = text_of(api, document)
    assert document["letter_date"] == on
    assert document["disposition"] == disposition.value
    assert "张三：" in text
    assert "2026年3月2日" in text  # receipt
    assert f"2026年{int(on[5:7])}月{int(on[8:])}日" in text  # the reply's date
    assert disposition_label(disposition) in text
    assert FACTS["findings"] in text
    for article in cited:
        assert article in text
    assert "向某市人民政府申请行政复议" in text
    assert "第二十四条第一款第（一）项" in text  # a department: the government at the same level
    assert ("第二十三条第一款第（四）项" in text) is review_first
    assert ("应当先申请行政复议" in text) is review_first
    assert ("也可以自收到之日起6个月内" in text) is not review_first
    assert document["remedy"] in text


def test_reply_with_competent_agency_is_36_5(api, office):
    step(api, office, "conclusion", {"on": "2026-03-20", "disposition": "unavailable.not_held"})
    facts = {
        "competent_agency": "某市住房和城乡建设局",
        "competent_agency_contact": "0000-87654321",
        "reasons": "职责分工",
    }
    text = text_of(api, letter(api, office, "reply", facts=facts))
    assert "第三十六条第（五）项" in text
    assert "某市住房和城乡建设局（联系方式：0000-87654321）" in text


def test_reply_needs_a_concluded_case_its_facts_and_a_review_body(api, office):
    assert letter(api, office, "reply", expect=409)["code"] == "letter_case_open"
    step(api, office, "conclusion", {"on": "2026-03-20", "disposition": "not_processed.duplicate"})
    missing = letter(api, office, "reply", expect=422)
    assert missing["code"] == "letter_facts_missing"
    assert "earlier_reply_number" in missing["detail"]
    admin = api.headers("a1", Role.ADMIN)
    blank = api.client.put("/api/v1/agencies/a1/letter-profile", json={**PROFILE, "review_body": " "}, headers=admin)
    assert blank.status_code == 422


def test_a_reply_without_a_configured_review_body_is_refused(api, make_case):
    case = make_case()
    step(api, case, "conclusion", {"on": "2026-03-20", "disposition": "disclosed"})
    refused = letter(api, case, "reply", expect=422, facts=FACTS)
    assert refused["code"] == "review_body_missing"
    assert letter(api, case, "receipt")["number"] == "a1 机关收〔2026〕1号"  # no remedy needed: the defaults do


def test_numbers_are_per_kind_and_year_gap_free_with_the_agency_pattern(api, office, make_case):
    api.client.put(
        "/api/v1/agencies/a1/letter-profile",
        json={**PROFILE, "number_patterns": {"reply": "某自然资公复〔{year}〕第{seq}号"}},
        headers=api.headers("a1", Role.ADMIN),
    )
    assert letter(api, office, "receipt")["number"] == "某自然资信公开收〔2026〕1号"
    assert letter(api, office, "receipt")["number"] == "某自然资信公开收〔2026〕2号"
    refused = letter(api, office, "reply", expect=409)  # a refused letter takes no number
    assert refused["code"] == "letter_case_open"
    step(api, office, "conclusion", {"on": "2026-03-20", "disposition": "disclosed"})
    assert letter(api, office, "reply", facts=FACTS)["number"] == "某自然资公复〔2026〕第1号"
    old = make_case(received="2025-12-30")
    assert letter(api, old, "receipt")["number"] == "某自然资信公开收〔2025〕1号"


def test_the_agencys_own_template_is_used(api, office):
    doc = Document()
    doc.add_paragraph("本局专用：{{ number }} {{ addressee }}")
    doc.add_paragraph("{{ remedy }}")
    out = io.BytesIO()
    doc.save(out)
    uploaded = api.client.put(
        "/api/v1/agencies/a1/templates/receipt",
        files={"file": ("receipt.docx", out.getvalue())},
        headers=api.headers("a1", Role.ADMIN),
    )
    assert uploaded.status_code == 200, uploaded.text
    document = letter(api, office, "receipt")
    assert document["template_sha256"] == uploaded.json()["sha256"]
    assert text_of(api, document).startswith("本局专用：某自然资信公开收〔2026〕1号 张三")


def test_user_text_cannot_break_the_document(api, make_case, office):
    case = make_case(
        applicant={"type": "natural_person", "name": "<w:p>&张}}{{"},
        request={"description": "{{ agency_name }} {% raw %} </w:t>"},
    )
    # (control characters are refused at input, tests/security/test_inputs.py; app.xmltext drops any stored before)
    text = text_of(api, letter(api, case, "receipt"))
    assert "<w:p>&张}}{{" in text
    assert "{{ agency_name }} {% raw %} </w:t>" in text


def test_who_may_generate(api, office):
    api.agency("b1")
    other = api.client.post(
        f"/api/v1/cases/{office['id']}/letters", json={"kind": "receipt"}, headers=api.headers("b1")
    )
    assert other.status_code == 404
    auditor = api.client.post(
        f"/api/v1/cases/{office['id']}/letters", json={"kind": "receipt"}, headers=api.headers("a1", Role.AUDITOR)
    )
    assert auditor.status_code == 403
    unknown = api.client.post(f"/api/v1/cases/{office['id']}/letters", json={"kind": "poem"}, headers=api.headers("a1"))
    assert unknown.status_code == 422
