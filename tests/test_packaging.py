"""The wheel the Docker image installs (not an editable tree) carries everything the service reads from disk."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_wheel_carries_templates_static_assets_and_migrations(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path), str(ROOT)],
        check=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("gongkai-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "migrations/env.py",
        "migrations/script.py.mako",
        "app/web/static/style.css",
        "app/web/static/swagger-init.js",
        "app/web/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "app/web/static/vendor/swagger-ui/swagger-ui.css",
        "app/web/static/vendor/redoc/redoc.standalone.js",
        "app/web/templates/base.html",
        "app/web/templates/apidocs/swagger.html",
    }
    expected |= {f"migrations/versions/{p.name}" for p in (ROOT / "migrations" / "versions").glob("*.py")}
    expected |= {
        f"app/web/templates/{p.relative_to(ROOT / 'app/web/templates')}"
        for p in (ROOT / "app/web/templates").rglob("*.html")
    }
    assert expected <= names, sorted(expected - names)
    assert not any(name.startswith("tests/") for name in names)
