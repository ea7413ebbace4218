"""A real browser against a real server: Debian's Chromium driven by Playwright's Python package (never a
downloaded browser), and uvicorn serving the test application on a random loopback port in a thread.

Run once, on SQLite (``.ci/run`` installs ``chromium`` and ``fonts-noto-cjk`` from Debian when missing).
Screenshots of every page go to ``out/screenshots`` (``GONGKAI_SCREENSHOT_DIR`` overrides)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.conftest import BACKEND, Api

CHROMIUM = os.environ.get("GONGKAI_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(
    os.environ.get("GONGKAI_SCREENSHOT_DIR", Path(__file__).parent.parent.parent / "out" / "screenshots")
)

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if BACKEND != "sqlite":
        skip = pytest.mark.skip(reason="browser tests run once, on SQLite (the pages are the same on both databases)")
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server(api: Api) -> Iterator[str]:
    """The test application (its database and its fixed "today") served over HTTP on loopback."""
    port = _free_port()
    config = uvicorn.Config(api.client.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)
    assert not thread.is_alive(), "uvicorn still serves: the next test's app (tests/conftest.py::app_for) would be seen"


@pytest.fixture
def chromium() -> Iterator[object]:
    # Skipped only where the pinned dev dependency is not installed (an older venv); CI installs it from the lock.
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -c requirements.lock -e '.[dev]'")
    sync_playwright = sync_api.sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--lang=zh-CN"])
        yield browser
        browser.close()


@pytest.fixture
def shots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
