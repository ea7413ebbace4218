"""A small closed-loop load generator: ``clients`` concurrent HTTP/1.1 connections, each sending its next request as
soon as the previous one is answered, for a fixed time. Counts every answer by status, and every request that got no
answer (connection dropped, or no answer within ``timeout``) as an error. ``run_wrk`` drives the same requests with
``wrk`` instead, a load tool nobody here wrote (``python -m bench api --load wrk``).

    .venv/bin/python -m bench.load URL --clients 64 --seconds 10 [--method POST --json '{...}' -H 'Authorization: ...']
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import tempfile
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


@dataclass
class WrkResult:
    """What ``wrk`` reports of one run, with ``LoadResult``'s reading of it."""

    clients: int
    seconds: float
    answered: int
    non_2xx: int
    """Answers that were not 2xx or 3xx."""
    socket_errors: dict[str, int]
    """connect, read, write, timeout: requests without an answer."""
    quantiles: dict[float, float]
    """Latency percentiles in seconds."""

    @property
    def ok(self) -> int:
        return self.answered - self.non_2xx

    @property
    def errors(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return self.quantiles[p]

    def line(self) -> str:
        extra = ", ".join(f"{k}×{v}" for k, v in {"non-2xx": self.non_2xx, **self.socket_errors}.items() if v)
        return (
            f"{self.rate:7.1f} req/s  p50 {self.percentile(50) * 1000:7.1f} ms"
            f"  p99 {self.percentile(99) * 1000:7.1f} ms"
            f"  errors {self.errors}  ({'; '.join(filter(None, [extra, 'wrk']))})"
        )


_WRK_SCRIPT = """
local raw = {%s}
local requests = {}
local next_one = 0
init = function(args)
  for i, r in ipairs(raw) do requests[i] = wrk.format(r[1], r[2], r[3], r[4]) end
  next_one = math.random(#requests) - 1
end
request = function()
  next_one = next_one %% #requests + 1
  return requests[next_one]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    e.status, e.connect, e.read, e.write, e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def _lua(text: str) -> str:
    """A Lua long string holding ``text`` verbatim."""
    level = "=" * next(n for n in range(1, 100) if f"]{'=' * n}]" not in text)
    return f"[{level}[{text}]{level}]"


def run_wrk(url: str, factory: RequestFactory, clients: int, seconds: float, timeout: float = 30.0) -> WrkResult:
    """Drive ``url`` with ``wrk`` (Debian's package; a load tool this project did not write, in C, which leaves the
    server more of the machine than the asyncio client above): ``clients`` connections on two threads, each cycling
    through 500 requests made by ``factory`` beforehand (a request's ``url`` may replace the path)."""
    base = httpx.URL(url)
    entries = []
    for n in range(500):
        spec = factory(n % clients, n // clients)
        path = httpx.URL(spec.get("url", url)).raw_path.decode()
        headers = dict(spec.get("headers", {}))
        body = ""
        if "json" in spec:
            body = json.dumps(spec["json"], ensure_ascii=False)
            headers["Content-Type"] = "application/json"
        lua_headers = ", ".join(f"[ {_lua(k)} ] = {_lua(v)}" for k, v in headers.items())
        entries.append(f"{{{_lua(spec['method'])}, {_lua(path)}, {{{lua_headers}}}, {_lua(body) if body else 'nil'}}}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", encoding="utf-8") as script:
        script.write(_WRK_SCRIPT % ",\n".join(entries))
        script.flush()
        argv = [
            "wrk",
            f"-t{min(2, clients)}",
            f"-c{clients}",
            f"-d{max(1, round(seconds))}s",
            f"--timeout={round(timeout)}s",
        ]
        done = subprocess.run([*argv, "-s", script.name, str(base)], capture_output=True, text=True, check=True)
    result = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if not result:
        raise RuntimeError(f"wrk reported nothing: {done.stderr or done.stdout}")
    fields = [int(v) for v in result[0].split()[1:]]
    answered, duration_us, status, connect, read, write, timed_out, p50_us, p99_us = fields
    return WrkResult(
        clients,
        duration_us / 1e6,
        answered,
        status,
        {"connect": connect, "read": read, "write": write, "timeout": timed_out},
        {50: p50_us / 1e6, 99: p99_us / 1e6},
    )


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
