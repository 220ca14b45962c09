"""SQLite's WAL checkpoints run beside the append writer, not inside its commits
(``helpline.store.wal_checkpoints``): the writer's connection never checkpoints, so
its batches never wait for one, and the checkpoints still keep the WAL from growing
without bound while the store is open."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from pathlib import Path

from helpline.store.database import configure_sqlite, create_engine
from helpline.store.migrate import upgrade
from helpline.store.sql import SqlStore
from helpline.store.wal_checkpoints import WalCheckpoints, without_autocheckpoint
from tests.integration.test_store import chat, open_session
from tests.support.manual_clock import ManualClock

PAGE = 4096


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    configure_sqlite(connection)
    return connection


def _size(path: Path) -> int:
    """A file's size (a stat call is quick enough to make on the event loop's thread)."""
    return os.stat(path).st_size


def _write_pages(connection: sqlite3.Connection, pages: int) -> None:
    connection.execute("BEGIN")
    for _ in range(pages):
        connection.execute("INSERT INTO filler (blob) VALUES (randomblob(?))", (PAGE,))
    connection.execute("COMMIT")


async def test_appends_reach_the_database_file_while_the_store_is_open(sqlite_url: str) -> None:
    await upgrade(sqlite_url)
    store = SqlStore(create_engine(sqlite_url))
    database = Path(sqlite_url.split("///", 1)[1])
    try:
        session = await open_session(store)
        size_at_start = _size(database)
        grown = size_at_start + 400 * PAGE
        # Appends flow until their pages have been copied into the database file; with
        # no checkpoint at all they would stay in the WAL until the store closed.
        deadline = time.monotonic() + 30
        while _size(database) < grown:
            assert time.monotonic() < deadline, "the WAL was never checkpointed"
            await asyncio.gather(
                *(store.append(session.id, chat("x" * 3000), session.started_at) for _ in range(50))
            )
    finally:
        await store.close()


async def test_the_writer_s_connection_leaves_checkpoints_to_its_neighbour(
    tmp_path: Path,
) -> None:
    path = tmp_path / "wal.db"
    writer = without_autocheckpoint(lambda: _connect(path))()
    writer.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, blob BLOB)")
    clock = ManualClock()
    checkpoints = WalCheckpoints(lambda: _connect(path), every_s=0.5, clock=clock.time)
    try:
        size_at_start = _size(path)
        # Past SQLite's default of 1,000 pages, the writer's own commits copied nothing.
        _write_pages(writer, 1_200)
        assert _size(path) == size_at_start

        checkpoints.batch_committed()
        await checkpoints.settled()
        assert checkpoints.checkpoints == 0, "too soon after the last one"

        clock.advance(0.5)
        checkpoints.batch_committed()
        await checkpoints.settled()
        assert checkpoints.checkpoints == 1
        assert _size(path) >= size_at_start + 1_200 * PAGE
    finally:
        writer.close()
        await checkpoints.close()
