"""Benchmark 6: ``gongkai cases import`` (JSON Lines through the same services as cases entered by hand: numbering,
deadlines, the audit chain, the outbox) against a bare ``executemany`` of the same rows into a table of the same
columns, on the same database, in the same process.

    .venv/bin/python -m bench import [--db sqlite|postgresql|both] [--import-cases 2000]

The lines are realistic (five agencies, applicant types and dispositions in the year-end tables' proportions, 70 %
concluded with a disposition, 5 % with a correction round); the bare baseline inserts the case rows only.
"""

from __future__ import annotations

import json
import random
import time
from datetime import date, timedelta

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, insert

from app.agency import service as agency_service
from app.auth.principal import Principal
from app.case import importer
from app.db import make_session_factory, transaction
from app.domain.codes import Disposition
from app.domain.lifecycle import LAPSE_STEPS
from app.domain.roles import Role
from bench.annual_report import AGENCIES, APPLICANTS, DISPOSITION_WEIGHTS, GIVEN_NAMES, SURNAMES
from bench.common import database, engine_for

bare_case = Table(
    "bench_bare_case",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("agency", String(32)),
    Column("applicant_type", String(40)),
    Column("applicant_name", String(200)),
    Column("channel", String(20)),
    Column("received_date", Date),
    Column("external_ref", String(100)),
    Column("concluded_date", Date),
    Column("disposition", String(60)),
)


def lines(n: int, rng: random.Random) -> list[dict[str, object]]:
    types, type_weights = zip(*APPLICANTS, strict=True)
    # Not part of a plain history line: an excessive-request refusal needs a reasons request first (条例 Art. 35), a
    # lapse its own step (Art. 30; 109号), "still unclear after the correction" a correction received
    needs_steps = {Disposition.NOT_PROCESSED_EXCESSIVE, Disposition.UNAVAILABLE_UNCLEAR_AFTER_CORRECTION, *LAPSE_STEPS}
    plain = {d: w for d, w in DISPOSITION_WEIGHTS.items() if d not in needs_steps}
    dispositions, weights = zip(*plain.items(), strict=True)
    out = []
    for i in range(n):
        received = date(2025, 1, 2) + timedelta(days=rng.randrange(330))
        line: dict[str, object] = {
            "agency": rng.choices(list(AGENCIES), weights=list(AGENCIES.values()))[0],
            "applicant_type": rng.choices(types, weights=type_weights)[0].value,
            "applicant_name": rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
            "channel": "online",
            "received_date": received.isoformat(),
            "external_ref": f"OLD-{i:07d}",
            "request": "某项目的审批文件",
        }
        if rng.random() < 0.05:
            line["events"] = [
                {
                    "type": "correction_requested",
                    "date": (received + timedelta(days=3)).isoformat(),
                    "until": (received + timedelta(days=20)).isoformat(),
                },
                {"type": "correction_received", "date": (received + timedelta(days=10)).isoformat()},
            ]
        if rng.random() < 0.7:
            after = 12 if "events" in line else 2  # a conclusion follows the correction round
            line["concluded_date"] = (received + timedelta(days=rng.randrange(after, after + 10))).isoformat()
            line["disposition"] = rng.choices(dispositions, weights=weights)[0].value
        out.append(line)
    return out


def run(backend: str, n: int) -> None:
    rng = random.Random(11)
    data = lines(n, rng)
    text = [json.dumps(line, ensure_ascii=False) for line in data]
    with database(backend) as url:
        engine = engine_for(url)
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            for code in AGENCIES:
                parent = "gov" if code != "gov" else None
                agency_service.create_agency(session, code=code, name=f"{code} 机关", parent_code=parent)
        bare_case.create(engine)
        rows = [
            {
                "agency": line["agency"],
                "applicant_type": line["applicant_type"],
                "applicant_name": line["applicant_name"],
                "channel": line["channel"],
                "received_date": date.fromisoformat(str(line["received_date"])),
                "external_ref": line["external_ref"],
                "concluded_date": date.fromisoformat(str(line["concluded_date"])) if "concluded_date" in line else None,
                "disposition": line.get("disposition"),
            }
            for line in data
        ]
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(bare_case), rows)
        bare = time.perf_counter() - started
        started = time.perf_counter()
        with transaction(factory) as session:
            from sqlalchemy import select

            from app.models import Agency

            principal = Principal("bench", {a.id: Role.ADMIN for a in session.scalars(select(Agency))}, {})
            report = importer.import_lines(session, principal, text, date(2026, 1, 10))
            assert not report.errors, report.errors[:3]
        real = time.perf_counter() - started
        engine.dispose()
    print(f"import ({backend}, {n:,} lines):")
    print(f"  bare executemany   {bare:8.2f} s  {n / bare:9.0f} rows/s")
    print(f"  gongkai import     {real:8.2f} s  {n / real:9.0f} cases/s  real/bare {real / bare:6.1f}x", flush=True)
