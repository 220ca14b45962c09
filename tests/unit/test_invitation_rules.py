"""Inviting a colleague and transferring a session, as the domain rules them: who may
offer what to whom, how long an offer lives, who may answer it, and what each side
reads of it. A masked representative must never surface in the customer's log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

import pytest

from helpline.domain import invitations as rules
from helpline.domain.errors import (
    Conflict,
    Expired,
    Forbidden,
    InvalidInput,
    LimitReached,
    SessionEnded,
)
from helpline.domain.events import AudienceKind
from helpline.domain.invitations import (
    INVITATION_LIFETIME,
    MAX_COMMENT_CHARS,
    Invitation,
    InvitationKind,
    InvitationState,
)
from helpline.domain.people import Representative
from helpline.domain.portals import Portal
from helpline.domain.sessions import (
    MAX_INVITED_REPRESENTATIVES,
    Attendee,
    AttendeeRole,
    Change,
    SessionStatus,
    SupportSession,
)
from tests.support.domain import (
    T0,
    a_rep,
    a_session,
    as_events,
    attending,
    customer_reads,
    rep_reads,
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


# Offering ------------------------------------------------------------------------------------


def test_an_invitation_to_a_colleague_waits_thirty_seconds_for_them() -> None:
    invitation = offer()

    assert invitation.to_rep_id == BOB.id and invitation.to_portal_id is None
    assert invitation.from_rep_id == ALICE.id and invitation.from_name == "Alice"
    assert invitation.state is InvitationState.PENDING
    assert invitation.expires_at == T0 + INVITATION_LIFETIME == T0 + timedelta(seconds=30)
    assert invitation.is_pending(T0 + timedelta(seconds=29))
    assert not invitation.is_pending(T0 + timedelta(seconds=30))


def test_the_store_gives_an_offered_invitation_its_id() -> None:
    invitation, _ = rules.offer(
        a_session(), alice_alone(), ALICE, INVITE, BOB, None, False, "", 0, T0
    )
    assert invitation.id == 0


def test_representatives_read_who_invited_whom_and_the_customer_reads_nothing() -> None:
    _, note = rules.offer(a_session(), alice_alone(), ALICE, INVITE, BOB, None, False, "", 0, T0)

    assert note.body == {"action": "invite_offered", "text": "Alice invited Bob to the session."}
    assert note.audience.kind is AudienceKind.REPRESENTATIVES
    assert customer_reads(as_events([note])) == []
    assert rep_reads(ALICE.id, as_events([note])) == ["Alice invited Bob to the session."]


def test_a_masked_invitation_says_so_to_the_representatives() -> None:
    text, audience = offer_note_text(to_rep=BOB, masked=True)

    assert text == "Alice invited Bob to the session (masked)."
    assert audience is AudienceKind.REPRESENTATIVES
    assert offer(masked=True).masked


def test_an_invitation_to_a_portal_goes_to_its_queue() -> None:
    invitation = offer(to_rep=None, to_portal=BILLING)

    assert invitation.to_portal_id == BILLING.id and invitation.to_rep_id is None
    assert offer_note_text(to_portal=BILLING) == (
        "Alice invited the Billing queue to the session.",
        AudienceKind.REPRESENTATIVES,
    )


def test_a_portal_invitation_is_for_every_representative_of_that_portal_only() -> None:
    invitation = offer(to_rep=None, to_portal=BILLING)

    assert invitation.is_for(CAROL.id, [BILLING.id, 9])
    assert not invitation.is_for(CAROL.id, [9])


def test_an_invitation_to_one_representative_is_for_them_whatever_their_portals() -> None:
    invitation = offer(to_rep=BOB)

    assert invitation.is_for(BOB.id, [])
    assert not invitation.is_for(CAROL.id, [BILLING.id])


def test_a_transfer_asks_the_colleague_or_the_queue_to_take_over() -> None:
    assert offer_note_text(kind=TRANSFER, to_rep=BOB) == (
        "Alice asked Bob to take over the session.",
        AudienceKind.REPRESENTATIVES,
    )
    text, _ = offer_note_text(kind=TRANSFER, to_portal=BILLING)
    assert text == "Alice asked the Billing queue to take over the session."


def test_a_transfer_is_never_masked_the_new_primary_talks_to_the_customer() -> None:
    assert not offer(TRANSFER, masked=True).masked


@pytest.mark.parametrize(
    ("to_rep", "to_portal"), [(None, None), (BOB, BILLING)], ids=["nobody", "both"]
)
def test_an_offer_goes_to_one_representative_or_one_portal(
    to_rep: Representative | None, to_portal: Portal | None
) -> None:
    with pytest.raises(InvalidInput, match=r"^Invite either one representative or one portal\.$"):
        offer(to_rep=to_rep, to_portal=to_portal)


def test_a_comment_is_trimmed_and_only_representatives_read_it() -> None:
    invitation = offer(comment="  Knows the printer driver.  ")
    _, note = rules.offer(
        a_session(), alice_alone(), ALICE, INVITE, BOB, None, False, " Driver. ", 0, T0
    )

    assert invitation.comment == "Knows the printer driver."
    assert note.internal == {"comment": "Driver."}
    assert "Driver" not in str(note.body)


def test_no_comment_leaves_nothing_internal() -> None:
    _, note = rules.offer(a_session(), alice_alone(), ALICE, INVITE, BOB, None, False, "  ", 0, T0)
    assert note.internal == {}


def test_a_comment_has_at_most_500_characters_after_trimming() -> None:
    assert MAX_COMMENT_CHARS == 500
    assert len(offer(comment=" " + "c" * 500 + " ").comment) == 500

    with pytest.raises(InvalidInput, match=r"^A comment has at most 500 characters\.$"):
        offer(comment="c" * 501)


def test_nobody_invites_themselves() -> None:
    with pytest.raises(Conflict, match=r"^You are already in this session\.$"):
        offer(to_rep=ALICE)


def test_a_colleague_already_in_the_session_is_not_invited_again() -> None:
    with_bob = [*alice_alone(), attending(BOB)]
    with pytest.raises(Conflict, match=r"^Bob is already in this session\.$"):
        offer(to_rep=BOB, attendees=with_bob)


def test_a_colleague_who_left_can_be_invited_back() -> None:
    bob_left = [*alice_alone(), attending(BOB, present=False)]
    assert offer(to_rep=BOB, attendees=bob_left).to_rep_id == BOB.id


def test_a_session_can_be_transferred_to_a_colleague_already_in_it() -> None:
    with_bob = [*alice_alone(), attending(BOB)]
    assert offer(TRANSFER, to_rep=BOB, attendees=with_bob).kind is TRANSFER


def test_only_a_representative_in_the_session_offers_anything() -> None:
    with pytest.raises(Forbidden, match=r"^You are not in this session\.$"):
        offer(by=CAROL)
    carol_left = [*alice_alone(), attending(CAROL, present=False)]
    with pytest.raises(Forbidden, match=r"^You are not in this session\.$"):
        offer(by=CAROL, attendees=carol_left)


def test_nothing_is_offered_in_an_ended_session() -> None:
    with pytest.raises(SessionEnded, match=r"^Session ABCD-0001 has ended\.$"):
        offer(session=a_session(SessionStatus.ENDED))


def test_a_session_holds_at_most_seven_invited_representatives() -> None:
    assert MAX_INVITED_REPRESENTATIVES == 7
    offer(attendees=invited_team(6))

    with pytest.raises(
        LimitReached, match=r"^A session holds at most 7 invited representatives\.$"
    ):
        offer(attendees=invited_team(7))


def test_pending_invitations_count_towards_the_limit() -> None:
    offer(attendees=invited_team(5), pending_invites=1)
    with pytest.raises(LimitReached):
        offer(attendees=invited_team(6), pending_invites=1)
    with pytest.raises(LimitReached):
        offer(attendees=invited_team(0), pending_invites=7)


def test_representatives_who_left_do_not_count_towards_the_limit() -> None:
    gone = [replace(a, present=False) for a in invited_team(7)[1:]]
    assert offer(attendees=[*alice_alone(), *gone]).state is InvitationState.PENDING


def test_a_full_session_can_still_be_transferred() -> None:
    assert offer(TRANSFER, attendees=invited_team(7), pending_invites=3).kind is TRANSFER


def test_only_the_primary_representative_transfers_the_session() -> None:
    team = [*alice_alone(), attending(CAROL)]
    with pytest.raises(
        Forbidden, match=r"^Only the primary representative can transfer the session\.$"
    ):
        offer(TRANSFER, by=CAROL, attendees=team)
    # An invited representative may still invite.
    assert offer(INVITE, by=CAROL, attendees=team).from_rep_id == CAROL.id


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
