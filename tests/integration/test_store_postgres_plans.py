"""On PostgreSQL the append batch finds resends through the events' unique index once
the log is large, however small it was when the writer's connection first ran it
(``helpline.store.batch_postgres``, and the one-statement batch's own check for a
resend, ``batch_postgres_known``).

A plan kept from a new, nearly empty database read the whole log for every batch, so
PostgreSQL's work per message grew with the log. PostgreSQL's own counters say which
way a table was read; a backend reports them at most once a second, so the test keeps
appending until the writer's counts of a batch after the growth arrive.
"""

from __future__ import annotations

import asyncio
import itertools

import asyncpg

from helpline.store.database import create_engine
from helpline.store.migrate import upgrade
from helpline.store.sql import SqlStore
from tests.integration.test_store import NOW, chat, open_session

GROWN = 20_000


async def _events_counts(connection: asyncpg.Connection) -> tuple[int, int]:
    """(rows inserted, rows read by sequential scans) of ``events``, as reported so far."""
    row = await connection.fetchrow(
        "SELECT n_tup_ins, seq_tup_read FROM pg_stat_user_tables WHERE relname = 'events'"
    )
    assert row is not None
    return int(row["n_tup_ins"]), int(row["seq_tup_read"])


async def test_a_grown_log_is_searched_by_its_index_not_read_whole(postgres_url: str) -> None:
    await upgrade(postgres_url)
    store = SqlStore(create_engine(postgres_url))
    admin = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        session = await open_session(store)
        other = await open_session(store, "ABCD-0002")
        numbers = itertools.count()
        # The writer's first batches run on an empty log.
        for _ in range(8):
            await store.append(session.id, chat("hello", client_id=f"c-{next(numbers)}"), NOW)
        # The log grows by other means (other processes write it too). Counted while
        # small: counting it later would read it whole.
        logged = GROWN + await admin.fetchval("SELECT count(*) FROM events")
        await admin.execute(
            "INSERT INTO events (session_id, seq, created_at, kind, audience_kind, "
            "author_kind, author_name, author_key, body, internal, reveals_masked, client_id) "
            "SELECT $1, 1000 + g, now(), 'message', 'everyone', 'customer', 'Casey', 'customer', "
            "'{}', '{}', false, 'bulk-' || g FROM generate_series(1, $2) AS g",
            other.id,
            GROWN,
        )
        _, read_before = await _events_counts(admin)
        # Appends go on until one made after the log grew is reported: a backend reports
        # its inserts and its reads together, so that batch's reads are in by then. A
        # new line goes in one statement; a resend makes the careful batch look it up.
        deadline = asyncio.get_running_loop().time() + 30
        while (await _events_counts(admin))[0] <= logged:
            assert asyncio.get_running_loop().time() < deadline, "the appends were never reported"
            await store.append(session.id, chat("again", client_id=f"c-{next(numbers)}"), NOW)
            resent = await store.append(session.id, chat("hello", client_id="c-0"), NOW)
            assert not resent.created
        _, read_after = await _events_counts(admin)
        assert read_after - read_before < GROWN, "a batch read the whole log"
    finally:
        await admin.close()
        await store.close()
