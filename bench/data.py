"""The realistic data set the database benchmarks share, generated once per size and kept for later runs.

Cases of five agencies (a government and four departments, 40/25/15/12/8 %), received over 2023–2025, applicant types
and dispositions in the proportions of the published year-end tables (natural persons ~80 %, enterprises ~10 %;
disclosed ~30 % of conclusions, "information not held" and the other unavailable rows next), 0.5 % never concluded,
1 % with an administrative review or lawsuit; see ``bench/annual_report.py``. Bulk-inserted with Core, not through
the services (the import benchmark measures those). Kept as ``$GONGKAI_BENCH_CACHE/cases_N.db`` (default under the
temporary directory) and as the PostgreSQL database ``gongkai_bench_cases_N``; delete either to regenerate.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from app.models import DisclosureCase
from bench import annual_report
from bench.common import database, engine_for


@contextmanager
def dataset(backend: str, n: int) -> Iterator[str]:
    """The URL of a database holding the benchmark data set of ``n`` cases (generated on first use)."""
    with database(backend, name=f"cases_{n}", keep=True) as url:
        engine = engine_for(url)
        try:
            with engine.connect() as conn:
                have = conn.scalar(select(func.count()).select_from(DisclosureCase))
            if have != n:
                if have:
                    raise SystemExit(f"{url} holds {have} cases, not {n}: delete it to regenerate")
                annual_report.populate(engine, n)
        finally:
            engine.dispose()
        yield url
