"""How long a policy change holds its agency: ``N`` open cases of one agency, then ``PUT /agencies/{code}/policy``'s
service (``agency.service.change_policy``: the agency's exclusive lock, every open case recomputed, its moved dates
noted in its timeline, its audit record and its webhook event, COMMIT), against the baseline of the same cases'
projections computed alone (``case.service.projection_of``, nothing written), in the same process on the same data.
While it runs, every writer of the agency waits (``app.agency.locks``): its time per case is the figure to read.

    .venv/bin/python -m bench recompute [--db sqlite|postgresql|both] [--recompute-cases 400]
"""

from __future__ import annotations

import random
import time
from datetime import date

from app import keys
from app.agency import repository as agencies
from app.agency import service as agency_service
from app.auth import service as auth_service
from app.case import repository as case_repository
from app.case import service
from app.case.schemas import CaseCreate
from app.db import make_session_factory, transaction
from app.domain.clock import DeadlinePolicy
from app.holiday.repository import load_calendar
from bench.api import SECRET_KEY, case_body, clerk_token
from bench.common import database, engine_for


def run(backend: str, n: int, runs: int) -> None:
    with database(backend) as url:
        token = clerk_token(url)
        engine = engine_for(url)
        factory = make_session_factory(engine, keys.keyring(SECRET_KEY, "bench", None))
        rng = random.Random(5)
        try:
            with transaction(factory) as session:
                principal = auth_service.authenticate_token(session, token)
                assert principal is not None
                for _ in range(n):
                    body = CaseCreate.model_validate(case_body(rng))
                    service.open_case(session, principal, body, today=date.today())
            bare, full = [], []
            for run_ in range(runs):
                started = time.perf_counter()
                with transaction(factory) as session:
                    calendar = load_calendar(session)
                    for case in case_repository.open_cases(session):
                        service.projection_of(case, calendar)
                bare.append(time.perf_counter() - started)
                started = time.perf_counter()
                with transaction(factory) as session:
                    agency = agencies.get_agency(session, "bench")
                    policy = DeadlinePolicy(10 if run_ % 2 == 0 else 15)  # every case moves, every time
                    changed = agency_service.change_policy(session, agency, policy, "bench", date.today())
                assert len(changed) == n
                full.append(time.perf_counter() - started)
        finally:
            engine.dispose()
        b, f = sorted(bare)[len(bare) // 2], sorted(full)[len(full) // 2]
        print(f"recompute ({backend}, {n} open cases, median of {runs}):")
        print(f"  policy change {f * 1000:.0f} ms ({f * 1000 / n:.2f} ms a case); projections alone {b * 1000:.0f} ms")
        print(f"  ratio {f / b:.1f}×")
