"""On PostgreSQL the append writer saves a batch in ONE statement when it knows each
session's row as it last left it (``helpline.store.batch_postgres_known``), and falls
back to the careful transaction, which looks resends up, whenever the row says
otherwise: another process wrote the session, it ended, or the batch holds a resend.

Each test says which way every batch went (the store's append observer is told) and
checks what a caller is promised either way: gapless seqs, an unbroken hash chain, the
original event for a resend, no message after the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import asyncpg
import pytest
from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg

from helpline.domain.errors import SessionEnded
from helpline.domain.events import Event
from helpline.store.batch_plan import Append, Batch
from helpline.store.batch_postgres_known import saved_sessions
from helpline.store.batch_postgres_sql import PostgresStatements
from helpline.store.database import create_engine
from helpline.store.migrate import upgrade
from helpline.store.protocol import Appended
from helpline.store.sql import SqlStore
from helpline.store.tools_protocol import HistoryQuery
from tests.integration.test_store import LATER, NOW, chat, open_session
from tests.integration.test_store_group_commit import gapless
from tests.integration.test_store_open_guard import end_session, picked_up


class Ways:
    """How each committed batch was saved: (appends saved, in one statement?)."""

    def __init__(self) -> None:
        self.batches: list[tuple[int, bool]] = []

    def committing(self, size: int) -> None:
        """Told again once committed."""

    def committed(
        self, size: int, seconds: float, stored: Sequence[Event], one_statement: bool
    ) -> None:
        self.batches.append((size, one_statement))


@pytest.fixture
async def store(postgres_url: str) -> AsyncIterator[SqlStore]:
    await upgrade(postgres_url)
    opened = SqlStore(create_engine(postgres_url))
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def ways(store: SqlStore) -> Ways:
    watched = Ways()
    store.watch_appends(watched)
    return watched


def driver_url(postgres_url: str) -> str:
    return postgres_url.replace("postgresql+asyncpg://", "postgresql://")


async def test_a_writer_that_knows_its_sessions_saves_each_batch_in_one_statement(
    store: SqlStore, ways: Ways
) -> None:
    sessions = [await open_session(store, f"KNOW-{n:04d}") for n in range(3)]
    # The first batch over these sessions learns their rows, the careful way.
    await asyncio.gather(*(store.append(s.id, chat("hi", client_id="c-0"), NOW) for s in sessions))
    for i in range(1, 6):
        await asyncio.gather(
            *(store.append(s.id, chat(f"m{i}", client_id=f"c-{i}"), NOW) for s in sessions)
        )
        # A line without a client id, and one with text for the search index.
        await store.append(sessions[0].id, chat(f"plain{i}x"), NOW)

    assert ways.batches[0] == (3, False)
    assert all(one for _, one in ways.batches[1:])
    assert sum(size for size, _ in ways.batches) == 3 + 5 * 4
    assert await gapless(store, sessions[0].id) == list(range(1, 13))
    for session in sessions[1:]:
        assert await gapless(store, session.id) == list(range(1, 8))
    for i in range(1, 6):
        found, total = await store.search_sessions(HistoryQuery(text=f"plain{i}x"))
        assert (total, [hit.id for hit in found]) == (1, [sessions[0].id])


async def test_a_session_another_process_wrote_is_saved_carefully_then_trusted_again(
    store: SqlStore, ways: Ways, postgres_url: str
) -> None:
    session = await open_session(store)
    await store.append(session.id, chat("one", client_id="c-1"), NOW)
    await store.append(session.id, chat("two", client_id="c-2"), NOW)
    other = SqlStore(create_engine(postgres_url))
    try:
        await other.append(session.id, chat("from elsewhere", client_id="c-x"), NOW)
    finally:
        await other.close()
    ways.batches.clear()

    third = await store.append(session.id, chat("three", client_id="c-3"), NOW)
    fourth = await store.append(session.id, chat("four", client_id="c-4"), NOW)
    fifth = await store.append(session.id, chat("five", client_id="c-5"), NOW)

    assert [third.event.seq, fourth.event.seq, fifth.event.seq] == [5, 6, 7]
    assert ways.batches == [
        # The statement found the row moved and saved nothing; a careful batch did.
        (0, True),
        (1, False),
        # Careful once more, until a batch finds the row as this writer left it.
        (1, False),
        (1, True),
    ]
    assert await gapless(store, session.id) == list(range(1, 8))


async def test_a_resend_in_a_batch_is_answered_with_its_original_and_its_mates_are_saved(
    store: SqlStore, ways: Ways
) -> None:
    resent_in, other = await open_session(store), await open_session(store, "ABCD-0002")
    first = await store.append(resent_in.id, chat("first", client_id="c-1"), NOW)
    await asyncio.gather(
        store.append(resent_in.id, chat("second", client_id="c-2"), NOW),
        store.append(other.id, chat("hello", client_id="c-1"), NOW),
    )
    await store.append(other.id, chat("known", client_id="c-2"), NOW)
    ways.batches.clear()

    again, new_in_other, new_in_resent = await asyncio.gather(
        store.append(resent_in.id, chat("first", client_id="c-1"), LATER),
        store.append(other.id, chat("more", client_id="c-3"), NOW),
        store.append(resent_in.id, chat("third", client_id="c-3"), NOW),
    )

    assert again == Appended(first.event, created=False)
    assert (new_in_other.created, new_in_other.event.seq) == (True, 4)
    assert (new_in_resent.created, new_in_resent.event.seq) == (True, 4)
    # The other session's line went in one statement; the session with the resend
    # did not move, and its two appends went in a careful batch of their own.
    assert ways.batches == [(1, True), (2, False)]
    assert await gapless(store, resent_in.id) == [1, 2, 3, 4]
    assert await gapless(store, other.id) == [1, 2, 3, 4]


async def test_a_session_ended_after_the_writer_learned_it_refuses_a_guarded_line(
    store: SqlStore, ways: Ways
) -> None:
    session = await picked_up(store)
    await store.append(session.id, chat("one", client_id="c-1"), NOW, require_open=True)
    await store.append(session.id, chat("two", client_id="c-2"), NOW, require_open=True)
    end_seq = await end_session(store, session)
    ways.batches.clear()

    with pytest.raises(SessionEnded):
        await store.append(session.id, chat("too late", client_id="c-3"), LATER, require_open=True)

    assert ways.batches == [(0, True), (1, False)]
    assert (await store.last_seq(session.id)) == end_seq
    assert await gapless(store, session.id) == list(range(1, end_seq + 1))


async def test_a_writer_cut_off_mid_statement_reads_the_log_and_saves_the_line_carefully(
    store: SqlStore, ways: Ways, postgres_url: str
) -> None:
    session = await open_session(store)
    await store.append(session.id, chat("one", client_id="c-1"), NOW)
    admin = await asyncpg.connect(driver_url(postgres_url))
    holder = await asyncpg.connect(driver_url(postgres_url))
    try:
        # Another process holds the session's row, so the writer's statement waits.
        held = holder.transaction()
        await held.start()
        await holder.execute("SELECT id FROM sessions WHERE id = $1 FOR UPDATE", session.id)
        ways.batches.clear()
        appended = asyncio.create_task(store.append(session.id, chat("two", client_id="c-2"), NOW))
        deadline = asyncio.get_running_loop().time() + 30
        waiting = None
        while waiting is None:
            assert asyncio.get_running_loop().time() < deadline, "the statement never waited"
            waiting = await admin.fetchval(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE '%moved AS (UPDATE sessions%'"
            )
        await admin.execute("SELECT pg_terminate_backend($1)", waiting)
        await held.rollback()
        second = await appended
    finally:
        await holder.close()
        await admin.close()

    assert (second.created, second.event.seq) == (True, 3)
    # The log said the statement saved nothing: the line went in a careful batch.
    assert ways.batches == [(0, True), (1, False)]
    assert await gapless(store, session.id) == [1, 2, 3]


async def test_what_a_lost_statement_saved_is_read_back_from_the_log(
    store: SqlStore, postgres_url: str
) -> None:
    saved, unsaved = await open_session(store), await open_session(store, "ABCD-0002")
    stored = await store.append(saved.id, chat("in the log", client_id="c-1"), NOW)
    # One append as it was stored, one numbered in a session whose log has no such line.
    mine = Append(saved.id, chat("in the log", client_id="c-1"), NOW)
    mine.event = stored.event
    elsewhere = Append(unsaved.id, chat("never sent", client_id="c-9"), NOW)
    elsewhere.event = Event.from_draft(elsewhere.draft, unsaved.id, 2, NOW, "0" * 64)
    raw = await asyncpg.connect(driver_url(postgres_url))
    try:
        statements = PostgresStatements(postgresql_asyncpg.dialect())
        found = await saved_sessions(raw, Batch([mine, elsewhere]), statements)
    finally:
        await raw.close()

    assert found == {saved.id}
