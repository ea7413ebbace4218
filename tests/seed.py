"""Figures of the seed report (`shared/seeds/000_f57f9dce2ca3ecce.txt`), shared by the tests that use them."""

# 鄂尔多斯市自然资源局 2020: 「主动公开政府信息情况」 as published (2019 format).
SEED_ACTIVE = {
    "regulations.made": 0,
    "regulations.published": 0,
    "regulations.total_published": 0,
    "normative_documents.made": 1,
    "normative_documents.published": 1,
    "normative_documents.total_published": 0,
    "licensing.previous_items": 16,
    "licensing.change": "减2",
    "licensing.decisions": 14,
    "other_services.previous_items": 0,
    "other_services.change": 0,
    "other_services.decisions": 0,
    "penalties.previous_items": 144,
    "penalties.change": "增27",
    "penalties.decisions": 171,
    "coercion.previous_items": 0,
    "coercion.change": 0,
    "coercion.decisions": 0,
    "fees.previous_items": 2,
    "fees.change": 0,
    "procurement.projects": 11,
    "procurement.amount": "199.19561万元",
}
