"""The remedy clause of a reply, concluded through the API and read back from the DOCX, for every kind of agency
(行政复议法 2023 Art. 24–28: the review body configured for the agency's level, the article for that level) and on
both sides of 2024-01-01 (Art. 23 ¶1(4): since then a refusal must go to review first)."""

from __future__ import annotations

import io

import pytest
from docx import Document

from app.domain.roles import Role

LEVELS = [
    ("department", "某市人民政府", "第二十四条第一款第（一）项"),
    ("local_government", "某省人民政府", "第二十四条第一款第（二）项"),
    ("provincial_government", "某省人民政府", "第二十四条第二款"),
    ("state_council_department", "中华人民共和国自然资源部", "第二十五条第（一）项"),
    ("vertical", "国家税务总局某省税务局", "第二十七条"),
]
REASONS = {"reasons": "该信息涉及第三方商业秘密，第三方不同意公开。", "how_provided": "当面领取"}


def _reply(api, make_case, level, body, received, concluded, disposition):
    case = make_case(
        received=received, applicant={"type": "natural_person", "name": "李四", "address": "某市某区某路3号"}
    )
    profile = {"level": level, "review_body": body, "court": "某区人民法院", "number_prefix": "某机关信公开"}
    saved = api.client.put("/api/v1/agencies/a1/letter-profile", json=profile, headers=api.headers("a1", Role.ADMIN))
    assert saved.status_code == 200, saved.text
    concluded_ = api.client.post(
        f"/api/v1/cases/{case['id']}/conclusion",
        json={"on": concluded, "disposition": disposition},
        headers=api.headers("a1", Role.SUPERVISOR),
    )
    assert concluded_.status_code == 200, concluded_.text
    made = api.client.post(
        f"/api/v1/cases/{case['id']}/letters", json={"kind": "reply", "facts": REASONS}, headers=api.headers("a1")
    )
    assert made.status_code == 201, made.text
    content = api.client.get(made.json()["content_url"], headers=api.headers("a1")).content
    return made.json(), "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


@pytest.mark.parametrize(("level", "body", "article"), LEVELS, ids=[row[0] for row in LEVELS])
def test_the_review_body_and_article_follow_the_agencys_level(api, make_case, level, body, article):
    document, text = _reply(api, make_case, level, body, "2026-03-02", "2026-03-20", "withheld.third_party_rights")
    assert "李四：" in text
    assert "2026年3月2日" in text
    assert "2026年3月20日" in text
    assert "第十五条" in text
    assert "第三十六条第（三）项" in text
    assert f"向{body}申请行政复议" in text
    assert article in text
    assert "应当先申请行政复议" in text  # a refusal since 2024-01-01: review first
    assert "某区人民法院" not in text  # no direct lawsuit offered
    assert document["remedy"] in text
    _, disclosed = _reply(api, make_case, level, body, "2026-03-02", "2026-03-20", "disclosed")
    assert "应当先申请行政复议" not in disclosed
    assert "6个月内" in disclosed
    assert "向某区人民法院提起行政诉讼" in disclosed


def test_a_refusal_before_2024_could_go_straight_to_court(api, make_case):
    _, text = _reply(api, make_case, "department", "某市人民政府", "2023-12-01", "2023-12-20", "withheld.state_secret")
    assert "2023年12月20日" in text
    assert "第十四条" in text
    assert "应当先申请行政复议" not in text
    assert "第二十三条" not in text  # the 2023 law was not yet in force
    assert "向某市人民政府申请行政复议" in text
    assert "6个月内" in text
    assert "向某区人民法院提起行政诉讼" in text
