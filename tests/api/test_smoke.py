def test_create_and_read(api, make_case):
    case = make_case()
    assert case["number"] == "2026-0001"
    assert case["deadline"]["due_date"] == "2026-03-23"
    r = api.client.get(f"/api/v1/cases/{case['id']}", headers=api.headers("a1"))
    assert r.status_code == 200, r.text
