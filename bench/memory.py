"""Benchmark 7 (files): peak memory of the year-end export (``gongkai report annual --format xlsx|csv``) at each
data-set size, against a process that imports the same application and runs only the bare ``GROUP BY`` the tables
are counted from. The tables are counted in SQL, so memory must be flat in N (the figure of the server's peak memory
under load is printed by the ``api`` benchmark).

    .venv/bin/python -m bench memory [--db sqlite|postgresql|both] [--sizes 10000,1000000]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.data import dataset

_MEASURE = """
import sys
import app.cli, app.report.files, openpyxl, sqlalchemy
from pathlib import Path
status = Path("/proc/self/status")
def kib(field):
    return next(int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith(field))
loaded = kib("VmRSS:")
Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to what is resident now
try:
    {body}
except SystemExit as exit:
    assert not exit.code, exit.code
print(loaded, kib("VmHWM:"), file=sys.stderr)
"""

_EXPORT = "from app.cli import main; sys.argv = ['gongkai', *sys.argv[1:]]; main()"
_BARE = (
    "import app.cli; from sqlalchemy import create_engine, text; import os; "
    "e = create_engine(os.environ['GONGKAI_DATABASE_URL']); c = e.connect(); "
    "print(c.execute(text('SELECT applicant_type, disposition, count(*) FROM disclosure_case "
    "WHERE concluded_on BETWEEN :a AND :b GROUP BY 1, 2'), {'a': '2025-01-01', 'b': '2025-12-31'}).all()[:1])"
)


def peak_rss_kib(body: str, url: str, *args: str) -> tuple[int, int]:
    """Resident memory of a fresh Python process once the application is imported, and its peak while running
    ``body`` (KiB; Linux, the peak is reset through /proc/self/clear_refs after the imports)."""
    code = _MEASURE.format(body=body)
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**os.environ, "GONGKAI_DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    loaded, peak = done.stderr.strip().splitlines()[-1].split()
    return int(loaded), int(peak)


def run(backend: str, sizes: list[int]) -> None:
    for n in sizes:
        with dataset(backend, n) as url, tempfile.TemporaryDirectory() as tmp:
            loaded, bare = peak_rss_kib(_BARE, url)
            print(
                f"memory ({backend}, {n:,} cases): {loaded / 1024:.1f} MiB resident after imports; "
                f"bare GROUP BY peak {bare / 1024:6.1f} MiB (+{(bare - loaded) / 1024:.1f})"
            )
            for fmt in ("xlsx", "csv"):
                out = Path(tmp) / f"annual.{fmt}"
                args = ("report", "annual", "--year", "2025", "--agency", "gov", "--format", fmt, "--output", str(out))
                loaded, peak = peak_rss_kib(_EXPORT, url, *args)
                print(
                    f"  year-end {fmt:4} export  peak {peak / 1024:6.1f} MiB (+{(peak - loaded) / 1024:.1f} over "
                    f"imports)  export/bare {peak / bare:4.2f}",
                    flush=True,
                )
