"""Support sessions, their attendees and the customer's tokens.

Why this exists: one of the concerns ``SqlStore`` is composed of (see ``sql.py``). A
``Change`` (the session's new state, its attendees, its notes) is saved by
``save_change`` in one transaction, optionally guarded by the status the caller saw,
so a change decided on a stale session is refused with ``Conflict`` rather than
saved. Other parts (invitations, the agent's attach) save their changes through the
same function, in transactions of their own.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from helpline.domain.errors import Conflict, NotFound
from helpline.domain.events import Event
from helpline.domain.sessions import Attendee, Change, SessionStatus, SupportSession
from helpline.store.base import StoreBase
from helpline.store.log import EVENTS_AFTER, insert_events
from helpline.store.protocol import NewSession, SessionState
from helpline.store.reader import Query
from helpline.store.rows import (
    attendee_from_row,
    client_values,
    event_from_row,
    session_from_row,
)
from helpline.store.search_table import session_search
from helpline.store.tables import attendees, customer_tokens, portals, sessions


class SessionsMixin(StoreBase):
    """Creating, reading and changing sessions."""

    async def create_session(
        self, new: NewSession, now: datetime, opening: Callable[[SupportSession], Change]
    ) -> tuple[SupportSession, list[Event]]:
        taken = Conflict(f"The session id {new.public_id} is taken.")
        try:
            async with self._writing() as conn:
                existing = await conn.scalar(
                    select(sessions.c.id).where(sessions.c.public_id == new.public_id)
                )
                if existing is not None:
                    raise taken
                if new.portal_id is not None:
                    portal = await conn.scalar(
                        select(portals.c.id).where(portals.c.id == new.portal_id)
                    )
                    if portal is None:
                        raise NotFound("There is no such portal.")
                session_id = await conn.scalar(
                    insert(sessions)
                    .values(
                        public_id=new.public_id,
                        portal_id=new.portal_id,
                        status=SessionStatus.WAITING.value,
                        started_at=now,
                        customer_name=new.customer_name,
                        query=new.query,
                        **client_values(new.client),
                        last_seq=0,
                        chain_salt=secrets.token_hex(16),
                        extra=dict(new.extra),
                    )
                    .returning(sessions.c.id)
                )
                assert session_id is not None
                await conn.execute(
                    insert(session_search).values(
                        session_id=session_id,
                        content=f"{new.customer_name}\n{new.query}",
                    )
                )
                await conn.execute(
                    insert(customer_tokens).values(
                        token_hash=new.token_hash,
                        session_id=session_id,
                        expires_at=new.token_expires_at,
                    )
                )
                created = SupportSession(
                    id=session_id,
                    public_id=new.public_id,
                    portal_id=new.portal_id,
                    status=SessionStatus.WAITING,
                    started_at=now,
                    customer_name=new.customer_name,
                    query=new.query,
                    client=new.client,
                    extra=new.extra,
                )
                change = opening(created)
                if change.session.id != session_id:
                    raise ValueError("the opening change must be about the new session")
                notes = await save_change(conn, self._insert, change, now, expected_status=None)
                saved = await session_in(conn, session_id)
        except IntegrityError as exc:
            # Another creator took the public id between the check and the insert.
            if await self.get_session_by_public_id(new.public_id) is not None:
                raise taken from exc
            raise
        assert saved is not None
        return saved, notes

    async def get_session(self, session_id: int) -> SupportSession | None:
        row = await self._reads.first(_SESSION, session_id=session_id)
        return None if row is None else session_from_row(row)

    async def get_session_by_public_id(self, public_id: str) -> SupportSession | None:
        row = await self._reads.first(_SESSION_BY_PUBLIC_ID, public_id=public_id)
        return None if row is None else session_from_row(row)

    async def session_for_token(self, token_hash: bytes, now: datetime) -> int | None:
        session_id = await self._reads.scalar(_SESSION_FOR_TOKEN, token_hash=token_hash, now=now)
        return None if session_id is None else int(session_id)

    async def session_of_token(self, token_hash: bytes, now: datetime) -> SupportSession | None:
        row = await self._reads.first(_SESSION_OF_TOKEN, token_hash=token_hash, now=now)
        return None if row is None else session_from_row(row)

    async def session_state(
        self, session_id: int, after_seq: int, limit: int = 500
    ) -> SessionState | None:
        session_rows, attendee_rows, event_rows = await self._reads.together(
            (_SESSION, {"session_id": session_id}),
            (ATTENDEES, {"session_id": session_id}),
            (EVENTS_AFTER, {"session_id": session_id, "after_seq": after_seq, "limit": limit}),
        )
        if not session_rows:
            return None
        row = session_rows[0]
        return SessionState(
            session_from_row(row),
            int(row.last_seq),
            [attendee_from_row(a) for a in attendee_rows],
            [event_from_row(e) for e in event_rows],
        )

    async def list_attendees(self, session_id: int) -> list[Attendee]:
        rows = await self._reads.all(ATTENDEES, session_id=session_id)
        return [attendee_from_row(row) for row in rows]

    async def attendees_of(self, session_ids: Sequence[int]) -> dict[int, list[Attendee]]:
        of: dict[int, list[Attendee]] = {session_id: [] for session_id in session_ids}
        for chunk in _chunks(of):
            for row in await self._reads.all(_ATTENDEES_OF, session_ids=chunk):
                of[row.session_id].append(attendee_from_row(row))
        return of

    async def sessions_with_attendees(
        self, session_ids: Sequence[int]
    ) -> list[tuple[SupportSession, list[Attendee]]]:
        found: list[tuple[SupportSession, list[Attendee]]] = []
        for chunk in _chunks(session_ids):
            of: dict[int, list[Attendee]] = {session_id: [] for session_id in chunk}
            attendee_rows, session_rows = await self._reads.together(
                (_ATTENDEES_OF, {"session_ids": chunk}), (_SESSIONS, {"session_ids": chunk})
            )
            for row in attendee_rows:
                of[row.session_id].append(attendee_from_row(row))
            found += [(session_from_row(row), of[row.id]) for row in session_rows]
        return found

    async def apply(
        self, change: Change, now: datetime, expected_status: SessionStatus | None = None
    ) -> list[Event]:
        async with self._writing() as conn:
            return await save_change(conn, self._insert, change, now, expected_status)

    async def waiting_sessions(self, portal_ids: Sequence[int]) -> list[SupportSession]:
        if not portal_ids:
            return []
        rows = await self._reads.all(_WAITING, portal_ids=list(portal_ids))
        return [session_from_row(row) for row in rows]

    async def count_sessions_by_status(self) -> dict[str, int]:
        """How many sessions there are of each status (for the metrics)."""
        return {str(row.status): int(row.count) for row in await self._reads.all(_BY_STATUS)}

    async def open_sessions_of(self, rep_id: int) -> list[SupportSession]:
        return [
            session_from_row(row) for row in await self._reads.all(_OPEN_SESSIONS_OF, rep_id=rep_id)
        ]


async def session_in(conn: AsyncConnection, session_id: int) -> SupportSession | None:
    row = (await conn.execute(select(sessions).where(sessions.c.id == session_id))).first()
    return None if row is None else session_from_row(row)


async def save_change(
    conn: AsyncConnection,
    dialect_insert: Any,
    change: Change,
    now: datetime,
    expected_status: SessionStatus | None,
) -> list[Event]:
    """Save the change to the session and its attendees, and append its notes, in
    ``conn``'s transaction; ``dialect_insert`` is the store's ``_insert`` (``ON CONFLICT``).
    With ``expected_status``, raises ``Conflict`` if the session is no longer in it."""
    session = change.session
    conditions = [sessions.c.id == session.id]
    if expected_status is not None:
        conditions.append(sessions.c.status == expected_status.value)
    matched = await conn.scalar(
        update(sessions)
        .where(*conditions)
        .values(
            status=session.status.value,
            primary_rep_id=session.primary_rep_id,
            ended_at=session.ended_at,
            ended_by=session.ended_by,
            outcome=None if session.outcome is None else session.outcome.value,
            end_notes=session.end_notes,
        )
        .returning(sessions.c.id)
    )
    if matched is None:
        stored = await session_in(conn, session.id)
        if stored is None:
            raise NotFound("There is no such session.")
        assert expected_status is not None
        raise Conflict(
            f"Session {stored.public_id} changed meanwhile: it is {stored.status.value}, "
            f"no longer {expected_status.value}."
        )
    for attendee in change.attendees:
        values = {
            "display_name": attendee.display_name,
            "role": attendee.role.value,
            "masked": attendee.masked,
            "present": attendee.present,
            "joined_at": attendee.joined_at,
        }
        statement = dialect_insert(attendees).values(
            session_id=session.id, rep_id=attendee.rep_id, **values
        )
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=[attendees.c.session_id, attendees.c.rep_id], set_=values
            )
        )
    return await insert_events(conn, session.id, change.notes, now)


_SESSION = Query(select(sessions).where(sessions.c.id == bindparam("session_id")))
# Ids per read of several sessions: well under SQLite's limit on bound parameters.
_IDS_PER_READ = 500


def _chunks(session_ids: Iterable[int]) -> Iterator[list[int]]:
    """The ids, each once and in order, at most ``_IDS_PER_READ`` to a read."""
    wanted = sorted(set(session_ids))
    for start in range(0, len(wanted), _IDS_PER_READ):
        yield wanted[start : start + _IDS_PER_READ]


_SESSIONS = Query(
    select(sessions)
    .where(sessions.c.id.in_(bindparam("session_ids", expanding=True)))
    .order_by(sessions.c.id)
)
_SESSION_BY_PUBLIC_ID = Query(
    select(sessions).where(sessions.c.public_id == bindparam("public_id"))
)
_SESSION_FOR_TOKEN = Query(
    select(customer_tokens.c.session_id).where(
        customer_tokens.c.token_hash == bindparam("token_hash"),
        customer_tokens.c.expires_at > bindparam("now"),
    )
)
_SESSION_OF_TOKEN = Query(
    select(sessions)
    .join(customer_tokens, customer_tokens.c.session_id == sessions.c.id)
    .where(
        customer_tokens.c.token_hash == bindparam("token_hash"),
        customer_tokens.c.expires_at > bindparam("now"),
    )
)
ATTENDEES = Query(
    select(attendees)
    .where(attendees.c.session_id == bindparam("session_id"))
    .order_by(attendees.c.joined_at, attendees.c.rep_id)
)
_ATTENDEES_OF = Query(
    select(attendees)
    .where(attendees.c.session_id.in_(bindparam("session_ids", expanding=True)))
    .order_by(attendees.c.session_id, attendees.c.joined_at, attendees.c.rep_id)
)
_WAITING = Query(
    select(sessions)
    .where(
        sessions.c.status == SessionStatus.WAITING.value,
        sessions.c.portal_id.in_(bindparam("portal_ids", expanding=True)),
    )
    .order_by(sessions.c.started_at, sessions.c.id)
)
_OPEN_SESSIONS_OF = Query(
    select(sessions)
    .join(attendees, attendees.c.session_id == sessions.c.id)
    .where(
        attendees.c.rep_id == bindparam("rep_id"),
        attendees.c.present.is_(True),
        sessions.c.status != SessionStatus.ENDED.value,
    )
    .order_by(sessions.c.started_at, sessions.c.id)
)
_BY_STATUS = Query(
    select(sessions.c.status, func.count().label("count")).group_by(sessions.c.status)
)
