"""The session tools' part of the store contract, on real SQLite and real PostgreSQL.

Invitations (one winner of a race to accept, atomic answers), script libraries (dense
positions, team and personal libraries kept apart), team settings and greetings,
outcomes, and the history search, including a database upgraded from the first
schema with conversations already in it. Every test runs once per database.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from helpline.domain.chain import LogCheck
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
from helpline.domain.scripts import ScriptKind
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
from helpline.store.database import create_engine, for_writes
from helpline.store.migrate import alembic_config, current_revision, head_revision, upgrade
from helpline.store.search_table import is_described
from helpline.store.sql import SqlStore
from helpline.store.tables import events, metadata, portals, sessions
from helpline.store.tools_protocol import HistoryQuery
from tests.integration import test_store as contract
from tests.integration.test_store import LATER, NOW, chat, make_rep, open_session

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
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    session, attendees = await picked_up_by(store, ann, await open_session(store))
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
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    session, attendees = await picked_up_by(store, ann, await open_session(store))
    invitation, note = offer(
        session, attendees, ann, InvitationKind.INVITE, bob, None, False, "", 0, NOW
    )

    with pytest.raises(NotFound):
        await store.create_invitation(replace(invitation, session_id=session.id + 100), note, NOW)
    assert await store.pending_invitations(bob.id, [], NOW) == []


async def test_pending_invitations_are_those_to_the_representative_or_to_their_portals(
    store: SqlStore,
) -> None:
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    cat = await make_rep(store, "cat", "Cat")
    sales = await store.create_portal("sales", "Sales", [], "")
    billing = await store.create_portal("billing", "Billing", [], "")
    session, attendees = await picked_up_by(store, ann, await open_session(store))
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
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    sales = await store.create_portal("sales", "Sales", [], "")
    session, attendees = await picked_up_by(store, ann, await open_session(store))
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
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    session, attendees = await picked_up_by(store, ann, await open_session(store))
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
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    session, attendees = await picked_up_by(store, ann, await open_session(store))
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
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    cat = await make_rep(store, "cat", "Cat")
    sales = await store.create_portal("sales", "Sales", [], "")
    session, attendees = await picked_up_by(store, ann, await open_session(store))
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
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    cat = await make_rep(store, "cat", "Cat")
    sales = await store.create_portal("sales", "Sales", [], "")
    session, attendees = await picked_up_by(store, ann, await open_session(store))
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
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    session, attendees = await picked_up_by(store, ann, await open_session(store))
    invitation = await offered(store, session, attendees, ann, to_rep=bob)

    answered, note = decline(invitation, bob, NOW)
    await store.answer_invitation(answered, None, [note], NOW)

    assert await store.get_invitation(invitation.id) == replace(
        invitation, state=InvitationState.DECLINED, answered_by=bob.id
    )
    with pytest.raises(Conflict):
        await store.answer_invitation(*accept(invitation, session, attendees, bob, NOW), [], NOW)


async def test_an_answer_after_another_saves_nothing(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    cat = await make_rep(store, "cat", "Cat")
    sales = await store.create_portal("sales", "Sales", [], "")
    session, attendees = await picked_up_by(store, ann, await open_session(store))
    invitation = await offered(store, session, attendees, ann, to_portal=sales)
    await store.answer_invitation(*accept(invitation, session, attendees, bob, NOW), [], NOW)
    last_seq = await store.last_seq(session.id)

    # Cat read the invitation while it was still pending, and declines it now.
    answered, note = decline(invitation, cat, NOW)
    with pytest.raises(Conflict):
        await store.answer_invitation(answered, None, [note], NOW)

    assert await store.last_seq(session.id) == last_seq


async def test_answering_an_expired_or_unknown_invitation_saves_nothing(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    session, attendees = await picked_up_by(store, ann, await open_session(store))
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


# Scripted messages and URLs --------------------------------------------------------------


async def positions_of(store: SqlStore, kind: ScriptKind, rep_id: int) -> list[Any]:
    """[(category name, position, [(script title, position)...])...] as listed."""
    return [
        (c.name, c.position, [(s.title, s.position) for s in scripts])
        for c, scripts in await store.script_categories(kind, rep_id)
    ]


async def test_categories_and_scripts_are_appended_last_and_read_back(store: SqlStore) -> None:
    ann = await make_rep(store)
    greetings = await store.create_script_category(ScriptKind.MESSAGE, None, "Greetings")
    closing = await store.create_script_category(ScriptKind.MESSAGE, None, "Closing")
    hello = await store.create_script(greetings.id, "Hello", "Hello {customer.name}!")
    morning = await store.create_script(greetings.id, "Morning", "Good morning.")

    assert (greetings.position, closing.position) == (0, 1)
    assert (hello.position, morning.position) == (0, 1)
    assert await store.get_script_category(greetings.id) == greetings
    assert await store.get_script(hello.id) == hello
    assert await store.script_categories(ScriptKind.MESSAGE, ann.id) == [
        (greetings, [hello, morning]),
        (closing, []),
    ]
    assert await store.get_script_category(closing.id + 100) is None
    assert await store.get_script(morning.id + 100) is None


async def test_team_library_comes_first_and_personal_libraries_stay_personal(
    store: SqlStore,
) -> None:
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    # Created personal-first, so listing order cannot come from ids alone.
    anns = await store.create_script_category(ScriptKind.MESSAGE, ann.id, "Ann's")
    bobs = await store.create_script_category(ScriptKind.MESSAGE, bob.id, "Bob's")
    team = await store.create_script_category(ScriptKind.MESSAGE, None, "Team")
    links = await store.create_script_category(ScriptKind.URL, None, "Links")

    assert (anns.position, bobs.position, team.position, links.position) == (0, 0, 0, 0)
    assert [c for c, _ in await store.script_categories(ScriptKind.MESSAGE, ann.id)] == [
        team,
        anns,
    ]
    assert [c for c, _ in await store.script_categories(ScriptKind.MESSAGE, bob.id)] == [
        team,
        bobs,
    ]
    assert [c for c, _ in await store.script_categories(ScriptKind.URL, ann.id)] == [links]


async def test_updated_script_and_renamed_category_read_back(store: SqlStore) -> None:
    category = await store.create_script_category(ScriptKind.URL, None, "Links")
    script = await store.create_script(category.id, "Docs", "https://example.com/docs")

    await store.rename_script_category(category.id, "Useful links")
    await store.update_script(script.id, "Manual", "https://example.com/manual")

    assert await store.get_script_category(category.id) == replace(category, name="Useful links")
    assert await store.get_script(script.id) == replace(
        script, title="Manual", text="https://example.com/manual"
    )


async def test_changing_unknown_scripts_or_categories_is_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        await store.create_script(404, "T", "x")
    with pytest.raises(NotFound):
        await store.rename_script_category(404, "x")
    with pytest.raises(NotFound):
        await store.delete_script_category(404)
    with pytest.raises(NotFound):
        await store.reorder_scripts(404, [])
    with pytest.raises(NotFound):
        await store.update_script(404, "T", "x")
    with pytest.raises(NotFound):
        await store.delete_script(404)
    with pytest.raises(NotFound):
        await store.create_script_category(ScriptKind.MESSAGE, 404, "x")


async def test_deleting_a_script_closes_the_gap(store: SqlStore) -> None:
    ann = await make_rep(store)
    category = await store.create_script_category(ScriptKind.MESSAGE, ann.id, "Mine")
    first, second, third = [
        await store.create_script(category.id, title, "text") for title in ("A", "B", "C")
    ]

    await store.delete_script(second.id)

    assert await store.get_script(second.id) is None
    assert await positions_of(store, ScriptKind.MESSAGE, ann.id) == [
        ("Mine", 0, [("A", 0), ("C", 1)])
    ]
    assert (await store.get_script(third.id)) == replace(third, position=1)
    assert (await store.get_script(first.id)) == first


async def test_deleting_a_category_deletes_its_scripts_and_closes_the_gap(
    store: SqlStore,
) -> None:
    ann = await make_rep(store)
    first = await store.create_script_category(ScriptKind.MESSAGE, None, "First")
    doomed = await store.create_script_category(ScriptKind.MESSAGE, None, "Doomed")
    await store.create_script_category(ScriptKind.MESSAGE, None, "Last")
    kept = await store.create_script(first.id, "Kept", "x")
    gone = [await store.create_script(doomed.id, title, "x") for title in ("A", "B")]

    await store.delete_script_category(doomed.id)

    assert await store.get_script_category(doomed.id) is None
    assert [await store.get_script(s.id) for s in gone] == [None, None]
    assert await store.get_script(kept.id) == kept
    assert await positions_of(store, ScriptKind.MESSAGE, ann.id) == [
        ("First", 0, [("Kept", 0)]),
        ("Last", 1, []),
    ]


async def test_reordering_categories_keeps_positions_dense_and_libraries_apart(
    store: SqlStore,
) -> None:
    ann = await make_rep(store)
    a, b, c = [
        await store.create_script_category(ScriptKind.MESSAGE, None, name)
        for name in ("A", "B", "C")
    ]
    mine = await store.create_script_category(ScriptKind.MESSAGE, ann.id, "Mine")

    await store.reorder_script_categories(ScriptKind.MESSAGE, None, [c.id, a.id, b.id])

    assert await positions_of(store, ScriptKind.MESSAGE, ann.id) == [
        ("C", 0, []),
        ("A", 1, []),
        ("B", 2, []),
        ("Mine", 0, []),
    ]
    # The personal category is not part of the team's library.
    with pytest.raises(Conflict):
        await store.reorder_script_categories(ScriptKind.MESSAGE, None, [mine.id, c.id, a.id, b.id])
    assert await store.get_script_category(mine.id) == mine


async def test_reordering_scripts_keeps_positions_dense(store: SqlStore) -> None:
    ann = await make_rep(store)
    category = await store.create_script_category(ScriptKind.MESSAGE, None, "Cat")
    a, b, c = [await store.create_script(category.id, title, "x") for title in ("A", "B", "C")]

    await store.reorder_scripts(category.id, [b.id, c.id, a.id])

    assert await positions_of(store, ScriptKind.MESSAGE, ann.id) == [
        ("Cat", 0, [("B", 0), ("C", 1), ("A", 2)])
    ]


async def test_a_reorder_from_a_stale_list_is_a_conflict_and_changes_nothing(
    store: SqlStore,
) -> None:
    ann = await make_rep(store)
    category = await store.create_script_category(ScriptKind.MESSAGE, None, "Cat")
    a, b = [await store.create_script(category.id, title, "x") for title in ("A", "B")]
    await store.create_script(category.id, "Added meanwhile", "x")
    before = await positions_of(store, ScriptKind.MESSAGE, ann.id)

    with pytest.raises(Conflict):
        await store.reorder_scripts(category.id, [b.id, a.id])
    with pytest.raises(Conflict):
        await store.reorder_script_categories(ScriptKind.MESSAGE, None, [])

    assert await positions_of(store, ScriptKind.MESSAGE, ann.id) == before


async def test_concurrent_additions_get_distinct_dense_positions(store: SqlStore) -> None:
    ann = await make_rep(store)
    categories = await asyncio.gather(
        *(store.create_script_category(ScriptKind.MESSAGE, None, f"C{i}") for i in range(8))
    )
    first = categories[0]
    scripts_ = await asyncio.gather(
        *(store.create_script(first.id, f"S{i}", "x") for i in range(8))
    )

    assert sorted(c.position for c in categories) == list(range(8))
    assert sorted(s.position for s in scripts_) == list(range(8))
    listed = await positions_of(store, ScriptKind.MESSAGE, ann.id)
    assert [position for _, position, _ in listed] == list(range(8))


# History search ------------------------------------------------------------------------------


async def search(store: SqlStore, **filters: Any) -> list[str]:
    """The public ids found, in the order given, checked against the total."""
    found, total = await store.search_sessions(HistoryQuery(**filters))
    if filters.get("limit") is None and filters.get("offset") is None:
        assert total == len(found)
    return [s.public_id for s in found]


async def test_search_finds_a_session_by_a_word_from_its_chat(store: SqlStore) -> None:
    fire = await open_session(store, "AAAA-0001")
    await open_session(store, "AAAA-0002")
    await store.append(fire.id, chat("The toner cartridge is smoking"), NOW)

    assert await search(store, text="cartridge") == ["AAAA-0001"]
    assert await search(store, text="CARTRIDGE") == ["AAAA-0001"]
    assert await search(store, text="cartridges") == []
    assert await search(store, text="bluetooth") == []


async def test_search_finds_sessions_by_customer_name_and_query(store: SqlStore) -> None:
    await open_session(store, "AAAA-0001")

    assert await search(store, text="Casey") == ["AAAA-0001"]
    assert await search(store, text="printer") == ["AAAA-0001"]


async def test_search_covers_notes_private_lines_and_status_notes(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Annabel")
    session = await open_session(store, "AAAA-0001")
    await picked_up_by(store, ann, session)
    note = EventDraft(
        EventKind.NOTE, Audience.representatives(), ann_author(ann), {"text": "escalate tier2"}
    )
    private = EventDraft(
        EventKind.MESSAGE, Audience.one(ann.id), ann_author(ann), {"text": "psst colleague"}
    )
    await store.append(session.id, note, NOW)
    await store.append(session.id, private, NOW)

    assert await search(store, text="Annabel picked") == ["AAAA-0001"]  # the status note
    assert await search(store, text="tier2") == ["AAAA-0001"]
    assert await search(store, text="colleague") == ["AAAA-0001"]


def ann_author(rep: Representative) -> Author:
    return Author.representative(rep.id, rep.display_name)


async def test_every_word_must_occur_but_not_in_the_same_line(store: SqlStore) -> None:
    both = await open_session(store, "AAAA-0001")
    one = await open_session(store, "AAAA-0002")
    await store.append(both.id, chat("router reboots"), NOW)
    await store.append(both.id, chat("firmware 2.1"), NOW)
    await store.append(one.id, chat("router only"), NOW)

    assert await search(store, text="router firmware") == ["AAAA-0001"]
    assert await search(store, text="router") == ["AAAA-0002", "AAAA-0001"]
    assert await search(store, text="router  printer  firmware") == ["AAAA-0001"]


async def test_a_word_with_punctuation_inside_matches_as_written(store: SqlStore) -> None:
    session = await open_session(store, "AAAA-0001")
    await store.append(session.id, chat("write to help@example.com please"), NOW)

    assert await search(store, text="help@example.com") == ["AAAA-0001"]
    assert await search(store, text="nobody@example.com") == []


async def test_query_syntax_and_punctuation_in_the_text_are_just_text(store: SqlStore) -> None:
    session = await open_session(store, "AAAA-0001")
    await store.append(session.id, chat('He said "near" OR not, col:umn'), NOW)

    for only_punctuation in ("!", '"', "...", "* - + :", "()", "'"):
        assert await search(store, text=only_punctuation) == []
    for syntax in ('"near', "NEAR(", "OR", "col:umn", "near*", "not -x", "content:near"):
        await search(store, text=syntax)  # never a database error
    assert await search(store, text='"near"') == ["AAAA-0001"]
    assert await search(store, text="OR") == ["AAAA-0001"]


async def test_blank_text_filters_nothing(store: SqlStore) -> None:
    await open_session(store, "AAAA-0001")

    assert await search(store, text="   ") == ["AAAA-0001"]
    assert await search(store) == ["AAAA-0001"]


async def test_search_filters_combine(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    sales = await store.create_portal("sales", "Sales", [], "")
    billing = await store.create_portal("billing", "Billing", [], "")
    day = timedelta(days=1)
    # (public id, portal, representative, outcome, started)
    made = [
        ("AAAA-0001", sales, ann, Outcome.RESOLVED, NOW),
        ("AAAA-0002", sales, bob, Outcome.RESOLVED, NOW + day),
        ("AAAA-0003", billing, ann, Outcome.UNRESOLVED, NOW + 2 * day),
        ("AAAA-0004", sales, ann, None, NOW + 3 * day),
    ]
    for public_id, portal, rep, outcome, started in made:
        session = await open_session(store, public_id, portal.id, started_at=started)
        picked, attendees = await picked_up_by(store, rep, session, started)
        await store.append(session.id, chat("password reset"), started)
        if outcome is not None:
            await store.apply(
                end(picked, attendees, as_author(rep), started, outcome=outcome), started
            )
    waiting = await open_session(store, "AAAA-0005", sales.id, started_at=NOW + 4 * day)
    await store.append(waiting.id, chat("password reset"), NOW + 4 * day)

    assert await search(store, text="password") == [
        "AAAA-0005",
        "AAAA-0004",
        "AAAA-0003",
        "AAAA-0002",
        "AAAA-0001",
    ]
    assert await search(store, portal_id=sales.id, rep_id=ann.id) == ["AAAA-0004", "AAAA-0001"]
    assert await search(store, rep_id=ann.id, outcome=Outcome.RESOLVED) == ["AAAA-0001"]
    assert await search(store, outcome=Outcome.RESOLVED, text="reset") == [
        "AAAA-0002",
        "AAAA-0001",
    ]
    assert await search(store, started_from=NOW + day, started_before=NOW + 3 * day) == [
        "AAAA-0003",
        "AAAA-0002",
    ]
    assert await search(store, status=SessionStatus.WAITING) == ["AAAA-0005"]
    assert await search(store, status=SessionStatus.ACTIVE, rep_id=ann.id) == ["AAAA-0004"]
    assert await search(store, portal_id=billing.id, rep_id=bob.id) == []
    assert await search(store, portal_id=sales.id, text="password nothing") == []


async def test_search_pages_newest_first_and_counts_every_match(store: SqlStore) -> None:
    for n in range(5):
        await open_session(store, f"AAAA-000{n}", started_at=NOW + timedelta(minutes=n))

    page, total = await store.search_sessions(HistoryQuery(text="printer", limit=2, offset=1))

    assert total == 5
    assert [s.public_id for s in page] == ["AAAA-0003", "AAAA-0002"]
    last, total = await store.search_sessions(HistoryQuery(limit=2, offset=4))
    assert ([s.public_id for s in last], total) == (["AAAA-0000"], 5)


async def test_search_returns_whole_sessions(store: SqlStore) -> None:
    ann = await make_rep(store)
    session, attendees = await picked_up_by(store, ann, await open_session(store))
    ended = end(session, attendees, as_author(ann), LATER, outcome=Outcome.UNKNOWN, end_notes="n/a")
    await store.apply(ended, LATER)

    found, total = await store.search_sessions(HistoryQuery(text="fire"))

    assert (found, total) == ([ended.session], 1)


# Migrations -------------------------------------------------------------------------------


async def migrate_to(url: str, revision: str) -> None:
    """Like ``helpline.store.migrate.upgrade``, but stopping at ``revision``."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    engine = create_engine(url)
    try:
        async with for_writes(engine).begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()


async def test_upgrade_from_the_first_schema_indexes_the_conversations_already_stored(
    store_url: str,
) -> None:
    await migrate_to(store_url, "0001")
    assert await current_revision(store_url) == "0001"
    engine = create_engine(store_url)
    try:
        async with for_writes(engine).begin() as connection:
            # Only the columns the first schema has.
            portal_id = await connection.scalar(
                insert(portals)
                .values(slug="sales", name="Sales", fields="", greeting="")
                .returning(portals.c.id)
            )
            session_id = await connection.scalar(
                insert(sessions)
                .values(
                    public_id="OLD0-0001",
                    portal_id=portal_id,
                    status="ended",
                    started_at=NOW,
                    customer_name="Olga Oldtimer",
                    query="Fax machine jammed",
                    client_os="Windows XP",
                    client_browser="Internet Explorer 6",
                    last_seq=2,
                    extra={},
                    ended_at=LATER,
                    ended_by="Ann",
                )
                .returning(sessions.c.id)
            )
            common = {
                "session_id": session_id,
                "created_at": NOW,
                "audience_kind": "everyone",
                "author_kind": "customer",
                "author_rep_id": None,
                "audience_rep_id": None,
                "author_name": "Olga Oldtimer",
                "author_key": "customer",
                "internal": {},
                "reveals_masked": False,
                "client_id": None,
            }
            await connection.execute(
                insert(events),
                [
                    {**common, "seq": 1, "kind": "message", "body": {"text": "paper everywhere"}},
                    {**common, "seq": 2, "kind": "consent_answered", "body": {"granted": True}},
                ],
            )
    finally:
        await engine.dispose()

    await upgrade(store_url)

    assert await current_revision(store_url) == head_revision()
    upgraded = SqlStore(create_engine(store_url))
    try:
        assert await search(upgraded, text="paper") == ["OLD0-0001"]
        assert await search(upgraded, text="Olga fax") == ["OLD0-0001"]
        old = await upgraded.get_session(session_id)
        assert old is not None
        assert (old.outcome, old.end_notes) == (None, "")
        # New text in the old session is indexed as it is appended.
        await upgraded.append(session_id, chat("still jammed"), LATER)
        assert await search(upgraded, text="still") == ["OLD0-0001"]
        # The events already stored were chained by the upgrade, the new one after them.
        chain = await upgraded.chain_of(session_id)
        check = LogCheck(chain.public_id, chain.salt)
        check.feed(await upgraded.events_after(session_id, 0))
        assert check.finish(chain.last_seq, chain.head) is None
        assert chain.last_seq == 3
    finally:
        await upgraded.close()


async def test_migrations_create_the_schema_that_tables_describe_besides_the_search_index(
    store_url: str,
) -> None:
    await upgrade(store_url)

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": is_described}
        )
        return list(compare_metadata(context, metadata))

    engine = create_engine(store_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(differences)
    finally:
        await engine.dispose()
    assert diff == []
