"""Group commit of appends (``helpline.store.writer``), on real SQLite and PostgreSQL:
failures and cancellations stay with their own append.

An unknown session, content that cannot be stored, a bug in the writer, a caller
cancelled before or during its batch: each is answered on its own, its batch-mates
are saved (with gapless seqs) and the writer keeps running. What the batches save:
test_store_group_commit.py, whose databases and batch sizes these tests share; each
runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from sqlalchemy import text

from helpline.domain.errors import InvalidInput, NotFound
from helpline.domain.events import Author, Event, EventDraft
from helpline.store.database import create_engine, for_writes
from helpline.store.migrate import upgrade
from helpline.store.protocol import Appended
from helpline.store.sql import SqlStore
from tests.integration import test_store as contract
from tests.integration import test_store_group_commit as group_commit
from tests.integration.test_store import LATER, NOW, chat, open_session

# The group-commit tests' databases and batch sizes.
store = contract.store
store_url = contract.store_url
transactions = group_commit.transactions
batches = group_commit.batches
gapless = group_commit.gapless


@pytest.fixture
async def blocker(store_url: str) -> AsyncIterator[Any]:
    """Holds up writers from another connection: SQLite's write lock, or on PostgreSQL
    the row of the sessions named (what a writer in another process would hold)."""
    engine = create_engine(store_url)

    class Blocker:
        conn: Any = None

        async def hold(self, session_ids: Sequence[int]) -> None:
            # On SQLite, BEGIN IMMEDIATE takes the write lock.
            self.conn = await for_writes(engine).connect()
            await self.conn.begin()
            if engine.dialect.name == "sqlite":
                return
            await self.conn.execute(
                text("SELECT id FROM sessions WHERE id = ANY(:ids) FOR UPDATE"),
                {"ids": list(session_ids)},
            )

        async def release(self) -> None:
            if self.conn is not None:
                await self.conn.rollback()
                await self.conn.close()
                self.conn = None

    held = Blocker()
    try:
        yield held
    finally:
        await held.release()
        await engine.dispose()


# Failures stay with their own append -----------------------------------------------------


async def test_an_unknown_session_fails_alone_in_its_batch(
    store: SqlStore, transactions: list[int]
) -> None:
    first = await open_session(store, "AAAA-0001")
    second = await open_session(store, "AAAA-0002")
    transactions.clear()

    results = await asyncio.gather(
        store.append(first.id, chat("a", client_id="c-1"), NOW),
        store.append(4242, chat("lost"), NOW),
        store.append(second.id, chat("b"), NOW),
        store.append(4242, chat("lost too", client_id="c-1"), NOW),
        store.append(4242, chat("lost too, again", client_id="c-1"), NOW),
        store.append(first.id, chat("c"), NOW),
        return_exceptions=True,
    )

    assert transactions == [6]
    a, lost, b, lost_too, again, c = results
    assert isinstance(lost, NotFound)
    assert isinstance(lost_too, NotFound)
    assert isinstance(again, NotFound)
    assert isinstance(a, Appended) and isinstance(b, Appended) and isinstance(c, Appended)
    assert [(r.event.session_id, r.event.seq) for r in (a, b, c)] == [
        (first.id, 2),
        (second.id, 2),
        (first.id, 3),
    ]
    assert await gapless(store, first.id) == [1, 2, 3]
    assert await gapless(store, second.id) == [1, 2]


async def test_an_append_that_cannot_be_stored_fails_alone(
    store: SqlStore, transactions: list[int]
) -> None:
    session = await open_session(store)
    unstorable = EventDraft(
        kind=chat("x").kind,
        audience=chat("x").audience,
        author=chat("x").author,
        body={"text": "x", "oops": object()},  # type: ignore[dict-item]
    )
    transactions.clear()

    results = await asyncio.gather(
        store.append(session.id, chat("before", client_id="c-1"), NOW),
        store.append(session.id, unstorable, NOW),
        store.append(session.id, chat("after"), NOW),
        return_exceptions=True,
    )

    before, failed, after = results
    assert isinstance(failed, Exception) and "not JSON serializable" in str(failed)
    assert isinstance(before, Appended) and isinstance(after, Appended)
    assert (before.event.seq, after.event.seq) == (2, 3)
    # The batch was rolled back and saved again without the append at fault.
    assert transactions == [3, 2]
    assert await gapless(store, session.id) == [1, 2, 3]
    assert (await store.events_after(session.id, 1)) == [before.event, after.event]


def poisoned(text_: str = "fine", name: str = "Casey Customer") -> EventDraft:
    """A draft that the database driver cannot encode: half of a surrogate pair."""
    return chat(text_, author=Author.customer(name))


async def test_a_draft_that_fails_to_encode_fails_alone_and_its_batch_mates_commit_together(
    store: SqlStore, transactions: list[int]
) -> None:
    session = await open_session(store)
    transactions.clear()

    results = await asyncio.gather(
        store.append(session.id, chat("before", client_id="c-1"), NOW),
        store.append(session.id, poisoned("half a pair \ud800"), NOW),
        store.append(session.id, chat("middle"), NOW),
        store.append(session.id, poisoned(name="Casey \udfff"), NOW),
        store.append(session.id, chat("after", client_id="c-2"), NOW),
        return_exceptions=True,
    )

    before, text_fault, middle, name_fault, after = results
    for fault in (text_fault, name_fault):
        assert isinstance(fault, InvalidInput) and "cannot be stored" in fault.message
    assert [r.event.seq for r in (before, middle, after) if isinstance(r, Appended)] == [2, 3, 4]
    # Rolled back once, then saved again as one batch without the two at fault.
    assert transactions == [5, 3]
    assert await gapless(store, session.id) == [1, 2, 3, 4]
    # The writer keeps running: the next append is saved as usual.
    later = await store.append(session.id, chat("later"), NOW)
    assert later.event.seq == 5


async def test_a_draft_that_fails_to_encode_alone_is_refused_with_invalid_input(
    store: SqlStore,
) -> None:
    session = await open_session(store)

    with pytest.raises(InvalidInput, match="cannot be stored"):
        await store.append(session.id, poisoned("\ud800"), NOW)

    assert (await store.append(session.id, chat("next"), NOW)).event.seq == 2


async def test_the_writer_answers_a_batch_it_could_not_handle_and_keeps_running(
    store: SqlStore,
) -> None:
    session = await open_session(store)

    class FailsOnce:
        """An observer that raises is a bug in the batch's handling like any other."""

        broken = True

        def committing(self, size: int) -> None:
            if self.broken:
                self.broken = False
                raise RuntimeError("a bug in the writer")

        def committed(
            self, size: int, seconds: float, stored: Sequence[Event], one_statement: bool
        ) -> None:
            pass

    store.watch_appends(FailsOnce())

    with pytest.raises(RuntimeError, match="a bug in the writer"):
        await store.append(session.id, chat("unlucky"), NOW)
    assert (await store.append(session.id, chat("lucky"), NOW)).event.seq == 2


# Cancellation --------------------------------------------------------------------------------


async def test_a_caller_cancelled_before_its_batch_does_not_break_the_others(
    store: SqlStore,
) -> None:
    session = await open_session(store)

    calls = [asyncio.create_task(store.append(session.id, chat(f"m{i}"), NOW)) for i in range(20)]
    await asyncio.sleep(0)
    calls[7].cancel()
    calls[13].cancel()
    done = await asyncio.gather(*calls, return_exceptions=True)

    assert isinstance(done[7], asyncio.CancelledError)
    assert isinstance(done[13], asyncio.CancelledError)
    answered = [r for r in done if isinstance(r, Appended)]
    assert len(answered) == 18
    logged = await gapless(store, session.id)
    # A cancelled append is either saved whole or not at all.
    assert len(logged) in (19, 20, 21)
    texts = {e.body["text"] for e in await store.events_after(session.id, 1)}
    assert {r.event.body["text"] for r in answered} <= texts


async def test_a_caller_cancelled_during_its_commit_keeps_its_event(
    store: SqlStore, blocker: Any, batches: group_commit.Batches
) -> None:
    session = await open_session(store)
    await blocker.hold([session.id])

    calls = [
        asyncio.create_task(store.append(session.id, chat(f"m{i}", client_id=f"c-{i}"), NOW))
        for i in range(5)
    ]
    # The writer takes all five and waits for the database.
    await batches.taken.wait()
    calls[2].cancel()
    await asyncio.wait([calls[2]])
    await blocker.release()
    done = await asyncio.gather(*calls, return_exceptions=True)

    assert isinstance(done[2], asyncio.CancelledError)
    assert [r.event.seq for r in done if isinstance(r, Appended)] == [2, 3, 5, 6]
    logged = await store.events_after(session.id, 1)
    assert [e.body["text"] for e in logged] == ["m0", "m1", "m2", "m3", "m4"]
    # Its resend finds the committed original.
    resent = await store.append(session.id, chat("m2", client_id="c-2"), LATER)
    assert (resent.created, resent.event.seq) == (False, 4)


# The database drops the writer's connection ----------------------------------------------


async def test_appends_go_on_after_postgresql_dropped_the_writers_idle_connection(
    postgres_url: str,
) -> None:
    """The writer keeps its connection between batches; one that the server closed
    meanwhile (a restart, an idle timeout) is replaced without failing an append."""
    await upgrade(postgres_url)
    store = SqlStore(create_engine(postgres_url))
    admin = create_engine(postgres_url)
    try:
        session = await open_session(store)
        await store.append(session.id, chat("before"), NOW)
        async with admin.connect() as conn:
            others = (
                await conn.scalars(
                    text(
                        "SELECT pid FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            ).all()
            for pid in others:
                # Waits until that server process has exited.
                await conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        dropped = len(others)
        assert dropped >= 1

        after = await store.append(session.id, chat("after"), NOW)

        assert after.event.seq == 3
        assert await gapless(store, session.id) == [1, 2, 3]
    finally:
        await store.close()
        await admin.dispose()
