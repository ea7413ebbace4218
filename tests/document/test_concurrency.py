"""Letter numbers stay gap-free and unique when clerks generate at the same moment (on PostgreSQL for real)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient


def test_parallel_letters_get_consecutive_numbers(api, make_case):
    cases = [make_case() for _ in range(3)]
    headers = api.headers("a1")

    def generate(case_id: int) -> tuple[int, dict[str, object]]:
        with TestClient(api.client.app, raise_server_exceptions=False) as client:
            response = client.post(f"/api/v1/cases/{case_id}/letters", json={"kind": "receipt"}, headers=headers)
            return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(generate, [c["id"] for c in cases] * 2))
    assert [status for status, _ in results] == [201] * 6
    numbers = sorted(int(str(body["number"]).split("〕")[1].removesuffix("号")) for _, body in results)
    assert numbers == [1, 2, 3, 4, 5, 6]
