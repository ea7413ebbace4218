"""The benchmark suite: ``python -m bench`` runs every benchmark on SQLite and PostgreSQL; ``python -m bench NAME ...``
runs the named ones. See bench/README.md for what each measures, its baseline and the results.

    .venv/bin/python -m bench [clock annual overdue cases api create import recompute memory]
        [--db sqlite|postgresql|both] [--sizes 10000,100000,1000000] [--clients 8,32,64] [--seconds 8]
        [--workers 1,2] [--smoke]

``--smoke`` runs each at a tiny size in seconds (what ``.ci/run`` does, so that they keep working); it asserts nothing
about speed.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import time
from pathlib import Path

from bench import annual_report, bulk_import, cases, clock, create_cost, memory, overdue_report, recompute
from bench.api import bench_api
from bench.common import BACKENDS, database

NAMES = ("clock", "annual", "overdue", "cases", "api", "create", "import", "recompute", "memory")


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def machine() -> str:
    info = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "?")
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    load = Path("/proc/loadavg").read_text().split()[:3]
    return f"{platform.python_implementation()} {platform.python_version()}, {cores} × {cpu}, load {' '.join(load)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", choices=[*NAMES, []], metavar="NAME", help=", ".join(NAMES))
    parser.add_argument("--db", choices=[*BACKENDS, "both"], default="both")
    parser.add_argument("--sizes", type=_ints, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--clients", type=_ints, default=[8, 32, 64])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=_ints, default=[1, 2], help="API on PostgreSQL: worker processes")
    parser.add_argument("--load", choices=["httpx", "wrk"], default="httpx", help="API: the load tool (wrk: Debian's)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--import-cases", type=int, default=2000)
    parser.add_argument("--recompute-cases", type=int, default=400)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds in all (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.clients, args.seconds, args.runs, args.import_cases = [300], [4], 1.0, 2, 20
        args.recompute_cases = 20
        args.workers = [1]
    names = args.names or list(NAMES)
    backends = BACKENDS if args.db == "both" else (args.db,)
    print(f"machine: {machine()}", flush=True)
    started = time.perf_counter()
    if "clock" in names:
        clock.run(smoke=args.smoke)
    for backend in backends:
        if "annual" in names:
            for n in args.sizes:
                annual_report.run_on(backend, n, args.runs)
        if "overdue" in names:
            for n in args.sizes:
                overdue_report.bench(backend, n, args.runs, 0.005, 0.03)
        if "cases" in names:
            cases.run(backend, args.sizes, args.runs)
        if "api" in names:
            for workers in args.workers if backend == "postgresql" else [1]:
                print(f"api ({backend}, {workers} worker process{'es' if workers > 1 else ''}):", flush=True)
                with database(backend) as url:
                    bench_api(url, backend, args.clients, args.seconds, workers, args.load)
        if "create" in names:
            create_cost.run(backend, 20 if args.smoke else 300)
        if "import" in names:
            bulk_import.run(backend, args.import_cases)
        if "recompute" in names:
            recompute.run(backend, args.recompute_cases, args.runs)
        if "memory" in names:
            memory.run(backend, args.sizes)
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
