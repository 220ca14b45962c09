"""The session tools' part of the store contract, on real SQLite and real PostgreSQL.

Invitations (one winner of a race to accept, atomic answers), team settings and
greetings, portals and outcomes. The Library is in test_store_scripts.py and the
history search in test_store_history.py. Every test runs once per database.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from helpline.domain.errors import Conflict, Expired, NotFound
from helpline.domain.events import Audience, Author, EventDraft, EventKind
from helpline.domain.invitations import (
    INVITATION_LIFETIME,
    Invitation,
    InvitationKind,
    InvitationState,
    accept,
    decline,
    offer,
)
from helpline.domain.people import Representative
from helpline.domain.portals import Portal
from helpline.domain.sessions import (
    Attendee,
    AttendeeRole,
    Outcome,
    SessionStatus,
    SupportSession,
    as_author,
    end,
    pick_up,
)
from helpline.store.sql import SqlStore
from tests.integration import test_store as contract
from tests.integration.test_store import LATER, NOW, make_rep, open_session

# The contract's fixtures: every test here runs on a fresh database of each kind.
store_url = contract.store_url
store = contract.store

# Within an invitation's short life.
SOON = NOW + timedelta(seconds=10)

# Building blocks ---------------------------------------------------------------------


async def picked_up_by(
    store: SqlStore, rep: Representative, session: SupportSession, at: datetime = NOW
) -> tuple[SupportSession, list[Attendee]]:
    change = pick_up(session, [], rep, 0, at)
    await store.apply(change, at)
    return change.session, list(change.attendees)


async def ann_picks_up_and_bob_is_on_the_team(
    store: SqlStore,
) -> tuple[Representative, Representative, SupportSession, list[Attendee]]:
    """Ann and Bob are representatives; Ann has picked up a new session."""
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    return ann, bob, *await picked_up_by(store, ann, await open_session(store))


async def offered(
    store: SqlStore,
    session: SupportSession,
    attendees: list[Attendee],
    by: Representative,
    *,
    to_rep: Representative | None = None,
    to_portal: Portal | None = None,
    kind: InvitationKind = InvitationKind.INVITE,
    at: datetime = NOW,
) -> Invitation:
    invitation, note = offer(session, attendees, by, kind, to_rep, to_portal, False, "", 0, at)
    saved, _ = await store.create_invitation(invitation, note, at)
    return saved


def line_from(rep: Representative, text_: str) -> EventDraft:
    return EventDraft(
        kind=EventKind.MESSAGE,
        audience=Audience.everyone(),
        author=Author.representative(rep.id, rep.display_name),
        body={"text": text_},
    )


def actions(events_: list[Any]) -> list[str]:
    return [str(event.body.get("action")) for event in events_]


# Invitations and transfers -------------------------------------------------------------


async def test_created_invitation_gets_an_id_and_its_note_in_the_log(store: SqlStore) -> None:
    ann, bob, session, attendees = await ann_picks_up_and_bob_is_on_the_team(store)
    invitation, note = offer(
        session, attendees, ann, InvitationKind.INVITE, bob, None, True, "help me", 0, NOW
    )

    saved, event = await store.create_invitation(invitation, note, NOW)

    assert saved.id > 0
    assert saved == replace(invitation, id=saved.id)
    assert await store.get_invitation(saved.id) == saved
    assert event.seq == await store.last_seq(session.id)
    assert event.body == note.body
    assert event.internal == {"comment": "help me"}
    assert await store.get_invitation(saved.id + 100) is None


async def test_invitation_to_an_unknown_session_is_not_found(store: SqlStore) -> None:
    ann, bob, session, attendees = await ann_picks_up_and_bob_is_on_the_team(store)
    invitation, note = offer(
        session, attendees, ann, InvitationKind.INVITE, bob, None, False, "", 0, NOW
    )

    with pytest.raises(NotFound):
        await store.create_invitation(replace(invitation, session_id=session.id + 100), note, NOW)
    assert await store.pending_invitations(bob.id, [], NOW) == []


async def test_pending_invitations_are_those_to_the_representative_or_to_their_portals(
    store: SqlStore,
) -> None:
    ann, bob, session, attendees = await ann_picks_up_and_bob_is_on_the_team(store)
    cat = await make_rep(store, "cat", "Cat")
    sales = await store.create_portal("sales", "Sales", [], "")
    billing = await store.create_portal("billing", "Billing", [], "")
    to_bob = await offered(store, session, attendees, ann, to_rep=bob)
    to_cat = await offered(store, session, attendees, ann, to_rep=cat)
    to_sales = await offered(store, session, attendees, ann, to_portal=sales)
    to_billing = await offered(store, session, attendees, ann, to_portal=billing)

    assert await store.pending_invitations(bob.id, [], NOW) == [to_bob]
    assert await store.pending_invitations(bob.id, [sales.id], NOW) == [to_bob, to_sales]
    assert await store.pending_invitations(cat.id, [sales.id, billing.id], NOW) == [
        to_cat,
        to_sales,
        to_billing,
    ]
    assert await store.pending_invitations(ann.id, [], NOW) == []


async def test_expired_invitations_are_neither_listed_nor_counted(store: SqlStore) -> None:
    ann, bob, session, attendees = await ann_picks_up_and_bob_is_on_the_team(store)
    sales = await store.create_portal("sales", "Sales", [], "")
    invitation = await offered(store, session, attendees, ann, to_rep=bob)
    await offered(store, session, attendees, ann, to_portal=sales)
    expiry = invitation.expires_at

    just_before = expiry - timedelta(microseconds=1)
    assert len(await store.pending_invitations(bob.id, [sales.id], just_before)) == 2
    assert await store.count_pending_invites(session.id, just_before) == 2
    assert await store.pending_invitations(bob.id, [sales.id], expiry) == []
    assert await store.count_pending_invites(session.id, expiry) == 0


async def test_pending_invites_are_counted_per_session_and_leave_out_transfers_and_answers(
    store: SqlStore,
) -> None:
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    cat = await make_rep(store, "cat", "Cat")
    session, attendees = await picked_up_by(store, ann, await open_session(store, "AAAA-0001"))
    other, other_attendees = await picked_up_by(store, ann, await open_session(store, "AAAA-0002"))
    to_bob = await offered(store, session, attendees, ann, to_rep=bob)
    await offered(store, session, attendees, ann, to_rep=cat)
    await offered(store, session, attendees, ann, to_rep=cat, kind=InvitationKind.TRANSFER)
    await offered(store, other, other_attendees, ann, to_rep=bob)
    assert await store.count_pending_invites(session.id, NOW) == 2

    answered, note = decline(to_bob, bob, NOW)
    await store.answer_invitation(answered, None, [note], NOW)

    assert await store.count_pending_invites(session.id, NOW) == 1
    assert await store.count_pending_invites(other.id, NOW) == 1


async def test_accepting_saves_the_answer_the_change_and_the_notes_together(
    store: SqlStore,
) -> None:
    ann, bob, session, attendees = await ann_picks_up_and_bob_is_on_the_team(store)
    invitation = await offered(
        store, session, attendees, ann, to_rep=bob, kind=InvitationKind.TRANSFER
    )
    answered, change = accept(invitation, session, attendees, bob, SOON)
    extra_note = line_from(bob, "Hello, I am taking over.")

    appended = await store.answer_invitation(answered, change, [extra_note], SOON)

    assert actions(appended) == ["transferred", "rep_left", "None"]
    assert appended[-1].body["text"] == "Hello, I am taking over."
    assert [e.seq for e in appended] == [4, 5, 6]
    assert await store.get_invitation(invitation.id) == replace(
        invitation, state=InvitationState.ACCEPTED, answered_by=bob.id
    )
    stored = await store.get_session(session.id)
    assert stored is not None
    assert (stored.status, stored.primary_rep_id) == (SessionStatus.ACTIVE, bob.id)
    roles = {(a.rep_id, a.role, a.present) for a in await store.list_attendees(session.id)}
    assert roles == {(ann.id, AttendeeRole.INVITED, False), (bob.id, AttendeeRole.PRIMARY, True)}
    assert await store.pending_invitations(bob.id, [], SOON) == []


async def test_a_failed_accept_leaves_the_invitation_pending_and_the_log_as_it_was(
    store: SqlStore,
) -> None:
    ann, bob, session, attendees = await ann_picks_up_and_bob_is_on_the_team(store)
    invitation = await offered(store, session, attendees, ann, to_rep=bob)
    answered, change = accept(invitation, session, attendees, bob, NOW)
    # An attendee row naming nobody breaks the change after the answer was recorded.
    ghost = replace(change.attendees[-1], rep_id=bob.id + 100)
    broken = replace(change, attendees=(*change.attendees[:-1], ghost))
    last_seq = await store.last_seq(session.id)

    with pytest.raises(IntegrityError):
        await store.answer_invitation(answered, broken, [], NOW)

    assert await store.get_invitation(invitation.id) == invitation
    assert await store.last_seq(session.id) == last_seq
    assert [a.rep_id for a in await store.list_attendees(session.id)] == [ann.id]


async def test_two_accepts_of_a_portal_invitation_have_one_winner(store: SqlStore) -> None:
    ann, bob, session, attendees = await ann_picks_up_and_bob_is_on_the_team(store)
    cat = await make_rep(store, "cat", "Cat")
    sales = await store.create_portal("sales", "Sales", [], "")
    invitation = await offered(store, session, attendees, ann, to_portal=sales)
    by_bob = accept(invitation, session, attendees, bob, NOW)
    by_cat = accept(invitation, session, attendees, cat, NOW)

    results = await asyncio.gather(
        store.answer_invitation(*by_bob, [], NOW),
        store.answer_invitation(*by_cat, [], NOW),
        return_exceptions=True,
    )

    winners = [r for r in results if isinstance(r, list)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert (len(winners), len(losers)) == (1, 1), results
    winner = bob if results[0] is winners[0] else cat
    assert await store.get_invitation(invitation.id) == replace(
        invitation, state=InvitationState.ACCEPTED, answered_by=winner.id
    )
    present = [a.rep_id for a in await store.list_attendees(session.id) if a.present]
    assert sorted(present) == sorted([ann.id, winner.id])
    log = await store.events_after(session.id, 0)
    assert actions(log).count("rep_joined") == 1


async def test_declining_a_portal_invitation_keeps_it_open_to_the_others(
    store: SqlStore,
) -> None:
    ann, bob, session, attendees = await ann_picks_up_and_bob_is_on_the_team(store)
    cat = await make_rep(store, "cat", "Cat")
    sales = await store.create_portal("sales", "Sales", [], "")
    invitation = await offered(store, session, attendees, ann, to_portal=sales)

    answered, note = decline(invitation, bob, NOW)
    appended = await store.answer_invitation(answered, None, [note], NOW)

    assert actions(appended) == ["invite_declined"]
    assert await store.get_invitation(invitation.id) == invitation
    assert await store.pending_invitations(cat.id, [sales.id], NOW) == [invitation]
    accepted = accept(invitation, session, attendees, cat, NOW)
    await store.answer_invitation(*accepted, [], NOW)
    assert (await store.get_invitation(invitation.id)) == accepted[0]


async def test_declining_a_personal_invitation_closes_it(store: SqlStore) -> None:
    ann, bob, session, attendees = await ann_picks_up_and_bob_is_on_the_team(store)
    invitation = await offered(store, session, attendees, ann, to_rep=bob)

    answered, note = decline(invitation, bob, NOW)
    await store.answer_invitation(answered, None, [note], NOW)

    assert await store.get_invitation(invitation.id) == replace(
        invitation, state=InvitationState.DECLINED, answered_by=bob.id
    )
    with pytest.raises(Conflict):
        await store.answer_invitation(*accept(invitation, session, attendees, bob, NOW), [], NOW)


async def test_an_answer_after_another_saves_nothing(store: SqlStore) -> None:
    ann, bob, session, attendees = await ann_picks_up_and_bob_is_on_the_team(store)
    cat = await make_rep(store, "cat", "Cat")
    sales = await store.create_portal("sales", "Sales", [], "")
    invitation = await offered(store, session, attendees, ann, to_portal=sales)
    await store.answer_invitation(*accept(invitation, session, attendees, bob, NOW), [], NOW)
    last_seq = await store.last_seq(session.id)

    # Cat read the invitation while it was still pending, and declines it now.
    answered, note = decline(invitation, cat, NOW)
    with pytest.raises(Conflict):
        await store.answer_invitation(answered, None, [note], NOW)

    assert await store.last_seq(session.id) == last_seq


async def test_answering_an_expired_or_unknown_invitation_saves_nothing(store: SqlStore) -> None:
    ann, bob, session, attendees = await ann_picks_up_and_bob_is_on_the_team(store)
    invitation = await offered(store, session, attendees, ann, to_rep=bob)
    answered, change = accept(invitation, session, attendees, bob, NOW)
    last_seq = await store.last_seq(session.id)

    with pytest.raises(Expired):
        await store.answer_invitation(answered, change, [], NOW + INVITATION_LIFETIME)
    with pytest.raises(NotFound):
        await store.answer_invitation(replace(answered, id=invitation.id + 100), change, [], NOW)

    assert await store.get_invitation(invitation.id) == invitation
    assert await store.last_seq(session.id) == last_seq


async def test_active_session_counts_count_open_sessions_where_each_is_present(
    store: SqlStore,
) -> None:
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    await make_rep(store, "cat", "Cat")
    await picked_up_by(store, ann, await open_session(store, "AAAA-0001"))
    await picked_up_by(store, ann, await open_session(store, "AAAA-0002"))
    shared, attendees = await picked_up_by(store, bob, await open_session(store, "AAAA-0003"))
    ended, ended_attendees = await picked_up_by(store, bob, await open_session(store, "AAAA-0004"))
    await store.apply(end(ended, ended_attendees, as_author(bob), LATER), LATER)
    invitation = await offered(store, shared, attendees, bob, to_rep=ann)
    await store.answer_invitation(*accept(invitation, shared, attendees, ann, NOW), [], NOW)
    await open_session(store, "AAAA-0005")

    assert await store.active_session_counts() == {ann.id: 3, bob.id: 1}


# Team settings and portals ---------------------------------------------------------------


async def test_team_setting_is_none_until_set_and_then_replaced(store: SqlStore) -> None:
    assert await store.get_team_setting("greeting") is None

    await store.set_team_setting("greeting", "Hello!")
    await store.set_team_setting("other", "x")
    assert await store.get_team_setting("greeting") == "Hello!"

    await store.set_team_setting("greeting", "")
    assert await store.get_team_setting("greeting") == ""
    assert await store.get_team_setting("other") == "x"


async def test_update_portal_changes_only_what_it_is_given(store: SqlStore) -> None:
    sales = await store.create_portal("sales", "Sales", [], "Hi")

    greeted = await store.update_portal(sales.id, greeting="Welcome to sales")
    assert greeted == replace(sales, greeting="Welcome to sales")
    renamed = await store.update_portal(sales.id, name="Sales team")
    assert renamed == replace(sales, name="Sales team", greeting="Welcome to sales")
    assert await store.update_portal(sales.id) == renamed
    assert await store.get_portal(sales.id) == renamed


async def test_updating_an_unknown_portal_is_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        await store.update_portal(404, greeting="x")
    with pytest.raises(NotFound):
        await store.update_portal(404)


# Outcomes ----------------------------------------------------------------------------------


async def test_new_session_has_no_outcome_and_no_end_notes(store: SqlStore) -> None:
    session = await open_session(store)

    stored = await store.get_session(session.id)
    assert stored is not None
    assert (stored.outcome, stored.end_notes) == (None, "")


async def test_outcome_and_end_notes_are_saved_by_apply(store: SqlStore) -> None:
    ann = await make_rep(store)
    session, attendees = await picked_up_by(store, ann, await open_session(store))

    change = end(
        session, attendees, as_author(ann), LATER, outcome=Outcome.RESOLVED, end_notes=" Fixed "
    )
    await store.apply(change, LATER)

    stored = await store.get_session(session.id)
    assert stored == change.session
    assert stored is not None
    assert (stored.outcome, stored.end_notes) == (Outcome.RESOLVED, "Fixed")
