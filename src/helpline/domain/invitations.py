"""Inviting colleagues into a session, and transferring it to another representative.

An invitation is an offer with a short life: to one representative, or to a whole
portal's queue where the first to accept joins. An invite adds the accepter (masked if
asked); a transfer makes the accepter the primary representative, with the whole
history in front of them, and the one who transferred leaves. Everything here is
decided without I/O; the store makes "the first to accept wins" atomic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from helpline.domain.drafting import Draft, say, seal, status
from helpline.domain.errors import Conflict, Expired, Forbidden, InvalidInput, LimitReached
from helpline.domain.events import Audience, Author, EventDraft
from helpline.domain.people import Representative
from helpline.domain.portals import Portal
from helpline.domain.sessions import (
    MAX_INVITED_REPRESENTATIVES,
    Attendee,
    AttendeeRole,
    Change,
    SessionStatus,
    SupportSession,
    as_author,
    check_open,
    check_rep_in_session,
    find_attendee,
    present_representatives,
    rep_joined,
)

INVITATION_LIFETIME = timedelta(seconds=30)
MAX_COMMENT_CHARS = 500


class InvitationKind(StrEnum):
    INVITE = "invite"
    TRANSFER = "transfer"


class InvitationState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Invitation:
    id: int
    session_id: int
    kind: InvitationKind
    from_rep_id: int
    from_name: str
    to_rep_id: int | None
    to_portal_id: int | None
    masked: bool
    comment: str
    created_at: datetime
    expires_at: datetime
    state: InvitationState = InvitationState.PENDING
    answered_by: int | None = None

    def is_pending(self, now: datetime) -> bool:
        return self.state is InvitationState.PENDING and now < self.expires_at

    def is_for(self, rep_id: int, portal_ids: Sequence[int]) -> bool:
        if self.to_rep_id is not None:
            return self.to_rep_id == rep_id
        return self.to_portal_id in portal_ids


def offer(
    session: SupportSession,
    attendees: Sequence[Attendee],
    by: Representative,
    kind: InvitationKind,
    to_rep: Representative | None,
    to_portal: Portal | None,
    masked: bool,
    comment: str,
    pending_invites: int,
    now: datetime,
) -> tuple[Invitation, EventDraft]:
    """Check an invitation or transfer offer and phrase its note (for representatives).

    The returned invitation has id 0; the store gives it one.
    """
    check_open(session)
    check_rep_in_session(attendees, by.id)
    if (to_rep is None) == (to_portal is None):
        raise InvalidInput("Invite either one representative or one portal.")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise InvalidInput(f"A comment has at most {MAX_COMMENT_CHARS} characters.")
    if to_rep is not None:
        if to_rep.id == by.id:
            raise Conflict("You are already in this session.")
        existing = find_attendee(attendees, to_rep.id)
        if existing is not None and existing.present and kind is InvitationKind.INVITE:
            raise Conflict(f"{to_rep.display_name} is already in this session.")
    if kind is InvitationKind.INVITE:
        invited = [a for a in present_representatives(attendees) if a.role is AttendeeRole.INVITED]
        if len(invited) + pending_invites >= MAX_INVITED_REPRESENTATIVES:
            raise LimitReached(
                f"A session holds at most {MAX_INVITED_REPRESENTATIVES} invited representatives."
            )
    elif session.primary_rep_id != by.id:
        raise Forbidden("Only the primary representative can transfer the session.")
    target: Author | str = (
        as_author(to_rep) if to_rep else f"the {to_portal.name if to_portal else ''} queue"
    )
    if kind is InvitationKind.INVITE:
        masking = " (masked)" if masked else ""
        text = say("{by} invited {to} to the session{m}.", by=as_author(by), to=target, m=masking)
    else:
        text = say("{by} asked {to} to take over the session.", by=as_author(by), to=target)
    invitation = Invitation(
        id=0,
        session_id=session.id,
        kind=kind,
        from_rep_id=by.id,
        from_name=by.display_name,
        to_rep_id=to_rep.id if to_rep else None,
        to_portal_id=to_portal.id if to_portal else None,
        masked=masked and kind is InvitationKind.INVITE,
        comment=comment,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    note = status(
        f"{kind.value}_offered",
        text,
        audience=Audience.representatives(),
        internal={"comment": comment} if comment else None,
    )
    return invitation, seal(note, attendees)


def _check_answerable(invitation: Invitation, rep: Representative, now: datetime) -> None:
    if invitation.state is not InvitationState.PENDING:
        raise Conflict("This invitation was already answered.")
    if now >= invitation.expires_at:
        raise Expired("This invitation has expired.")
    if invitation.to_rep_id is not None and invitation.to_rep_id != rep.id:
        raise Forbidden("This invitation is for someone else.")


def accept(
    invitation: Invitation,
    session: SupportSession,
    attendees: Sequence[Attendee],
    rep: Representative,
    now: datetime,
) -> tuple[Invitation, Change]:
    """The accepter joins (invite) or takes over (transfer)."""
    _check_answerable(invitation, rep, now)
    check_open(session)
    if rep.id == invitation.from_rep_id:
        raise Conflict("You cannot accept your own invitation.")
    present = find_attendee(attendees, rep.id)
    if present is not None and present.present and invitation.kind is InvitationKind.INVITE:
        raise Conflict("You are already in this session.")
    answered = replace(invitation, state=InvitationState.ACCEPTED, answered_by=rep.id)
    others = [a for a in attendees if a.rep_id != rep.id]
    if invitation.kind is InvitationKind.INVITE:
        joined = Attendee(
            rep.id, rep.display_name, AttendeeRole.INVITED, invitation.masked, True, now
        )
        note = rep_joined(rep, invitation.masked)
        return answered, Change(session, (*others, joined), (note,), tuple(attendees))

    previous = find_attendee(attendees, invitation.from_rep_id)
    handed_over = []
    for attendee in others:
        if attendee.rep_id == invitation.from_rep_id:
            attendee = replace(attendee, present=False, role=AttendeeRole.INVITED)
        elif attendee.role is AttendeeRole.PRIMARY:
            attendee = replace(attendee, role=AttendeeRole.INVITED)
        handed_over.append(attendee)
    primary = Attendee(rep.id, rep.display_name, AttendeeRole.PRIMARY, False, True, now)
    new_session = replace(session, status=SessionStatus.ACTIVE, primary_rep_id=rep.id)
    from_name = previous.display_name if previous else invitation.from_name
    before = Author.representative(invitation.from_rep_id, from_name)
    from_masked = previous is not None and previous.masked
    notes: tuple[Draft, ...] = (
        status(
            "transferred",
            say("{rep} took over the session from {before}.", rep=as_author(rep), before=before),
            audience=Audience.representatives() if from_masked else None,
            extra={"rep_name": rep.display_name, "from_name": from_name},
        ),
        status(
            "rep_left",
            say("{rep} left the session.", rep=before),
            audience=Audience.representatives() if from_masked else None,
            extra={"rep_name": from_name},
        ),
    )
    if from_masked:
        notes = (rep_joined(rep), *notes)
    return answered, Change(new_session, (*handed_over, primary), notes, tuple(attendees))


def decline(
    invitation: Invitation, rep: Representative, now: datetime
) -> tuple[Invitation, EventDraft]:
    _check_answerable(invitation, rep, now)
    # One representative declining a portal's invitation leaves it open to the others.
    answered = (
        invitation
        if invitation.to_portal_id is not None
        else replace(invitation, state=InvitationState.DECLINED, answered_by=rep.id)
    )
    what = "invitation" if invitation.kind is InvitationKind.INVITE else "transfer"
    note = status(
        f"{invitation.kind.value}_declined",
        say("{rep} declined the {what}.", rep=as_author(rep), what=what),
        audience=Audience.representatives(),
    )
    # Only representatives read it, so no attendee can change what it shows.
    return answered, seal(note, ())
