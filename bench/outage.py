"""PostgreSQL goes away under a running server and comes back: what clients see, and how long until service resumes.

    .venv/bin/python bench/outage.py [--down 5] [--rounds 3]

Starts a PostgreSQL cluster of its own (initdb in a temporary directory, run as the ``postgres`` account when
started as root; binaries in ``/usr/lib/postgresql/15/bin`` or ``GONGKAI_TEST_PG_BIN``) — never the shared server —
and ``gongkai serve`` on it. Two clients poll ``GET /api/v1/cases`` and ``GET /readyz`` without pause. Each round
stops the cluster (``pg_ctl stop -m fast``), keeps it down ``--down`` seconds, starts it again (``pg_ctl start -w``
returns once it accepts connections) and reports: the answers seen while it was down (all should be 503), the slowest
of them, and the time from "the database accepts connections again" to the first 200 of each client (no restart of
the server).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.soak import prepare  # noqa: E402
from tests.ops.cluster import Cluster, Server  # noqa: E402


class Poller(threading.Thread):
    def __init__(self, url: str, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.url, self.headers = url, headers
        self.answers: list[tuple[float, float, int]] = []  # (sent at, seconds taken, status; 0 = no answer)
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(headers=self.headers, timeout=30) as http:
            while not self.stop.is_set():
                sent = time.monotonic()
                try:
                    status = http.get(self.url).status_code
                except httpx.HTTPError:
                    status = 0
                self.answers.append((sent, time.monotonic() - sent, status))
                time.sleep(0.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--down", type=float, default=5.0, help="seconds the database stays down")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cluster = Cluster()
    server: Server | None = None
    try:
        url = cluster.createdb("gongkai_outage")
        token = prepare(url)
        server = Server({"GONGKAI_DATABASE_URL": url, "GONGKAI_ENVIRONMENT": "test"}, cluster.dir / "server.log")
        server.start()
        api = Poller(server.base + "/api/v1/cases", {"Authorization": f"Bearer {token}"})
        ready = Poller(server.base + "/readyz", {})
        for poller in (api, ready):
            poller.start()
        time.sleep(2)
        failed = 0
        for round_ in range(1, args.rounds + 1):
            cluster.stop()  # returns once the server has shut down
            stopped_at = time.monotonic()
            time.sleep(args.down)
            cluster.start()
            back_at = time.monotonic()
            time.sleep(3)
            for name, poller in (("API", api), ("readyz", ready)):
                during = [a for a in poller.answers if stopped_at <= a[0] and a[0] + a[1] <= back_at]
                seen = Counter(a[2] for a in during)
                recovered = next((a[0] + a[1] for a in poller.answers if a[0] >= back_at and a[2] == 200), None)
                recovery = f"{(recovered - back_at) * 1000:.0f} ms" if recovered else "NOT RECOVERED"
                slowest = max((a[1] for a in during), default=0.0)
                failed += (set(seen) - {503} != set()) + (recovered is None)
                print(
                    f"round {round_} {name:>6}: down {args.down:g} s, answers while down {dict(seen)}, "
                    f"slowest {slowest * 1000:.0f} ms; first 200 after the database was back: {recovery}",
                    flush=True,
                )
        for poller in (api, ready):
            poller.stop.set()
        return 1 if failed else 0
    finally:
        if server is not None:
            server.kill()
        cluster.destroy()


if __name__ == "__main__":
    raise SystemExit(main())
