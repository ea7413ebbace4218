"""The variables a letter template may use: the one list (``docs/templates.md`` is generated from it, and a test keeps
the two equal). Every letter kind gets every variable; those that do not apply to a kind are empty."""

from __future__ import annotations

from typing import Any

LETTER_VARIABLES: dict[str, str] = {
    "title": "文书名称，如「政府信息公开申请答复书」",
    "number": "文号，如「某自然资信公开〔2026〕12号」",
    "letter_date": "文书日期（成文日期），如「2026年3月20日」",
    "agency_name": "本机关名称",
    "agency_address": "本机关地址",
    "agency_phone": "本机关联系电话",
    "addressee": "收件人：申请人姓名或名称；征求意见书为被征求意见的第三方或机关",
    "applicant_name": "申请人姓名或名称",
    "applicant_address": "申请人通信地址",
    "case_number": "申请登记编号",
    "channel": "申请方式，如「互联网」「当面提交」",
    "received_date": "收到申请之日（条例第三十一条确定的日期）",
    "correction_received_date": "收到补正之日（有补正时），答复期限自该日重新计算",
    "request_summary": "申请公开的内容",
    "due_date": "本机关答复期限（以文书日期时的期限为准）",
    "statutory_due_date": "法定答复期限（条例第三十三条）",
    "correction_items": "补正告知书：需要补正的事项",
    "correction_until": "补正告知书：补正期限",
    "extension_days": "延期答复告知书：延长的工作日数",
    "consulted_party": "征求意见：被征求意见的第三方或机关",
    "consultation_party_kind": "征求意见：「第三方」或「共同制作机关」",
    "consultation_silence": "征求意见：逾期未提出意见的后果（条例第三十二条、第三十四条）",
    "fee_amount": "收费通知书：应缴金额（元）",
    "fee_basis": "收费通知书：收费依据和标准",
    "fee_payment": "收费通知书：缴费方式",
    "reasons_until": "说明理由告知书：说明理由的期限",
    "disposition": "答复书：办理结果（年度报告表中的行）",
    "reply_type": "答复书：条例第三十六条的答复类型，如「第三十六条第（三）项」；无则为空",
    "legal_basis": "答复书：所依据的条款，如「《中华人民共和国政府信息公开条例》第十五条、第三十六条第（三）项」",
    "decision": "答复书：答复意见正文（依办理结果和所填事实生成）",
    "findings": "答复书：经查明的事实（选填）",
    "remedy": "救济途径告知（行政复议、行政诉讼）；补正、延期等程序性告知书为空",
}

SAMPLE: dict[str, Any] = {
    "title": "政府信息公开申请答复书",
    "number": "某自然资信公开〔2026〕12号",
    "letter_date": "2026年3月20日",
    "agency_name": "某市自然资源和规划局",
    "agency_address": "某市人民路1号",
    "agency_phone": "0000-12345678",
    "addressee": "张三",
    "applicant_name": "张三",
    "applicant_address": "某市某区某路2号",
    "case_number": "2026-0001",
    "channel": "互联网",
    "received_date": "2026年3月2日",
    "correction_received_date": "",
    "request_summary": "2025年某地块土地征收批复文件",
    "due_date": "2026年3月23日",
    "statutory_due_date": "2026年3月30日",
    "correction_items": "请写明所需信息的名称、文号或者便于查询的其他特征性描述。",
    "correction_until": "2026年3月16日",
    "extension_days": "15",
    "consulted_party": "某某有限公司",
    "consultation_party_kind": "第三方",
    "consultation_silence": "逾期未提出意见的，由本机关依照条例的规定决定是否公开。",
    "fee_amount": "100",
    "fee_basis": "按件计收，本月第11至30件，每件100元",
    "fee_payment": "银行转账至某市财政局非税收入账户",
    "reasons_until": "2026年3月13日",
    "disposition": "（三）不予公开 4.保护第三方合法权益",
    "reply_type": "第三十六条第（三）项",
    "legal_basis": "《中华人民共和国政府信息公开条例》第十五条、第三十六条第（三）项",
    "decision": "经审查，您申请公开的政府信息涉及商业秘密……本机关决定不予公开。",
    "findings": "经查，该信息由第三方提供。",
    "remedy": "如对本答复不服，可以自收到之日起60日内……申请行政复议。",
}


def variables_markdown() -> str:
    """The variable table of ``docs/templates.md``."""
    lines = ["| variable | 内容 |", "|---|---|"]
    lines += [f"| `{name}` | {text} |" for name, text in LETTER_VARIABLES.items()]
    return "\n".join(lines) + "\n"
