"""The store's own SQLite connections and their threads (``helpline.store.sqlite_thread``).

The reads and the append writer run on ``sqlite3`` connections the store opens itself,
each used by one thread of its own. What the rest of the store relies on: the
connection is set up exactly as the engine's (durability, foreign keys, busy timeout,
transactions where the caller says), calls run one at a time in the order made,
errors reach their caller, a cancelled caller's call still runs whole, and a closed
one opens again when used.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest

from helpline.store.database import SQLITE_BUSY_TIMEOUT_MS, connect_sqlite, create_engine
from helpline.store.sqlite_thread import SqliteThread


@pytest.fixture
async def thread(sqlite_url: str) -> AsyncIterator[SqliteThread]:
    engine = create_engine(sqlite_url)
    opened = SqliteThread(connect_sqlite(engine), "test-sqlite")
    await opened.call(_execute, "CREATE TABLE t (n INTEGER PRIMARY KEY, what TEXT NOT NULL)")
    try:
        yield opened
    finally:
        await opened.close()
        await engine.dispose()


def _execute(connection: sqlite3.Connection, sql: str, *params: Any) -> list[Any]:
    return connection.execute(sql, params).fetchall()


def _settings(connection: sqlite3.Connection) -> dict[str, Any]:
    return {
        name: connection.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
    } | {"isolation_level": connection.isolation_level}


async def test_the_connection_is_set_up_as_the_engines_are(
    thread: SqliteThread, sqlite_url: str
) -> None:
    settings = await thread.call(_settings)

    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            engine_settings = {
                name: await connection.exec_driver_sql(f"PRAGMA {name}")
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
            engine_values = {name: result.scalar() for name, result in engine_settings.items()}
            engine_values["isolation_level"] = raw.driver_connection.isolation_level
    finally:
        await engine.dispose()
    assert settings == engine_values
    assert settings == {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "foreign_keys": 1,
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
        "isolation_level": None,  # autocommit: BEGIN where the caller says
    }


async def test_calls_run_one_at_a_time_in_one_thread_in_the_order_made(
    thread: SqliteThread,
) -> None:
    seen: list[tuple[int, int]] = []
    running = threading.Lock()

    def record(connection: sqlite3.Connection, n: int) -> int:
        assert running.acquire(blocking=False), "two calls ran at once"
        try:
            seen.append((threading.get_ident(), n))
            connection.execute("INSERT INTO t (n, what) VALUES (?, ?)", (n, f"call {n}"))
        finally:
            running.release()
        return n

    answers = await asyncio.gather(*(thread.call(record, n) for n in range(50)))

    assert answers == list(range(50))
    assert [n for _, n in seen] == list(range(50))
    assert len({ident for ident, _ in seen}) == 1
    assert threading.get_ident() not in {ident for ident, _ in seen}


async def test_an_error_reaches_its_caller_and_the_next_call_is_answered(
    thread: SqliteThread,
) -> None:
    await thread.call(_execute, "INSERT INTO t (n, what) VALUES (1, 'one')")

    with pytest.raises(sqlite3.IntegrityError):
        await thread.call(_execute, "INSERT INTO t (n, what) VALUES (1, 'again')")
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await thread.call(_execute, "SELECT * FROM missing")

    assert await thread.call(_execute, "SELECT n, what FROM t") == [(1, "one")]


async def test_a_cancelled_callers_call_still_runs_whole(thread: SqliteThread) -> None:
    loop = asyncio.get_running_loop()
    started = asyncio.Event()
    release = threading.Event()

    def slow_transaction(connection: sqlite3.Connection) -> None:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO t (n, what) VALUES (1, 'one')")
        loop.call_soon_threadsafe(started.set)
        release.wait(timeout=30)
        connection.execute("INSERT INTO t (n, what) VALUES (2, 'two')")
        connection.execute("COMMIT")

    cancelled = asyncio.create_task(thread.call(slow_transaction))
    await started.wait()
    queued = asyncio.create_task(thread.call(_execute, "SELECT n FROM t ORDER BY n"))
    cancelled.cancel()
    release.set()

    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert await queued == [(1,), (2,)]
    assert await thread.call(lambda connection: connection.in_transaction) is False


async def test_close_waits_for_earlier_calls_and_a_later_call_opens_again(
    thread: SqliteThread,
) -> None:
    # Thread names, not idents: a new thread may get an ended one's ident.
    first_thread = await thread.call(lambda _: threading.current_thread().name)
    inserted = asyncio.create_task(
        thread.call(_execute, "INSERT INTO t (n, what) VALUES (1, 'before close')")
    )
    # Tasks start in the order made: the insert is queued before the close.
    await asyncio.create_task(thread.close())

    assert inserted.done() and await inserted == []
    assert await thread.call(_execute, "SELECT what FROM t") == [("before close",)]
    assert await thread.call(lambda _: threading.current_thread().name) != first_thread
    await thread.close()
    await thread.close()  # closing a closed one is nothing


async def test_a_connection_that_cannot_open_fails_the_call_and_the_next_tries_again(
    tmp_path: Any,
) -> None:
    folder = tmp_path / "later"
    engine = create_engine(f"sqlite:///{folder}/helpline.db")
    thread = SqliteThread(connect_sqlite(engine), "test-sqlite")
    try:
        with pytest.raises(sqlite3.OperationalError, match="unable to open"):
            await thread.call(_execute, "SELECT 1")
        folder.mkdir()
        assert await thread.call(_execute, "SELECT 1") == [(1,)]
    finally:
        await thread.close()
        await engine.dispose()


class _Marked(sqlite3.Connection):
    """A connection class of the test's own, to see which arguments opened one."""


async def test_the_engines_connect_arguments_apply_to_the_stores_own_connections(
    sqlite_url: str,
) -> None:
    engine = create_engine(sqlite_url, connect_args={"factory": _Marked})
    thread = SqliteThread(connect_sqlite(engine), "test-sqlite")
    try:
        opened = await thread.call(lambda connection: type(connection))
        settings = await thread.call(_settings)
    finally:
        await thread.close()
        await engine.dispose()

    assert opened is _Marked
    assert settings["busy_timeout"] == SQLITE_BUSY_TIMEOUT_MS  # still set up as Helpline's
