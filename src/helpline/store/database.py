"""Engines for the two databases Helpline runs on, configured for durability.

SQLite (through aiosqlite) is the default: a file in the data folder. PostgreSQL
(through asyncpg) is for deployments with several server processes. Everything that
differs between the two at the connection level is decided here, once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DATABASE_FILE_NAME = "helpline.db"

# How long a SQLite connection waits for another process's write lock (for example an
# admin command run while the server is up) before giving up with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000

# The execution option that makes a SQLite transaction start with BEGIN IMMEDIATE.
_BEGIN_IMMEDIATE = "helpline_begin_immediate"

# What each engine was made with, so that a PostgreSQL engine's reads' engine is made
# alike, and the store's own SQLite connections get the same connect arguments.
_MADE_WITH: WeakKeyDictionary[Engine, dict[str, Any]] = WeakKeyDictionary()


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
        _MADE_WITH[engine.sync_engine] = dict(kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_async_engine(parsed, **kwargs)
    _MADE_WITH[engine.sync_engine] = dict(kwargs)
    return engine


def for_writes(engine: AsyncEngine) -> AsyncEngine:
    """The same engine (same pool) whose SQLite transactions begin IMMEDIATE.

    A deferred SQLite transaction that reads and then writes must upgrade its lock,
    and if another connection wrote in between, SQLite fails it with SQLITE_BUSY at
    once instead of waiting ``busy_timeout``. Taking the write lock at BEGIN makes a
    writer wait its turn instead. On PostgreSQL this changes nothing.
    """
    return engine.execution_options(**{_BEGIN_IMMEDIATE: True})


def for_reads(engine: AsyncEngine) -> AsyncEngine:
    """A PostgreSQL engine for single-statement reads beside ``engine``: the same
    database and settings, but a pool of its own, ``AUTOCOMMIT`` and no pre-ping.

    In ``AUTOCOMMIT`` a lone SELECT runs without BEGIN and ROLLBACK around it. The
    pre-ping is a pool's setting, and with asyncpg it costs three round trips per
    checkout (BEGIN, the ping, ROLLBACK), more than the read: without it a dropped
    connection is found out by a statement instead, which a caller that may repeat
    the statement (a read may) handles by trying once more. The pool is sized like
    ``engine``'s, so a process may hold up to twice as many connections to the server.
    The caller disposes of the engine. Only for PostgreSQL: SQLite's reads have a
    connection of their own (see ``helpline.store.reader``).
    """
    if engine.dialect.name != "postgresql":
        raise ValueError("a read engine is for PostgreSQL")
    kwargs = {
        **_MADE_WITH.get(engine.sync_engine, {}),
        "pool_pre_ping": False,
        "isolation_level": "AUTOCOMMIT",
    }
    return create_async_engine(engine.url, **kwargs)


def connect_sqlite(engine: AsyncEngine) -> Callable[[], sqlite3.Connection]:
    """A function that opens a plain ``sqlite3`` connection to ``engine``'s database,
    configured as the engine's own connections are (``configure_sqlite``), for a thread
    that the store owns (``helpline.store.sqlite_thread``)."""
    if engine.dialect.name != "sqlite":
        raise ValueError("a sqlite3 connection is for SQLite")
    # The dialect's own reading of the URL (the same file, URI mode and options), and
    # the engine's ``connect_args`` on top, as SQLAlchemy combines them.
    cargs, cparams = engine.dialect.create_connect_args(engine.url)
    cparams.update(_MADE_WITH.get(engine.sync_engine, {}).get("connect_args", {}))
    return partial(_connected, partial(sqlite3.connect, *cargs, **cparams))


def _connected(connect: Callable[[], sqlite3.Connection]) -> sqlite3.Connection:
    connection = connect()
    try:
        configure_sqlite(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def configure_sqlite(dbapi_connection: Any) -> None:
    """Helpline's settings for a new SQLite connection (a DB-API connection: the
    engine's aiosqlite adapter or a plain ``sqlite3`` one)."""
    # Let SQLAlchemy (or the store's own code), not the sqlite3 module, decide where
    # transactions begin: the module's legacy mode skips BEGIN before SELECT and DDL,
    # which breaks repeatable reads and transactional migrations.
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


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        configure_sqlite(dbapi_connection)

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(_BEGIN_IMMEDIATE):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")
