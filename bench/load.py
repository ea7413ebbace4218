"""A small closed-loop load generator: ``clients`` concurrent HTTP/1.1 connections, each sending its next request as
soon as the previous one is answered, for a fixed time. Counts every answer by status, and every request that got no
answer (connection dropped, or no answer within ``timeout``) as an error.

    .venv/bin/python -m bench.load URL --clients 64 --seconds 10 [--method POST --json '{...}' -H 'Authorization: ...']
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class LoadResult:
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def answered(self) -> int:
        return len(self.latencies)

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def errors(self) -> int:
        """Requests without a 2xx answer: 5xx, 4xx, dropped connections and time-outs alike."""
        return self.answered - self.ok + sum(self.failures.values())

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def line(self) -> str:
        extra = ", ".join(f"{k}×{v}" for k, v in sorted({**self.statuses, **self.failures}.items(), key=str))
        return (
            f"{self.rate:7.1f} req/s  p50 {self.percentile(50) * 1000:7.1f} ms"
            f"  p99 {self.percentile(99) * 1000:7.1f} ms"
            f"  errors {self.errors}  ({extra})"
        )


RequestFactory = Callable[[int, int], dict[str, Any]]
"""(client number, request number) → keyword arguments of ``httpx.AsyncClient.request``."""


async def _run(url: str, factory: RequestFactory, clients: int, seconds: float, timeout: float) -> LoadResult:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
        deadline = time.perf_counter() + seconds
        result = LoadResult(clients, seconds)

        async def one(worker: int) -> None:
            n = 0
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = await client.request(**{"url": url, **factory(worker, n)})
                except httpx.HTTPError as exc:
                    result.failures[type(exc).__name__] += 1
                else:
                    result.latencies.append(time.perf_counter() - started)
                    result.statuses[response.status_code] += 1
                n += 1

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(clients)))
        result.seconds = time.perf_counter() - started
        return result


def run(url: str, factory: RequestFactory, clients: int, seconds: float, timeout: float = 30.0) -> LoadResult:
    """Drive ``url`` with ``clients`` closed-loop clients for ``seconds`` (the last requests may finish later)."""
    return asyncio.run(_run(url, factory, clients, seconds, timeout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--json", dest="body")
    parser.add_argument("-H", "--header", action="append", default=[])
    args = parser.parse_args()
    headers = dict(h.split(": ", 1) for h in args.header)
    body = json.loads(args.body) if args.body else None

    def factory(_worker: int, _n: int) -> dict[str, Any]:
        return {"method": args.method, "json": body, "headers": headers}

    print(run(args.url, factory, args.clients, args.seconds).line())


if __name__ == "__main__":
    main()
