"""The build backend: setuptools, refusing to make a wheel or sdist without the web app.

The console and the customer's pages are built by Vite from web/ into
src/helpline/static/ (git-ignored). A wheel made before that would install and start,
then answer every page with "not found"; this backend stops the build and says what to
run instead. Editable installs (``pip install -e .``, as ``make install`` does before
the web app exists) pass through unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from setuptools import build_meta
from setuptools.build_meta import *  # noqa: F403 - every hook setuptools offers

# One page of each app: a build that made them made the rest.
BUILT_PAGES = ("console/index.html", "customer/index.html")
STATIC = Path("src/helpline/static")


def check_web_app_built() -> None:
    missing = [page for page in BUILT_PAGES if not (STATIC / page).is_file()]
    if missing:
        raise SystemExit(
            f"The web app is not built ({STATIC}/{missing[0]} is missing): run "
            "`make build` (Node.js 20 and npm) before `python -m build`, so that the "
            "wheel carries the console and the customer's pages."
        )


def build_wheel(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    check_web_app_built()
    return build_meta.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory: str, config_settings: dict[str, Any] | None = None) -> str:
    check_web_app_built()
    return build_meta.build_sdist(sdist_directory, config_settings)
