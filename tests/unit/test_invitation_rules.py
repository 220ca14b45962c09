"""Offering to invite a colleague or transfer a session, as the domain rules it: who may
offer what to whom, how long an offer lives, and what each side reads of it. A masked
representative must never surface in the customer's log (answering:
test_invitation_answers.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from helpline.domain import invitations as rules
from helpline.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    LimitReached,
    SessionEnded,
)
from helpline.domain.events import AudienceKind
from helpline.domain.invitations import (
    INVITATION_LIFETIME,
    MAX_COMMENT_CHARS,
    InvitationState,
)
from helpline.domain.people import Representative
from helpline.domain.portals import Portal
from helpline.domain.sessions import (
    MAX_INVITED_REPRESENTATIVES,
    SessionStatus,
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
    INVITE,
    TRANSFER,
    alice_alone,
    invited_team,
    offer,
    offer_note_text,
)

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
