"""The databases and paths every store test of batching and reading runs on.

``sqlite`` takes SQLite's raw driver path (one call into aiosqlite's thread per read or
batch), ``sqlite-core`` the SQLAlchemy Core path that SQLite falls back to should
aiosqlite lose its hooks (and that PostgreSQL always takes), ``postgresql`` PostgreSQL.
A test module uses it with ``store_url = store_paths.store_url``.
"""

from __future__ import annotations

import pytest

from helpline.store import reader, writer


@pytest.fixture(
    params=["sqlite", "sqlite-core", "postgresql"], ids=["sqlite", "sqlite-core", "postgresql"]
)
def store_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "sqlite-core":
        monkeypatch.setattr(reader, "USE_RAW_SQLITE", False)
        monkeypatch.setattr(writer, "USE_RAW_SQLITE", False)
    url: str = request.getfixturevalue(
        "postgres_url" if request.param == "postgresql" else "sqlite_url"
    )
    return url
