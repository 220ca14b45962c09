"""The store's sessions, on real SQLite and PostgreSQL: opened with their first note,
tokens that open one session, changes applied whole, one winner of a pick-up race."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from helpline.domain.errors import Conflict, NotFound
from helpline.domain.events import (
    Audience,
)
from helpline.domain.portals import PortalField
from helpline.domain.sessions import (
    AttendeeRole,
    Change,
    ClientInfo,
    SessionStatus,
    SupportSession,
    add_representative,
    as_author,
    end,
    leave,
    pick_up,
    start_with_representative,
)
from helpline.store import sessions as sessions_store
from helpline.store.sql import SqlStore
from tests.integration import test_store as contract
from tests.integration.test_store import (
    LATER,
    NOW,
    chat,
    customer_arrives,
    make_rep,
    new_session,
    open_session,
    seqs,
)

# The contract's fixtures: every test here runs on a fresh database of each kind.
store_url = contract.store_url
store = contract.store


# Sessions ------------------------------------------------------------------------------


async def test_new_session_waits_with_its_opening_note_in_the_log(store: SqlStore) -> None:
    portal = await store.create_portal("sales", "Sales", [PortalField.EMAIL], "")

    session, notes = await store.create_session(
        new_session(portal_id=portal.id), NOW, customer_arrives
    )

    assert session == SupportSession(
        id=session.id,
        public_id="ABCD-0001",
        portal_id=portal.id,
        status=SessionStatus.WAITING,
        started_at=NOW,
        customer_name="Casey Customer",
        query="My printer is on fire",
        client=ClientInfo(os="Windows 11", browser="Firefox 140"),
        extra=(("email", "casey@example.com"),),
    )
    assert seqs(notes) == [1]
    assert notes[0].body["action"] == "customer_joined"
    assert await store.get_session(session.id) == session
    assert await store.get_session_by_public_id("ABCD-0001") == session
    assert await store.events_after(session.id, 0) == notes
    assert await store.last_seq(session.id) == 1


async def test_opening_change_is_saved_with_the_session(store: SqlStore) -> None:
    ann = await make_rep(store)

    session, notes = await store.create_session(
        new_session(),
        NOW,
        lambda created: start_with_representative(created, ann, NOW),
    )

    assert session.status is SessionStatus.ACTIVE
    assert session.primary_rep_id == ann.id
    assert seqs(notes) == [1, 2]
    assert [n.body["action"] for n in notes] == ["customer_joined", "rep_joined"]
    (attendee,) = await store.list_attendees(session.id)
    assert (attendee.rep_id, attendee.role, attendee.present) == (
        ann.id,
        AttendeeRole.PRIMARY,
        True,
    )
    assert await store.open_sessions_of(ann.id) == [session]


async def test_a_failing_opening_leaves_nothing_behind(store: SqlStore) -> None:
    def refuse(_: SupportSession) -> Change:
        raise Conflict("no")

    with pytest.raises(Conflict):
        await store.create_session(new_session(), NOW, refuse)

    assert await store.get_session_by_public_id("ABCD-0001") is None
    assert await store.session_for_token(b"token-1", NOW) is None


async def test_taken_public_id_is_a_conflict(store: SqlStore) -> None:
    first = await open_session(store, "ABCD-0001")

    with pytest.raises(Conflict):
        await store.create_session(new_session("ABCD-0001", token=b"other"), NOW, customer_arrives)
    assert await store.get_session_by_public_id("ABCD-0001") == first
    assert await store.session_for_token(b"other", NOW) is None


async def test_session_in_unknown_portal_is_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        await store.create_session(new_session(portal_id=4242), NOW, customer_arrives)


async def test_customer_token_opens_its_session_only_until_it_expires(store: SqlStore) -> None:
    expires = NOW + timedelta(hours=1)
    mine, _ = await store.create_session(
        new_session("AAAA-0001", token=b"mine", token_expires_at=expires), NOW, customer_arrives
    )
    theirs, _ = await store.create_session(
        new_session("AAAA-0002", token=b"theirs"), NOW, customer_arrives
    )

    assert await store.session_for_token(b"mine", NOW) == mine.id
    assert await store.session_for_token(b"theirs", NOW) == theirs.id
    assert await store.session_for_token(b"mine", expires - timedelta(seconds=1)) == mine.id
    assert await store.session_for_token(b"mine", expires) is None
    assert await store.session_for_token(b"nobody", NOW) is None


async def test_unknown_session_is_none(store: SqlStore) -> None:
    assert await store.get_session(777) is None
    assert await store.get_session_by_public_id("ZZZZ-ZZZZ") is None
    assert await store.list_attendees(777) == []


async def test_apply_saves_the_session_its_attendees_and_notes(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    session = await open_session(store)

    picked = pick_up(session, [], ann, 0, NOW)
    notes = await store.apply(picked, NOW)
    assert seqs(notes) == [2]

    invited = add_representative(picked.session, picked.attendees, ann, bob, True, LATER)
    notes = await store.apply(invited, LATER)
    assert seqs(notes) == [3]
    assert notes[0].audience == Audience.representatives()
    assert notes[0].reveals_masked

    stored = await store.get_session(session.id)
    assert stored == replace(session, status=SessionStatus.ACTIVE, primary_rep_id=ann.id)
    assert await store.list_attendees(session.id) == list(invited.attendees)

    ended = end(invited.session, invited.attendees, as_author(ann), LATER)
    await store.apply(ended, LATER)

    stored = await store.get_session(session.id)
    assert stored is not None
    assert (stored.status, stored.ended_at, stored.ended_by) == (
        SessionStatus.ENDED,
        LATER,
        "Ann",
    )
    # Who was there at the end stays recorded as there: they may still read the log.
    assert all(a.present for a in await store.list_attendees(session.id))
    assert seqs(await store.events_after(session.id, 0)) == [1, 2, 3, 4]


async def test_many_sessions_are_read_with_their_attendees_as_one_by_one(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two ids per read, so that three sessions and an unknown id take two reads.
    monkeypatch.setattr(sessions_store, "_IDS_PER_READ", 2)
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    waiting = await open_session(store, "ABCD-0001")
    picked = pick_up(await open_session(store, "ABCD-0002"), [], ann, 0, NOW)
    await store.apply(picked, NOW)
    invited = add_representative(picked.session, picked.attendees, ann, bob, True, LATER)
    await store.apply(invited, LATER)
    alone = pick_up(await open_session(store, "ABCD-0003"), [], bob, 0, NOW)
    await store.apply(alone, NOW)

    ids = [alone.session.id, 10_000, waiting.id, invited.session.id, waiting.id]
    read = await store.sessions_with_attendees(ids)

    one_by_one = []
    for session_id in sorted({waiting.id, invited.session.id, alone.session.id}):
        session = await store.get_session(session_id)
        assert session is not None
        one_by_one.append((session, await store.list_attendees(session_id)))
    assert read == one_by_one
    assert [len(attendees) for _, attendees in read] == [0, 2, 1]
    assert await store.sessions_with_attendees([]) == []

    of = await store.attendees_of(ids)
    assert of == {i: await store.list_attendees(i) for i in ids}
    assert [len(of[i]) for i in (waiting.id, invited.session.id, alone.session.id, 10_000)] == [
        0,
        2,
        1,
        0,
    ]
    assert await store.attendees_of([]) == {}


async def test_a_sessions_state_is_its_row_last_seq_attendees_and_the_events_asked_for(
    store: SqlStore,
) -> None:
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    picked = pick_up(await open_session(store), [], ann, 0, NOW)
    await store.apply(picked, NOW)
    invited = add_representative(picked.session, picked.attendees, ann, bob, True, LATER)
    await store.apply(invited, LATER)
    await store.append(picked.session.id, chat("Hello"), LATER)
    session_id = picked.session.id
    last = await store.last_seq(session_id)

    state = await store.session_state(session_id, 0)

    assert state is not None
    assert state.session == await store.get_session(session_id)
    assert state.last_seq == last > 2
    assert state.attendees == await store.list_attendees(session_id)
    assert [(a.rep_id, a.masked) for a in state.attendees] == [(ann.id, False), (bob.id, True)]
    assert state.events == await store.events_after(session_id, 0)
    assert seqs(state.events) == list(range(1, last + 1))
    # From a later seq, and at most as many as asked for; none for a client that is current.
    later = await store.session_state(session_id, 1, limit=2)
    assert later is not None and seqs(later.events) == [2, 3]
    current = await store.session_state(session_id, last)
    assert current is not None and current.events == [] and current.last_seq == last
    assert await store.session_state(10_000, 0) is None


async def test_pick_up_race_has_one_winner(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    session = await open_session(store)
    by_ann = pick_up(session, [], ann, 0, NOW)
    by_bob = pick_up(session, [], bob, 0, NOW)

    results = await asyncio.gather(
        store.apply(by_ann, NOW, expected_status=SessionStatus.WAITING),
        store.apply(by_bob, NOW, expected_status=SessionStatus.WAITING),
        return_exceptions=True,
    )

    winners = [r for r in results if isinstance(r, list)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert (len(winners), len(losers)) == (1, 1), results
    winner = ann if results[0] is winners[0] else bob
    stored = await store.get_session(session.id)
    assert stored is not None
    assert stored.primary_rep_id == winner.id
    assert [a.rep_id for a in await store.list_attendees(session.id)] == [winner.id]
    picked_notes = [
        e for e in await store.events_after(session.id, 0) if e.body.get("action") == "picked_up"
    ]
    assert len(picked_notes) == 1


async def test_apply_with_stale_expected_status_changes_nothing(store: SqlStore) -> None:
    ann = await make_rep(store)
    session = await open_session(store)

    with pytest.raises(Conflict):
        await store.apply(
            pick_up(session, [], ann, 0, NOW), NOW, expected_status=SessionStatus.ACTIVE
        )

    assert await store.get_session(session.id) == session
    assert await store.list_attendees(session.id) == []
    assert await store.last_seq(session.id) == 1


async def test_apply_to_unknown_session_is_not_found(store: SqlStore) -> None:
    session = await open_session(store)
    ghost = replace(session, id=session.id + 100)

    with pytest.raises(NotFound):
        await store.apply(customer_arrives(ghost), NOW)
    with pytest.raises(NotFound):
        await store.apply(customer_arrives(ghost), NOW, expected_status=SessionStatus.WAITING)


async def test_waiting_sessions_are_listed_per_portal_oldest_first(store: SqlStore) -> None:
    ann = await make_rep(store)
    sales = await store.create_portal("sales", "Sales", [], "")
    billing = await store.create_portal("billing", "Billing", [], "")
    newer = await open_session(store, "AAAA-0001", sales.id, started_at=LATER)
    older = await open_session(store, "AAAA-0002", sales.id, started_at=NOW)
    other_portal = await open_session(store, "AAAA-0003", billing.id)
    picked = await open_session(store, "AAAA-0004", sales.id)
    await store.apply(pick_up(picked, [], ann, 0, NOW), NOW)

    assert await store.waiting_sessions([sales.id]) == [older, newer]
    assert await store.waiting_sessions([billing.id]) == [other_portal]
    assert await store.waiting_sessions([sales.id, billing.id]) == [older, other_portal, newer]
    assert await store.waiting_sessions([]) == []


async def test_open_sessions_of_a_representative_leave_out_ended_and_left_ones(
    store: SqlStore,
) -> None:
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    kept = await open_session(store, "AAAA-0001")
    left = await open_session(store, "AAAA-0002")
    ended = await open_session(store, "AAAA-0003")
    for session in (kept, left, ended):
        await store.apply(pick_up(session, [], ann, 0, NOW), NOW)
    left_change = leave(
        replace(left, status=SessionStatus.ACTIVE, primary_rep_id=ann.id),
        await store.list_attendees(left.id),
        ann.id,
        NOW,
    )
    await store.apply(left_change, NOW)
    ended_change = end(
        replace(ended, status=SessionStatus.ACTIVE, primary_rep_id=ann.id),
        await store.list_attendees(ended.id),
        as_author(ann),
        NOW,
    )
    await store.apply(ended_change, NOW)

    assert [s.id for s in await store.open_sessions_of(ann.id)] == [kept.id]
    assert await store.open_sessions_of(bob.id) == []
