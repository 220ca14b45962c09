"""Invitations and transfers: asking another representative, or a portal, to join.

Why this exists: one of the concerns ``SqlStore`` is composed of (see ``sql.py``).
"The first to accept an invitation wins" is a guarded ``UPDATE ... WHERE state =
'pending'`` in the transaction that saves the session's change and appends the notes,
so of two racing answers one is saved with its notes and the other saves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from helpline.domain.errors import Conflict, Expired, NotFound
from helpline.domain.events import Event, EventDraft
from helpline.domain.invitations import Invitation, InvitationKind, InvitationState
from helpline.domain.sessions import Change, SessionStatus
from helpline.store.base import StoreBase
from helpline.store.log import insert_events
from helpline.store.reader import Query
from helpline.store.rows import invitation_from_row, invitation_values
from helpline.store.sessions import save_change
from helpline.store.tables import attendees, invitations, sessions


class InvitationsMixin(StoreBase):
    """Invitations, their answers, and the counts transfers are decided by."""

    async def create_invitation(
        self, invitation: Invitation, note: EventDraft, now: datetime
    ) -> tuple[Invitation, Event]:
        async with self._writing() as conn:
            # The note first: it raises NotFound for an unknown session before the
            # invitation's foreign key would fail less readably.
            (event,) = await insert_events(conn, invitation.session_id, (note,), now)
            values = invitation_values(invitation)
            invitation_id = await conn.scalar(
                insert(invitations).values(**values).returning(invitations.c.id)
            )
        assert invitation_id is not None
        return replace(invitation, id=invitation_id), event

    async def get_invitation(self, invitation_id: int) -> Invitation | None:
        row = await self._reads.first(_INVITATION, invitation_id=invitation_id)
        return None if row is None else invitation_from_row(row)

    async def pending_invitations(
        self, rep_id: int, portal_ids: Sequence[int], now: datetime
    ) -> list[Invitation]:
        rows = await self._reads.all(
            _PENDING_INVITATIONS, rep_id=rep_id, portal_ids=list(portal_ids), now=now
        )
        return [invitation_from_row(row) for row in rows]

    async def count_pending_invites(self, session_id: int, now: datetime) -> int:
        count = await self._reads.scalar(_PENDING_INVITES, session_id=session_id, now=now)
        return int(count or 0)

    async def answer_invitation(
        self,
        answered: Invitation,
        change: Change | None,
        notes: Sequence[EventDraft],
        now: datetime,
    ) -> list[Event]:
        """Raises ``Conflict`` for an invitation answered meanwhile, ``Expired`` for one
        that expired, and ``NotFound`` for an unknown one; nothing is saved then."""
        if change is not None and change.session.id != answered.session_id:
            raise ValueError("the change must be about the invitation's session")
        async with self._writing() as conn:
            if answered.state is InvitationState.PENDING:
                # A decline that leaves a portal's invitation open to the others. The
                # row lock keeps a racing accept from landing between check and note.
                still_pending = await conn.scalar(
                    select(invitations.c.id)
                    .where(invitations.c.id == answered.id, _invitation_is_pending(now))
                    .with_for_update()
                )
            else:
                still_pending = await conn.scalar(
                    update(invitations)
                    .where(invitations.c.id == answered.id, _invitation_is_pending(now))
                    .values(state=answered.state.value, answered_by=answered.answered_by)
                    .returning(invitations.c.id)
                )
            if still_pending is None:
                raise await _why_not_pending(conn, answered.id)
            appended: list[Event] = []
            if change is not None:
                appended += await save_change(conn, self._insert, change, now, expected_status=None)
            appended += await insert_events(conn, answered.session_id, notes, now)
        return appended

    async def active_session_counts(self) -> dict[int, int]:
        """Representatives present in no open session are left out (their count is 0)."""
        rows = await self._reads.all(_ACTIVE_SESSION_COUNTS)
        return {int(rep_id): int(count) for rep_id, count in rows}


def _invitation_is_pending(now: datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    return and_(
        invitations.c.state == InvitationState.PENDING.value,
        invitations.c.expires_at > now,
    )


async def _why_not_pending(conn: AsyncConnection, invitation_id: int) -> Exception:
    """The error for an invitation the answer's guard did not find pending."""
    row = (await conn.execute(select(invitations).where(invitations.c.id == invitation_id))).first()
    if row is None:
        return NotFound("There is no such invitation.")
    if row.state != InvitationState.PENDING.value:
        return Conflict("This invitation was already answered.")
    return Expired("This invitation has expired.")


_INVITATION = Query(select(invitations).where(invitations.c.id == bindparam("invitation_id")))
_PENDING_INVITATIONS = Query(
    select(invitations)
    .where(
        _invitation_is_pending(bindparam("now")),
        or_(
            invitations.c.to_rep_id == bindparam("rep_id"),
            invitations.c.to_portal_id.in_(bindparam("portal_ids", expanding=True)),
        ),
    )
    .order_by(invitations.c.created_at, invitations.c.id)
)
_PENDING_INVITES = Query(
    select(func.count())
    .select_from(invitations)
    .where(
        invitations.c.session_id == bindparam("session_id"),
        invitations.c.kind == InvitationKind.INVITE.value,
        _invitation_is_pending(bindparam("now")),
    )
)
_ACTIVE_SESSION_COUNTS = Query(
    select(attendees.c.rep_id, func.count())
    .join(sessions, sessions.c.id == attendees.c.session_id)
    .where(attendees.c.present.is_(True), sessions.c.status != SessionStatus.ENDED.value)
    .group_by(attendees.c.rep_id)
)
