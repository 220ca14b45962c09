"""One group-commit batch through SQLAlchemy Core: PostgreSQL's way (SQLite's is
``batch_sqlite``).

The ``batch_plan.Batch`` as Core statements on an ``AsyncConnection``: the client-id
lookup, one ``UPDATE sessions ... RETURNING`` for all the batch's sessions and two
multi-row INSERTs, as many round trips as one append took before group commit.
Several server processes write concurrently on PostgreSQL: the UPDATE locks its rows
in id order (a locking sub-SELECT ``ORDER BY id FOR UPDATE``), so two batches cannot
deadlock, and the row locks order the seqs. A resend saved by another process between
this batch's lookup and its INSERT makes the INSERT fail on the unique (session,
author key, client id) once that process commits; the writer then rolls the batch back
and tries it again, and the lookup finds it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from helpline.domain.events import Event
from helpline.store.batch_plan import ENDED, Added, Batch, Bumped, Key, Uncommitted
from helpline.store.rows import event_from_row, event_values, searchable_text
from helpline.store.tables import events, session_search, sessions


async def commit_core(engine: AsyncEngine, batch: Batch, *, postgres: bool) -> None:
    """One batch in one transaction on a connection of ``engine``. Staging that fails
    is rolled back and raised as ``Uncommitted``; connecting, BEGIN or COMMIT failing
    raise as they are."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            await stage_core(conn, batch, postgres=postgres)
        except Exception as exc:
            await transaction.rollback()
            raise Uncommitted from exc
        await transaction.commit()


async def stage_core(conn: AsyncConnection, batch: Batch, *, postgres: bool) -> None:
    existing: dict[Key, Event] = {}
    keys = batch.lookup_keys()
    if keys:
        if len(keys) == 1:  # the usual batch at rest: the plainest statement
            ((session_id, author_key, client_id),) = keys
            found: tuple[ColumnElement[bool], ...] = (
                events.c.session_id == session_id,
                events.c.author_key == author_key,
                events.c.client_id == client_id,
            )
        else:
            key_columns = (events.c.session_id, events.c.author_key, events.c.client_id)
            found = (tuple_(*key_columns).in_(keys),)
        for row in await conn.execute(select(events).where(*found)):
            existing[(row.session_id, row.author_key, row.client_id)] = event_from_row(row)
    counts = batch.count_new(existing)
    returned = (sessions.c.id, sessions.c.last_seq, sessions.c.status, sessions.c.public_id)
    rows: Any = ()
    if len(counts) == 1:
        ((session_id, added),) = counts.items()
        rows = await conn.execute(
            update(sessions)
            .where(sessions.c.id == session_id)
            .values(last_seq=sessions.c.last_seq + _increment(added))
            .returning(*returned)
        )
    elif counts:
        session_ids: Any = list(counts)
        if postgres:
            # Lock the rows in id order, so two processes' batches cannot deadlock.
            session_ids = (
                select(sessions.c.id)
                .where(sessions.c.id.in_(session_ids))
                .order_by(sessions.c.id)
                .with_for_update()
            )
        increments = {session_id: _increment(added) for session_id, added in counts.items()}
        rows = await conn.execute(
            update(sessions)
            .where(sessions.c.id.in_(session_ids))
            .values(last_seq=sessions.c.last_seq + case(increments, value=sessions.c.id))
            .returning(*returned)
        )
    bumped = {int(row.id): Bumped(int(row.last_seq), row.status, row.public_id) for row in rows}
    created = batch.assign(bumped)
    if not created:
        return
    await conn.execute(insert(events), [event_values(event) for event in created])
    searchable = [
        {"session_id": event.session_id, "content": body_text}
        for event in created
        if (body_text := searchable_text(event))
    ]
    if searchable:
        await conn.execute(insert(session_search), searchable)


def _increment(added: Added) -> Any:
    """What a batch adds to one session's ``last_seq``: with guarded appends, decided by
    the status the UPDATE finds (the latest committed one, under the row's lock)."""
    if_open, if_ended = added
    if if_open == if_ended:
        return if_open
    return case((sessions.c.status == ENDED, if_ended), else_=if_open)
