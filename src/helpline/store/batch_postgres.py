"""One group-commit batch on PostgreSQL, on the append writer's own asyncpg connection.

Through SQLAlchemy's async engine a batch cost about 2-3 ms of CPU however few appends
it held: a pool checkout with its pre-ping (BEGIN, ping, ROLLBACK), BEGIN, four
statements each through the greenlet adapter and built again per batch, COMMIT; and
the lookup and the UPDATE were spelled out for each batch's number of keys and
sessions (``IN (($1, $2, $3), ...)``, ``CASE sessions.id WHEN ...``), so SQLAlchemy
compiled, and asyncpg prepared, a new statement for most batch sizes. Here the writer
keeps one connection, checked out of the store's pool once, and runs on its asyncpg
connection (``AsyncConnection.get_raw_connection().driver_connection``) three
statements whose text never changes, passing the batch as arrays (``unnest``), so
asyncpg prepares each once per connection: BEGIN, the lookup, the UPDATE (which also
returns each session's chain head and salt), one INSERT of events, new chain heads and
search rows, COMMIT; five round trips, a few hundred microseconds of CPU. That is the
careful batch; a batch over sessions whose rows this writer knows is ONE statement
(``batch_postgres_known``), and falls back to the careful one for the sessions it
could not save.

What the transaction does is the ``batch_plan.Batch``'s; this module only asks the
database. Several server processes write concurrently on PostgreSQL: the UPDATE locks
its rows in id order (a locking sub-SELECT ``ORDER BY id FOR UPDATE``), so two batches
cannot deadlock, and the row locks order the seqs. A resend saved by another process
between this batch's lookup and its INSERT makes the INSERT fail on the unique
(session, author key, client id) once that process commits; the writer then tries the
batch again, and the lookup finds it. Values go in and come out through the columns'
own SQLAlchemy types, so rows are stored exactly as the rest of the store stores them,
and asyncpg's errors are raised as SQLAlchemy's (``IntegrityError``; a lost
connection as ``OperationalError``), as the rest of the server expects them.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from helpline.domain.events import Event
from helpline.store.asyncpg_errors import as_sqlalchemy, connection_lost
from helpline.store.batch_plan import ENDED, Batch, Bumped, Key, Uncommitted
from helpline.store.batch_postgres_known import leave_undecided, save_known, saved_sessions
from helpline.store.batch_postgres_sql import PostgresStatements, search_columns
from helpline.store.known_heads import KnownHeads
from helpline.store.rows import event_from_row

# The batch's statements are planned once per connection (a generic plan), and no plan
# may read a table whole. A plan is made while the tables are as they are then: once,
# left to PostgreSQL, a plan made while ``events`` was nearly empty (a new database) was
# a hash join over a sequential scan of it, kept as the table grew, so each batch read
# the whole log (PostgreSQL's CPU per append rose from 68 us at 10,000 events to 235 us
# at 60,000, and chat at 3,000 msg/s fell over). Planning every statement for every
# batch instead cost a quarter of PostgreSQL's CPU a commit (0.26 ms against 0.09 ms of
# execution). So the statements are written so that only index probes can answer them
# (each key looked up in a LATERAL subquery, each session row by ``id = ANY(...)``, in
# batch_postgres_sql.py) and the connection refuses sequential scans: the one plan made
# on an empty database probes the indexes as the log grows.
# tests/integration/test_store_postgres_plans.py grows the tables behind the writer's
# back and fails if a batch then reads one whole.
SETTINGS = {"plan_cache_mode": "force_generic_plan", "enable_seqscan": "off"}


class PostgresBatches:
    """The append writer's own connection to PostgreSQL, and its batches on it.

    The connection is checked out of ``engine``'s pool when the first batch needs it
    and kept; one that failed is invalidated (the pool makes a new one next time).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._statements = PostgresStatements(engine.dialect)
        # What this writer last committed to each session's row (known_heads.py).
        self._known = KnownHeads()
        self._conn: AsyncConnection | None = None
        self._raw: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def commit_known(self, batch: Batch) -> bool:
        """Save ``batch`` in one statement if this writer knows every one of its
        sessions' rows; False if it did not try. The appends it could not save are
        left without an outcome, for a careful batch. Raises ``Uncommitted`` if the
        statement failed (nothing was saved); if the connection was lost and the log
        cannot be read either, what connecting or reading raised (unknown outcome)."""
        known = self._known.ready({append.session_id for append in batch.appends})
        if known is None:
            return False
        raw = await self._connection()
        try:
            await save_known(raw, batch, known, self._known, self._statements)
        except Exception as exc:
            lost = connection_lost(raw, exc)
            failed = await self._failed(exc)
            if not lost:
                raise Uncommitted from failed
            self._known.forget(known)
            try:
                saved = await saved_sessions(await self._connection(), batch, self._statements)
            except Exception as reading:
                raise await self._failed(reading) from exc
            leave_undecided(batch, saved)
        return True

    async def commit(self, batch: Batch) -> None:
        """One batch in one transaction, the careful way. Staging that fails is rolled
        back and raised as ``Uncommitted``; connecting, BEGIN or COMMIT failing raise
        as they are."""
        raw, transaction = await self._begin()
        try:
            counts, bumped = await _stage(raw, batch, self._statements)
        except Exception as exc:
            try:
                await transaction.rollback()
            except Exception:
                await self.close(invalidate=True)
            raise Uncommitted from await self._failed(exc)
        try:
            await transaction.commit()
        except Exception as exc:
            self._known.forget(counts)
            raise await self._failed(exc) from exc
        for session_id, (if_open, _) in counts.items():
            row = bumped.get(session_id)
            if row is None or row.ended:
                self._known.forget([session_id])
                continue
            self._known.learned(
                session_id,
                row.last_seq - if_open,
                row.last_seq,
                batch.heads.get(session_id, row.head),
                row.status,
                row.public_id,
                row.salt,
            )

    async def _begin(self) -> tuple[Any, Any]:
        """The connection, in a new transaction. A kept connection that the server
        dropped while it sat idle (a restart, an idle timeout; the pool's pre-ping
        would have found it out at checkout) fails BEGIN, before anything was sent
        for the batch: it is let go and BEGIN tried once on a new one."""
        reused = self._raw is not None
        while True:
            raw = await self._connection()
            try:
                transaction = raw.transaction()
                await transaction.start()
                return raw, transaction
            except Exception as exc:
                failed = await self._failed(exc)
                if not (reused and self._raw is None):
                    raise failed from exc
                reused = False

    async def close(self, *, invalidate: bool = False) -> None:
        """Give the connection back to the pool (or, ``invalidate``, discard it)."""
        conn, raw, loop = self._conn, self._raw, self._loop
        self._conn, self._raw, self._loop = None, None, None
        if conn is None or loop is not asyncio.get_running_loop():
            # A connection of another event loop cannot be closed from this one.
            return
        if invalidate:
            # A connection that is gone already cannot fail to be discarded.
            with contextlib.suppress(Exception):
                await conn.invalidate()
        else:
            try:
                # Back in the pool, it plans as every other connection does.
                await raw.execute("; ".join(f"RESET {name}" for name in SETTINGS))
            except Exception:
                await conn.invalidate()
        await conn.close()

    async def _connection(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._loop is not None and self._loop is not loop:
            # The store moved to another event loop (tests do this): a connection of
            # the old loop cannot be used, or closed, from this one.
            self._conn, self._raw, self._loop = None, None, None
        raw = self._raw
        if raw is not None and not raw.is_closed() and not raw.is_in_transaction():
            return raw
        await self.close(invalidate=raw is not None)
        conn = await self._engine.connect()
        try:
            driver: Any = (await conn.get_raw_connection()).driver_connection
            await driver.execute(
                "; ".join(f"SET {name} = {value}" for name, value in SETTINGS.items())
            )
        except BaseException:
            await conn.invalidate()
            await conn.close()
            raise
        self._conn, self._raw, self._loop = conn, driver, loop
        return driver

    async def _failed(self, exc: Exception) -> Exception:
        """``exc`` as SQLAlchemy would raise it; a connection that is not to be used
        again is let go."""
        lost = connection_lost(self._raw, exc)
        if lost:
            await self.close(invalidate=True)
        return as_sqlalchemy(exc, lost=lost)


async def _stage(
    raw: Any, batch: Batch, sql: PostgresStatements
) -> tuple[dict[int, tuple[int, int]], dict[int, Bumped]]:
    """The careful batch's statements, inside its transaction; returns each session's
    counts of new events and what its UPDATE said."""
    existing: dict[Key, Event] = {}
    keys = batch.lookup_keys()
    if keys:
        session_ids, author_keys, client_ids = zip(*keys, strict=True)
        readers = sql.find_readers
        for found in await raw.fetch(sql.find, session_ids, author_keys, client_ids):
            row = sql.find_row._make(
                value if convert is None else convert(value)
                for value, convert in zip(found, readers, strict=True)
            )
            existing[(row.session_id, row.author_key, row.client_id)] = event_from_row(row)
    counts = batch.count_new(existing)
    bumped: dict[int, Bumped] = {}
    if counts:
        if_open = [added[0] for added in counts.values()]
        if_ended = [added[1] for added in counts.values()]
        for row in await raw.fetch(sql.bump, list(counts), if_open, if_ended, ENDED):
            bumped[row[0]] = Bumped(int(row[1]), row[2], row[3], row[4], row[5])
    created = batch.assign(bumped)
    if created:
        search_ids, search_texts = search_columns(created)
        await raw.execute(
            sql.insert,
            *sql.event_columns(created),
            list(batch.heads),
            list(batch.heads.values()),
            search_ids,
            search_texts,
        )
    return counts, bumped
