"""Where a served request's CPU goes, by layer: reads a ``py-spy record --gil -f raw`` profile of the server and
gives each sample to the innermost frame that belongs to a layer (the thread hops, SQLAlchemy, routing, the HTTP
parser, FastAPI's dependency resolution, the event loop, logging, pydantic, each middleware, the application).

    py-spy record --gil -r 100 -d 20 -f raw -o /tmp/floor.txt -p <server pid>   # while a load runs
    .venv/bin/python -m bench.layers /tmp/floor.txt
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

LAYERS = (
    ("app/middleware", "middleware (app)"),
    ("app/concurrency", "middleware (app)"),
    ("app/idempotency", "middleware (app)"),
    ("app/errors", "middleware (app)"),
    ("app/", "application"),
    ("starlette/middleware", "middleware (Starlette)"),
    ("anyio", "thread hops"),
    ("sniffio", "thread hops"),
    ("threading.py", "thread hops"),
    ("queue.py", "thread hops"),
    ("asyncio/tasks", "thread hops"),
    ("fastapi/dependencies", "FastAPI dependencies"),
    ("fastapi/routing", "routing"),
    ("starlette/routing", "routing"),
    ("pydantic", "pydantic"),
    ("fastapi/_compat", "pydantic"),
    ("fastapi/encoders", "pydantic"),
    ("sqlalchemy", "SQLAlchemy"),
    ("h11", "HTTP parser (h11)"),
    ("uvicorn", "uvicorn"),
    ("logging", "logging"),
    ("asyncio", "event loop"),
    ("selectors", "event loop"),
)


def layer(frame: str) -> str | None:
    """``frame`` is py-spy's ``function (path:line)``."""
    path = frame.rpartition("(")[2]
    return next((name for part, name in LAYERS if part in path), None)


def main() -> None:
    samples: Counter[str] = Counter()
    for line in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        found = next((name for frame in reversed(frames) if (name := layer(frame))), "other")
        samples[found] += int(count)
    total = sum(samples.values())
    for name, n in samples.most_common():
        print(f"{n / total * 100:5.1f} %  {name}")
    print(f"{total} samples")


if __name__ == "__main__":
    main()
