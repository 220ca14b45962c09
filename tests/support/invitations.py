"""Colleagues, portals and offers for the tests of invitations and transfers
(test_invitation_rules.py and test_invitation_answers.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from helpline.domain import invitations as rules
from helpline.domain.events import AudienceKind
from helpline.domain.invitations import (
    Invitation,
    InvitationKind,
)
from helpline.domain.people import Representative
from helpline.domain.portals import Portal
from helpline.domain.sessions import (
    Attendee,
    AttendeeRole,
    SupportSession,
)
from tests.support.domain import (
    T0,
    a_rep,
    a_session,
    attending,
)

ALICE = a_rep(1, "Alice")
BOB = a_rep(2, "Bob")
CAROL = a_rep(3, "Carol")
BILLING = Portal(7, "billing", "Billing")
INVITE = InvitationKind.INVITE
TRANSFER = InvitationKind.TRANSFER


def alice_alone() -> list[Attendee]:
    return [attending(ALICE, AttendeeRole.PRIMARY)]


def offer(
    kind: InvitationKind = INVITE,
    *,
    to_rep: Representative | None = BOB,
    to_portal: Portal | None = None,
    by: Representative = ALICE,
    attendees: Sequence[Attendee] | None = None,
    session: SupportSession | None = None,
    masked: bool = False,
    comment: str = "",
    pending_invites: int = 0,
) -> Invitation:
    invitation, _ = rules.offer(
        session or a_session(),
        alice_alone() if attendees is None else attendees,
        by,
        kind,
        to_rep,
        to_portal,
        masked,
        comment,
        pending_invites,
        T0,
    )
    return replace(invitation, id=11)


def offer_note_text(
    kind: InvitationKind = INVITE,
    *,
    to_rep: Representative | None = None,
    to_portal: Portal | None = None,
    masked: bool = False,
) -> tuple[str, AudienceKind]:
    """What representatives read of an offer, and who reads it."""
    _, note = rules.offer(
        a_session(), alice_alone(), ALICE, kind, to_rep, to_portal, masked, "", 0, T0
    )
    return str(note.body["text"]), note.audience.kind


def invited_team(count: int) -> list[Attendee]:
    return [
        *alice_alone(),
        *(attending(a_rep(10 + i, f"Rep {i}")) for i in range(count)),
    ]
