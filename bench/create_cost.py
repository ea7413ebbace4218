"""Where a creation's CPU goes: ``N`` creations through the service in one thread, in-process (the token's
authentication, ``case.service.open_case``, COMMIT; no HTTP), each in its own transaction as a request's. Prints the
CPU per creation, the time inside the database driver per statement, and what is left for Python (the ORM, the
projection, the audit record's hash, the outbox); then the Python function calls per creation, counted by
``cProfile`` over as many more: a figure that does not move with the machine's speed, for before/after comparisons
on a shared machine. The API benchmark's CPU per request is this plus HTTP (uvicorn,
middlewares, validation and serialisation of the body and the 30-field answer).

    .venv/bin/python -m bench create [--db sqlite|postgresql|both]
"""

from __future__ import annotations

import cProfile
import pstats
import random
import time
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import event

from app import keys
from app.auth import service as auth_service
from app.case import service
from app.case.schemas import CaseCreate
from app.db import make_session_factory, transaction
from bench.api import SECRET_KEY, case_body, clerk_token
from bench.common import database, engine_for


def run(backend: str, n: int) -> None:
    with database(backend) as url:
        token = clerk_token(url)
        engine = engine_for(url)
        factory = make_session_factory(engine, keys.keyring(SECRET_KEY, "bench", None))
        spent: dict[str, list[float]] = defaultdict(list)
        started: list[float] = []

        def before(*_: Any) -> None:
            started.append(time.perf_counter())

        def after(_conn: Any, _cursor: Any, statement: str, *__: Any) -> None:
            spent[" ".join(statement.split("(")[0].split())[:60]].append(time.perf_counter() - started.pop())

        rng = random.Random(3)
        bodies = [CaseCreate.model_validate(case_body(rng)) for _ in range(2 * n + 20)]

        def create(body: CaseCreate) -> None:
            with transaction(factory) as session:
                principal = auth_service.authenticate_token(session, token)
                assert principal is not None
                service.open_case(session, principal, body, today=date.today())

        try:
            for body in bodies[:20]:  # warm: statement caches, the calendar
                create(body)
            event.listen(engine, "before_cursor_execute", before)
            event.listen(engine, "after_cursor_execute", after)
            cpu = time.process_time()
            for body in bodies[20 : n + 20]:
                create(body)
            cpu = (time.process_time() - cpu) * 1000 / n
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
            profile = cProfile.Profile()
            profile.enable()
            for body in bodies[n + 20 :]:
                create(body)
            profile.disable()
            calls = pstats.Stats(profile).total_calls / n  # type: ignore[attr-defined]  # set by Stats, not typed
        finally:
            engine.dispose()
        in_driver = sum(sum(times) for times in spent.values()) * 1000 / n
        print(f"create ({backend}, {n} creations in one thread, no HTTP):")
        print(f"  CPU per creation {cpu:.2f} ms; in the driver (statements, wall) {in_driver:.2f} ms; the rest: Python")
        print(f"  Python function calls per creation: {calls:,.0f} (cProfile)")
        for statement, times in sorted(spent.items(), key=lambda item: -sum(item[1])):
            print(f"    {sum(times) * 1000 / n:6.3f} ms  ×{len(times) / n:.0f}  {statement}")
