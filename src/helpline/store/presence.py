"""Presence marks: which server processes hold the customer's sockets of a session.

Why this exists: "the customer is online" must be true while any process has a
customer socket of the session, and become false when the last one closes or when the
process holding it dies without a word. Each process (a ``node``) keeps one mark per
session it has customer sockets of, renews its marks every heartbeat, and removes a
mark when its last socket of that session closes; any process removes marks that were
not renewed for three heartbeats (``domain/presence.py``). ``sessions.customer_online``
says whether a session has a mark, changed only here, in the transaction that changes
the marks, so every read of a session tells it without a join.

Correct across processes on PostgreSQL because every transaction here locks the rows
of the sessions it settles (``FOR UPDATE``, in id order, so two never deadlock) before
it touches their marks, and decides "no mark is left" in a statement that runs after
that lock is held: of a process adding a mark and one removing another, the second to
lock sees what the first committed. On SQLite there is one writer at a time anyway.

The functions run inside a transaction that ``PresenceMixin``, the part of ``SqlStore``
at the end of this module, opens and owns.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from helpline.store.base import StoreBase
from helpline.store.protocol import PresenceChanges
from helpline.store.tables import customer_presence, sessions

# Ids per statement: well under SQLite's limit on bound parameters.
_BATCH = 500


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _BATCH):
        yield ordered[start : start + _BATCH]


async def _lock_sessions(conn: AsyncConnection, ids: Sequence[int]) -> list[int]:
    """Lock the sessions' rows (PostgreSQL; SQLite has one writer) and return those that
    exist: a session may have been deleted meanwhile."""
    found = await conn.execute(
        select(sessions.c.id)
        .where(sessions.c.id.in_(ids))
        .order_by(sessions.c.id)
        .with_for_update()
    )
    return [int(row.id) for row in found]


async def _add_marks(
    conn: AsyncConnection, insert: Any, node: str, ids: Sequence[int], now: datetime
) -> list[int]:
    """Mark these sessions as held by ``node``; returns those whose customer came online."""
    if not ids:
        return []
    statement = insert(customer_presence)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[customer_presence.c.session_id, customer_presence.c.node],
            set_={"seen_at": statement.excluded.seen_at},
        ),
        [{"session_id": session_id, "node": node, "seen_at": now} for session_id in ids],
    )
    came = await conn.execute(
        update(sessions)
        .where(sessions.c.id.in_(ids), sessions.c.customer_online.is_(False))
        .values(customer_online=True)
        .returning(sessions.c.id)
    )
    return [int(row.id) for row in came]


async def _settle_offline(conn: AsyncConnection, ids: Sequence[int]) -> list[int]:
    """Sessions among ``ids`` (locked) that have no mark left go offline; returns them."""
    if not ids:
        return []
    left = exists().where(customer_presence.c.session_id == sessions.c.id)
    went = await conn.execute(
        update(sessions)
        .where(sessions.c.id.in_(ids), sessions.c.customer_online.is_(True), ~left)
        .values(customer_online=False)
        .returning(sessions.c.id)
    )
    return [int(row.id) for row in went]


async def set_marks(
    conn: AsyncConnection,
    insert: Any,
    node: str,
    present: Collection[int],
    absent: Collection[int],
    now: datetime,
) -> PresenceChanges:
    """``node`` now holds customer sockets of the ``present`` sessions and none of the
    ``absent`` ones."""
    online: list[int] = []
    offline: list[int] = []
    # A set: thousands of sessions change at once in a reconnect storm, and a list
    # here made every batch scan all of them (seconds of the event loop's time).
    held = set(present)
    for batch in _batches([*held, *absent]):
        ids = await _lock_sessions(conn, batch)
        adding = [i for i in ids if i in held]
        removing = [i for i in ids if i not in held]
        online += await _add_marks(conn, insert, node, adding, now)
        if removing:
            await conn.execute(
                delete(customer_presence).where(
                    customer_presence.c.node == node,
                    customer_presence.c.session_id.in_(removing),
                )
            )
            offline += await _settle_offline(conn, removing)
    return PresenceChanges(online, offline)


async def renew_marks(conn: AsyncConnection, node: str, now: datetime) -> set[int]:
    """Every heartbeat: renew all of ``node``'s marks in one statement; returns the
    sessions it has marks of. Run in a transaction of its own, so that it holds no
    lock while the caller puts back missing marks (``set_marks``)."""
    renewed = await conn.execute(
        update(customer_presence)
        .where(customer_presence.c.node == node)
        .values(seen_at=now)
        .returning(customer_presence.c.session_id)
    )
    return {int(row.session_id) for row in renewed}


async def sweep_marks(conn: AsyncConnection, stale_before: datetime) -> list[int]:
    """Remove marks not renewed since ``stale_before``: their process is gone. Returns
    the sessions whose customer went offline."""
    stale = await conn.execute(
        select(customer_presence.c.session_id)
        .where(customer_presence.c.seen_at < stale_before)
        .distinct()
    )
    offline: list[int] = []
    for batch in _batches(int(row.session_id) for row in stale):
        ids = await _lock_sessions(conn, batch)
        await conn.execute(
            delete(customer_presence).where(
                customer_presence.c.session_id.in_(ids),
                customer_presence.c.seen_at < bindparam("stale_before", stale_before),
            )
        )
        offline += await _settle_offline(conn, ids)
    return offline


async def clear_marks(conn: AsyncConnection, node: str) -> list[int]:
    """``node`` stops (a server shutting down): remove all its marks."""
    held = await conn.execute(
        select(customer_presence.c.session_id).where(customer_presence.c.node == node)
    )
    offline: list[int] = []
    for batch in _batches(int(row.session_id) for row in held):
        ids = await _lock_sessions(conn, batch)
        await conn.execute(
            delete(customer_presence).where(
                customer_presence.c.node == node, customer_presence.c.session_id.in_(ids)
            )
        )
        offline += await _settle_offline(conn, ids)
    return offline


class PresenceMixin(StoreBase):
    """The customer's presence marks, one transaction per call."""

    async def set_presence(
        self, node: str, present: Collection[int], absent: Collection[int], now: datetime
    ) -> PresenceChanges:
        async with self._writing() as conn:
            return await set_marks(conn, self._insert, node, present, absent, now)

    async def renew_presence(
        self, node: str, present: Collection[int], now: datetime, stale_before: datetime
    ) -> PresenceChanges:
        # Three transactions, so that none holds a lock while it waits for another.
        async with self._writing() as conn:
            held = await renew_marks(conn, node, now)
        # Sets both: with 10,000 sessions, a list made each renewal 10^8 comparisons.
        holding = set(present)
        missing = [i for i in holding if i not in held]
        extra = [i for i in held if i not in holding]
        changes = PresenceChanges()
        if missing or extra:
            changes = await self.set_presence(node, missing, extra, now)
        async with self._writing() as conn:
            gone = await sweep_marks(conn, stale_before)
        return PresenceChanges(changes.online, [*changes.offline, *gone])

    async def clear_presence(self, node: str) -> list[int]:
        async with self._writing() as conn:
            return await clear_marks(conn, node)
