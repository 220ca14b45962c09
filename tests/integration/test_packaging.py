"""Building the package before the web app is built stops with what to do.

A wheel without the web app would install and start, then answer every page with
"not found"; the build backend refuses instead. tests/e2e/test_wheel.py installs a
wheel built with the app and serves it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_building_the_package_without_the_web_app_says_to_run_make_build(
    tmp_path: Path,
) -> None:
    checkout = tmp_path / "helpline"
    checkout.mkdir()
    for name in ("pyproject.toml", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, checkout / name)
    shutil.copytree(ROOT / "build_backend", checkout / "build_backend")
    shutil.copytree(
        ROOT / "src/helpline",
        checkout / "src/helpline",
        ignore=shutil.ignore_patterns("static", "__pycache__"),
    )
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path / "dist")],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "The web app is not built" in result.stdout + result.stderr
    assert "make build" in result.stdout + result.stderr
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())
