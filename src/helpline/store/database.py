"""Engines for the two databases Helpline runs on, configured for durability.

SQLite (through aiosqlite) is the default: a file in the data folder. PostgreSQL
(through asyncpg) is for deployments with several server processes. Everything that
differs between the two at the connection level is decided here, once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DATABASE_FILE_NAME = "helpline.db"

# How long a SQLite connection waits for another process's write lock (for example an
# admin command run while the server is up) before giving up with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000

# The execution option that makes a SQLite transaction start with BEGIN IMMEDIATE.
_BEGIN_IMMEDIATE = "helpline_begin_immediate"


def async_url(url: str) -> URL:
    """The URL with the async driver Helpline uses for its dialect.

    ``sqlite:///...`` and ``postgresql://...`` are accepted as written by people and
    mean aiosqlite and asyncpg; any other database is refused.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(
        f"Helpline stores its data in SQLite or PostgreSQL, not {backend!r}: "
        "use a sqlite:/// or postgresql:// URL."
    )


def sqlite_url_for(data_dir: Path) -> str:
    """The URL of the SQLite database file in ``data_dir`` (the folder is not created)."""
    path = (data_dir / DATABASE_FILE_NAME).absolute()
    return URL.create("sqlite+aiosqlite", database=str(path)).render_as_string(hide_password=False)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``, with Helpline's connection settings.

    No connection is opened here; the first query opens one. Extra keyword arguments
    go to SQLAlchemy's ``create_async_engine``.
    """
    parsed = async_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(parsed, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(parsed, **kwargs)


def for_writes(engine: AsyncEngine) -> AsyncEngine:
    """The same engine (same pool) whose SQLite transactions begin IMMEDIATE.

    A deferred SQLite transaction that reads and then writes must upgrade its lock,
    and if another connection wrote in between, SQLite fails it with SQLITE_BUSY at
    once instead of waiting ``busy_timeout``. Taking the write lock at BEGIN makes a
    writer wait its turn instead. On PostgreSQL this changes nothing.
    """
    return engine.execution_options(**{_BEGIN_IMMEDIATE: True})


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin:
        # the module's legacy mode skips BEGIN before SELECT and DDL, which breaks
        # repeatable reads and transactional migrations.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # WAL lets readers work while one writer commits.
            cursor.execute("PRAGMA journal_mode=WAL")
            # An event is acknowledged to its sender after commit, and nothing
            # acknowledged may be lost. In WAL mode synchronous=NORMAL survives a killed
            # process but can lose the last commits on power loss or an OS crash;
            # FULL syncs the WAL on every commit and survives both. Appends are
            # serialized per process anyway, so the extra fsync is the price of the
            # promise.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(_BEGIN_IMMEDIATE):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")
