"""Consent requests: a representative asks, the customer allows or declines.

Why this exists: one of the concerns ``SqlStore`` is composed of (see ``sql.py``). A
request is answered once, by a guarded ``UPDATE ... WHERE state = 'pending'`` in the
transaction that appends its notes, so of two racing answers one is saved with its
notes and the other saves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from helpline.domain.consent import ConsentRequest, ConsentState
from helpline.domain.errors import Conflict, NotFound
from helpline.domain.events import Event, EventDraft
from helpline.store.base import StoreBase
from helpline.store.log import insert_events
from helpline.store.reader import Query
from helpline.store.rows import consent_from_row
from helpline.store.tables import consent_requests


async def record_answer(conn: AsyncConnection, answered: ConsentRequest, now: datetime) -> int:
    """Save the answer if the request is still pending; its session's id. ``NotFound``
    for an unknown request, ``Conflict`` for one answered already."""
    session_id = await conn.scalar(
        update(consent_requests)
        .where(
            consent_requests.c.id == answered.id,
            consent_requests.c.state == ConsentState.PENDING.value,
        )
        .values(state=answered.state.value, answered_at=now)
        .returning(consent_requests.c.session_id)
    )
    if session_id is None:
        stored = await conn.scalar(
            select(consent_requests.c.id).where(consent_requests.c.id == answered.id)
        )
        if stored is None:
            raise NotFound("There is no such consent request.")
        raise Conflict("This request was already answered.")
    return int(session_id)


class ConsentsMixin(StoreBase):
    """Creating, reading and answering consent requests."""

    async def create_consent(
        self, session_id: int, request: ConsentRequest, note: EventDraft, now: datetime
    ) -> Event:
        """Raises ``NotFound`` for an unknown session and ``Conflict`` for an id in use."""
        if request.state is not ConsentState.PENDING:
            raise ValueError("a new consent request is pending")
        taken = Conflict("This consent request exists already.")
        try:
            async with self._writing() as conn:
                existing = await conn.scalar(
                    select(consent_requests.c.id).where(consent_requests.c.id == request.id)
                )
                if existing is not None:
                    raise taken
                # The note first: it raises NotFound for an unknown session before the
                # request's foreign key would fail less readably.
                (event,) = await insert_events(conn, session_id, (note,), now)
                await conn.execute(
                    insert(consent_requests).values(
                        id=request.id,
                        session_id=session_id,
                        kind=request.kind.value,
                        requested_by=request.requested_by,
                        requested_by_name=request.requested_by_name,
                        state=request.state.value,
                        created_at=now,
                        answered_at=None,
                    )
                )
        except IntegrityError as exc:
            # Two creators raced past the check on PostgreSQL; the primary key decided.
            if await self.get_consent(request.id) is not None:
                raise taken from exc
            raise
        return event

    async def get_consent(self, request_id: str) -> tuple[int, ConsentRequest] | None:
        row = await self._reads.first(_CONSENT, request_id=request_id)
        return None if row is None else (row.session_id, consent_from_row(row))

    async def answer_consent(
        self, answered: ConsentRequest, notes: Sequence[EventDraft], now: datetime
    ) -> list[Event]:
        """Saves only the state and the time of the answer; raises ``NotFound`` for an
        unknown request. The notes go to the request's session."""
        if answered.state is ConsentState.PENDING:
            raise ValueError("an answer allows or declines the request")
        async with self._writing() as conn:
            session_id = await record_answer(conn, answered, now)
            return await insert_events(conn, session_id, notes, now)


_CONSENT = Query(select(consent_requests).where(consent_requests.c.id == bindparam("request_id")))
