"""On PostgreSQL the append batch probes the indexes of the log and of the sessions
however small both were when the writer's connection planned its statements
(``helpline.store.batch_postgres``: one generic plan per statement, made once).

A plan kept from a new, nearly empty database read the whole log for every batch, so
PostgreSQL's work per message grew with the log. PostgreSQL's own counters say how
much of a table was read, by sequential scans and through its indexes; a backend
reports them at most once a second, so the test keeps appending until the writer's
counts of a batch after the growth arrive. Both of the writer's ways are taken after
the growth: a new line (one statement) and a resend (the careful batch's lookup).
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


async def _counts(connection: asyncpg.Connection, table: str) -> tuple[int, int]:
    """(rows inserted, rows read whole or through an index) of ``table``, as reported
    so far."""
    row = await connection.fetchrow(
        "SELECT t.n_tup_ins, t.seq_tup_read + coalesce(sum(i.idx_tup_read), 0) AS read "
        "FROM pg_stat_user_tables AS t LEFT JOIN pg_stat_user_indexes AS i "
        "ON i.relid = t.relid WHERE t.relname = $1 GROUP BY t.n_tup_ins, t.seq_tup_read",
        table,
    )
    assert row is not None
    return int(row["n_tup_ins"]), int(row["read"])


async def test_a_grown_log_and_session_table_are_probed_not_read_whole(postgres_url: str) -> None:
    await upgrade(postgres_url)
    store = SqlStore(create_engine(postgres_url))
    admin = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        session = await open_session(store)
        other = await open_session(store, "ABCD-0002")
        numbers = itertools.count()
        # PostgreSQL's statistics say the tables are small, as autovacuum leaves them
        # in a new database; the writer's first batches make its plans now.
        await admin.execute("ANALYZE events, sessions")
        for _ in range(8):
            await store.append(session.id, chat("hello", client_id=f"c-{next(numbers)}"), NOW)
        # The log and the sessions grow by other means (other processes write them
        # too). Counted while small: counting them later would read them whole.
        logged = GROWN + await admin.fetchval("SELECT count(*) FROM events")
        await admin.execute(
            "INSERT INTO events (session_id, seq, created_at, kind, audience_kind, "
            "author_kind, author_name, author_key, body, internal, reveals_masked, client_id) "
            "SELECT $1, 1000 + g, now(), 'message', 'everyone', 'customer', 'Casey', 'customer', "
            "'{}', '{}', false, 'bulk-' || g FROM generate_series(1, $2) AS g",
            other.id,
            GROWN,
        )
        await admin.execute(
            "INSERT INTO sessions (public_id, status, started_at, customer_name, query, "
            "client_os, client_browser, extra) SELECT 'BULK-' || g, 'waiting', now(), "
            "'Casey', '', '', '', '{}' FROM generate_series(1, $1) AS g",
            GROWN,
        )
        # The growth's own reads (each bulk event's session looked up) are counted
        # before, not charged to the writer: this backend reports them now.
        await admin.execute("SELECT pg_stat_force_next_flush()")
        await admin.execute("SELECT 1")
        _, events_before = await _counts(admin, "events")
        _, sessions_before = await _counts(admin, "sessions")
        # Appends go on until one made after the growth is reported: a backend reports
        # its inserts and its reads together, so that batch's reads are in by then.
        deadline = asyncio.get_running_loop().time() + 30
        while (await _counts(admin, "events"))[0] <= logged:
            assert asyncio.get_running_loop().time() < deadline, "the appends were never reported"
            await store.append(session.id, chat("again", client_id=f"c-{next(numbers)}"), NOW)
            resent = await store.append(session.id, chat("hello", client_id="c-0"), NOW)
            assert not resent.created
        _, events_after = await _counts(admin, "events")
        _, sessions_after = await _counts(admin, "sessions")
        assert events_after - events_before < GROWN, "a batch read the whole log"
        assert sessions_after - sessions_before < GROWN, "a batch read every session"
    finally:
        await admin.close()
        await store.close()
