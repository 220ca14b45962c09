"""Answering an invitation or a transfer, as the domain rules it: who may accept or
decline, until when, and what each side reads of it. A masked representative must never
surface in the customer's log (offering: test_invitation_rules.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from helpline.domain import invitations as rules
from helpline.domain.errors import (
    Conflict,
    Expired,
    Forbidden,
    SessionEnded,
)
from helpline.domain.events import AudienceKind
from helpline.domain.invitations import (
    INVITATION_LIFETIME,
    Invitation,
    InvitationState,
)
from helpline.domain.people import Representative
from helpline.domain.sessions import (
    Attendee,
    AttendeeRole,
    Change,
    SessionStatus,
    SupportSession,
)
from tests.support.domain import (
    T0,
    a_session,
    as_events,
    attending,
    customer_reads,
    rep_reads,
)
from tests.support.invitations import (
    ALICE,
    BILLING,
    BOB,
    CAROL,
    TRANSFER,
    alice_alone,
    offer,
)

# Answering ---------------------------------------------------------------------------------


def accept(
    invitation: Invitation,
    rep: Representative = BOB,
    attendees: Sequence[Attendee] | None = None,
    at: timedelta = timedelta(seconds=5),
    session: SupportSession | None = None,
) -> tuple[Invitation, Change]:
    return rules.accept(
        invitation,
        session or a_session(),
        alice_alone() if attendees is None else attendees,
        rep,
        T0 + at,
    )


def test_accepting_an_invitation_joins_the_session_as_an_invited_representative() -> None:
    answered, change = accept(offer())

    assert answered.state is InvitationState.ACCEPTED and answered.answered_by == BOB.id
    bob = next(a for a in change.attendees if a.rep_id == BOB.id)
    assert (bob.role, bob.masked, bob.present) == (AttendeeRole.INVITED, False, True)
    assert change.session.primary_rep_id == ALICE.id
    assert customer_reads(as_events(change.notes)) == ["Bob joined the session."]


def test_a_masked_colleague_joins_unseen_by_the_customer() -> None:
    _, change = accept(offer(masked=True))

    bob = next(a for a in change.attendees if a.rep_id == BOB.id)
    assert bob.masked
    events = as_events(change.notes)
    assert customer_reads(events) == []
    assert rep_reads(ALICE.id, events) == ["Bob joined the session (masked)."]


def test_anyone_of_the_portal_may_accept_its_invitation() -> None:
    answered, _ = accept(offer(to_rep=None, to_portal=BILLING), rep=CAROL)
    assert answered.answered_by == CAROL.id


def test_accepting_a_transfer_makes_the_accepter_primary_and_the_transferrer_leaves() -> None:
    with_carol = [*alice_alone(), attending(CAROL)]
    answered, change = accept(offer(TRANSFER, attendees=with_carol), attendees=with_carol)

    assert answered.state is InvitationState.ACCEPTED
    assert change.session.primary_rep_id == BOB.id
    assert change.session.status is SessionStatus.ACTIVE
    roles = {a.rep_id: (a.role, a.present) for a in change.attendees}
    assert roles == {
        ALICE.id: (AttendeeRole.INVITED, False),
        CAROL.id: (AttendeeRole.INVITED, True),
        BOB.id: (AttendeeRole.PRIMARY, True),
    }
    assert customer_reads(as_events(change.notes)) == [
        "Bob took over the session from Alice.",
        "Alice left the session.",
    ]


def test_a_transfer_from_the_queue_picks_a_waiting_session_up() -> None:
    waiting = a_session(SessionStatus.WAITING)
    invitation = offer(TRANSFER, to_rep=None, to_portal=BILLING, session=waiting)

    _, change = accept(invitation, rep=CAROL, session=waiting)

    assert change.session.status is SessionStatus.ACTIVE
    assert change.session.primary_rep_id == CAROL.id


def test_a_transfer_from_a_masked_representative_never_names_them_to_the_customer() -> None:
    masked_alice = [attending(ALICE, AttendeeRole.PRIMARY, masked=True)]
    invitation = offer(TRANSFER, attendees=masked_alice)

    _, change = accept(invitation, attendees=masked_alice)
    events = as_events(change.notes)

    # The customer meets Bob as a newcomer; Alice was never there for them.
    assert customer_reads(events) == ["Bob joined the session."]
    took_over, left = (e for e in events if e.body["action"] != "rep_joined")
    assert took_over.audience.kind is AudienceKind.REPRESENTATIVES
    assert left.audience.kind is AudienceKind.REPRESENTATIVES
    assert rep_reads(BOB.id, events) == [
        "Bob joined the session.",
        "Bob took over the session from Alice.",
        "Alice left the session.",
    ]


def test_an_invitation_is_answered_once() -> None:
    answered, _ = accept(offer())
    with pytest.raises(Conflict, match=r"^This invitation was already answered\.$"):
        accept(answered, rep=BOB)
    with pytest.raises(Conflict, match=r"^This invitation was already answered\.$"):
        rules.decline(answered, BOB, T0)


@pytest.mark.parametrize("late", [INVITATION_LIFETIME, INVITATION_LIFETIME * 10])
def test_an_invitation_not_answered_in_thirty_seconds_has_expired(late: timedelta) -> None:
    with pytest.raises(Expired, match=r"^This invitation has expired\.$"):
        accept(offer(), at=late)
    with pytest.raises(Expired, match=r"^This invitation has expired\.$"):
        rules.decline(offer(), BOB, T0 + late)


def test_an_invitation_for_a_colleague_is_theirs_to_answer() -> None:
    with pytest.raises(Forbidden, match=r"^This invitation is for someone else\.$"):
        accept(offer(to_rep=BOB), rep=CAROL)
    with pytest.raises(Forbidden, match=r"^This invitation is for someone else\.$"):
        rules.decline(offer(to_rep=BOB), CAROL, T0)


def test_nobody_accepts_their_own_invitation_to_a_queue() -> None:
    with pytest.raises(Conflict, match=r"^You cannot accept your own invitation\.$"):
        accept(offer(to_rep=None, to_portal=BILLING), rep=ALICE)


def test_a_representative_already_in_the_session_cannot_join_it_again() -> None:
    invitation = offer(to_rep=None, to_portal=BILLING)
    with_carol = [*alice_alone(), attending(CAROL)]
    with pytest.raises(Conflict, match=r"^You are already in this session\.$"):
        accept(invitation, rep=CAROL, attendees=with_carol)


def test_an_invitation_cannot_be_accepted_once_the_session_has_ended() -> None:
    with pytest.raises(SessionEnded):
        accept(offer(), session=a_session(SessionStatus.ENDED))


def test_declining_an_invitation_closes_it_and_tells_the_representatives() -> None:
    declined, note = rules.decline(offer(), BOB, T0)

    assert declined.state is InvitationState.DECLINED and declined.answered_by == BOB.id
    assert note.body == {"action": "invite_declined", "text": "Bob declined the invitation."}
    assert customer_reads(as_events([note])) == []


def test_declining_a_transfer_says_it_was_the_transfer() -> None:
    _, note = rules.decline(offer(TRANSFER), BOB, T0)
    assert note.body == {"action": "transfer_declined", "text": "Bob declined the transfer."}


def test_one_representative_declining_a_queue_invitation_leaves_it_to_the_others() -> None:
    invitation = offer(to_rep=None, to_portal=BILLING)

    still, _ = rules.decline(invitation, CAROL, T0)

    assert still.state is InvitationState.PENDING and still.answered_by is None
    assert accept(still, rep=BOB)[0].answered_by == BOB.id
