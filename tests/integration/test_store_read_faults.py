"""Single-statement reads (``helpline.store.reader``) when something goes wrong: a read
cancelled halfway, a database that dropped its connections, a store closed and used
again. Each leaves nothing behind for the next read. The reads' other promises are in
test_store_fast_reads.py, whose store, databases and helpers these tests share.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy import text

from helpline.store.database import create_engine
from helpline.store.sql import SqlStore
from helpline.store.sqlite_thread import SqliteThread
from tests.integration import test_store_fast_reads as fast_reads
from tests.integration.test_store import NOW, chat, open_session, seqs

store = fast_reads.store
store_url = fast_reads.store_url
on_sqlite = fast_reads.on_sqlite
on_postgresql = fast_reads.on_postgresql
busy_session = fast_reads.busy_session


# Cancellation ----------------------------------------------------------------------------


@on_sqlite
async def test_a_read_cancelled_in_the_driver_thread_leaves_nothing_for_the_next(
    store: SqlStore, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = await busy_session(store)
    session = made.session
    last = await store.last_seq(session.id)  # the read connection is open now
    loop = asyncio.get_running_loop()
    hold = threading.Event()
    started = asyncio.Event()
    release = threading.Event()
    call = SqliteThread.call

    async def held(self: SqliteThread, function: Any, *args: Any, **kwargs: Any) -> Any:
        # The next call into a store thread, once ``hold`` is set, waits in that thread.
        if not hold.is_set():
            return await call(self, function, *args, **kwargs)
        hold.clear()

        def waits_then_runs(*inner: Any, **named: Any) -> Any:
            loop.call_soon_threadsafe(started.set)
            release.wait(timeout=30)
            return function(*inner, **named)

        return await call(self, waits_then_runs, *args, **kwargs)

    monkeypatch.setattr(SqliteThread, "call", held)
    hold.set()
    cancelled = asyncio.create_task(store.get_session_by_public_id(session.public_id))
    await started.wait()
    queued = asyncio.create_task(store.list_attendees(session.id))
    cancelled.cancel()
    release.set()

    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert [a.rep_id for a in await queued] == [made.ann.id]
    assert await store.get_session_by_public_id(session.public_id) == await store.get_session(
        session.id
    )
    assert seqs(await store.events_after(session.id, 0)) == list(range(1, last + 1))


async def test_a_read_cancelled_while_the_database_works_leaves_the_store_usable(
    store: SqlStore, store_url: str
) -> None:
    """Cancelled while the server has the statement (PostgreSQL: waiting on a table
    lock) or before the call reached the driver: every later read is answered right."""
    made = await busy_session(store)
    session = made.session
    if store_url.startswith("postgresql"):
        await store.get_session(session.id)  # the read pool has a connection now
        engine = create_engine(store_url)
        try:
            async with engine.connect() as locker:
                await locker.execute(text("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE"))
                cancelled = asyncio.create_task(store.get_session(session.id))
                while not await locker.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock' AND query LIKE 'SELECT sessions.id%'"
                    )
                ):
                    assert not cancelled.done()
                cancelled.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await cancelled
                await locker.rollback()
        finally:
            await engine.dispose()
    # Cancelled at once, before anything ran; and many at once beside answered reads.
    tasks = [asyncio.create_task(store.get_session(session.id)) for _ in range(20)]
    tasks[0].cancel()
    for task in tasks[5:15]:
        task.cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    answered = [r for r in done if not isinstance(r, BaseException)]
    assert len(answered) == 9 and all(r is not None and r.id == session.id for r in answered)

    for _ in range(30):  # more than the pool holds: every connection gets used
        assert [a.rep_id for a in await store.list_attendees(session.id)] == [made.ann.id]
        read = await store.get_session_by_public_id(session.public_id)
        assert read is not None and read.id == session.id
    appended = await store.append(session.id, chat("after"), NOW)
    assert (await store.events_after(session.id, appended.event.seq - 1)) == [appended.event]


# A dropped connection, a closed store -----------------------------------------------------


@on_postgresql
async def test_a_read_after_the_database_dropped_its_connections_is_answered(
    store: SqlStore, store_url: str
) -> None:
    """PostgreSQL restarted, or dropped idle connections: the read connection is dead
    when the next read takes it from the pool."""
    session = await open_session(store)
    assert await store.get_session(session.id) == session
    engine = create_engine(store_url)
    try:
        async with engine.connect() as admin:
            await admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await engine.dispose()

    assert await store.get_session(session.id) == session
    assert await store.get_session_by_public_id(session.public_id) == session


async def test_a_closed_store_reads_again_when_used(store: SqlStore) -> None:
    session = await open_session(store)
    assert await store.get_session(session.id) == session
    await store.close()

    assert await store.get_session(session.id) == session
    await store.close()
    assert await store.last_seq(session.id) == 1
