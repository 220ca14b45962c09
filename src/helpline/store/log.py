"""The session log: appending events and reading them back.

Why this exists: one of the concerns ``SqlStore`` is composed of (see ``sql.py``).
The log's ``seq`` comes from ``sessions.last_seq``, incremented by the same
transaction that inserts the event: on PostgreSQL the UPDATE's row lock serializes
appends to one session, on SQLite there is one writer at a time anyway, and a
rolled-back append rolls its increment back, so the numbers stay gapless. Each event's
chain hash (``helpline.domain.chain``) is computed from ``sessions.chain_head``, read
by that same UPDATE under that same lock, and the new head is written back in the same
transaction, so the chain is as gapless as the seqs. The history search index is
written by the same transaction as the text it indexes.

Appends are group-committed: ``append`` hands its draft to the store's
``AppendWriter`` (``helpline.store.writer``), which saves the appends waiting together
in one transaction (one fsync) and holds each of them to the rules above. Events that
other changes bring (notes of a session's change, an invitation, a file...) are
appended by ``insert_events`` in the transaction of that change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from helpline.domain.chain import content_hash, genesis
from helpline.domain.errors import NotFound
from helpline.domain.events import Event, EventDraft
from helpline.store.base import StoreBase
from helpline.store.chain_protocol import ChainState
from helpline.store.protocol import Appended
from helpline.store.reader import Query
from helpline.store.rows import event_from_row, event_values, searchable_text
from helpline.store.search_table import session_search
from helpline.store.tables import events, sessions


class LogMixin(StoreBase):
    """Appending to sessions' logs and reading them."""

    async def append(
        self, session_id: int, draft: EventDraft, now: datetime, *, require_open: bool = False
    ) -> Appended:
        # Group commit: the store's writer task saves this with whatever else is
        # waiting, in one transaction (see ``helpline.store.writer``), which also
        # decides ``require_open``.
        return await self._appends.append(session_id, draft, now, require_open=require_open)

    async def events_after(self, session_id: int, after_seq: int, limit: int = 500) -> list[Event]:
        rows = await self._reads.all(
            EVENTS_AFTER, session_id=session_id, after_seq=after_seq, limit=limit
        )
        return [event_from_row(row) for row in rows]

    async def last_seq(self, session_id: int) -> int:
        last = await self._reads.scalar(_LAST_SEQ, session_id=session_id)
        if last is None:
            raise NotFound("There is no such session.")
        return int(last)

    async def chain_of(self, session_id: int) -> ChainState:
        row = await self._reads.first(_CHAIN_OF, session_id=session_id)
        if row is None:
            raise NotFound("There is no such session.")
        return _chain_state(row)

    async def chains(self) -> list[ChainState]:
        return [_chain_state(row) for row in await self._reads.all(_CHAINS)]


def _chain_state(row: Any) -> ChainState:
    return ChainState(row.id, row.public_id, row.chain_salt or "", row.last_seq, row.chain_head)


async def insert_events(
    conn: AsyncConnection,
    session_id: int,
    drafts: Sequence[EventDraft],
    now: datetime,
) -> list[Event]:
    """Append the drafts to the session's log in ``conn``'s transaction, with the next
    ``seq`` numbers, and index their text; ``NotFound`` for an unknown session."""
    if not drafts:
        return []
    # The row lock taken here is what orders concurrent appends on PostgreSQL, and
    # the chain's head it returns is the newest committed one.
    bumped = (
        await conn.execute(
            update(sessions)
            .where(sessions.c.id == session_id)
            .values(last_seq=sessions.c.last_seq + len(drafts))
            .returning(
                sessions.c.last_seq,
                sessions.c.public_id,
                sessions.c.chain_head,
                sessions.c.chain_salt,
            )
        )
    ).first()
    if bumped is None:
        raise NotFound("There is no such session.")
    last, public_id, head, salt = bumped
    first = int(last) - len(drafts) + 1
    prev = head or genesis(public_id)
    appended = []
    for seq, draft in enumerate(drafts, start=first):
        prev = content_hash(draft, seq, now, prev, salt or "")
        appended.append(Event.from_draft(draft, session_id, seq, now, prev))
    await conn.execute(insert(events), [event_values(event) for event in appended])
    await conn.execute(update(sessions).where(sessions.c.id == session_id).values(chain_head=prev))
    searchable = [
        {"session_id": session_id, "content": body_text}
        for event in appended
        if (body_text := searchable_text(event))
    ]
    if searchable:
        await conn.execute(insert(session_search), searchable)
    return appended


EVENTS_AFTER = Query(
    select(events)
    .where(events.c.session_id == bindparam("session_id"), events.c.seq > bindparam("after_seq"))
    .order_by(events.c.seq)
    .limit(bindparam("limit", type_=Integer))
)
_CHAIN_COLUMNS = (
    sessions.c.id,
    sessions.c.public_id,
    sessions.c.chain_salt,
    sessions.c.last_seq,
    sessions.c.chain_head,
)
_CHAIN_OF = Query(select(*_CHAIN_COLUMNS).where(sessions.c.id == bindparam("session_id")))
_CHAINS = Query(select(*_CHAIN_COLUMNS).order_by(sessions.c.id))
_LAST_SEQ = Query(select(sessions.c.last_seq).where(sessions.c.id == bindparam("session_id")))
