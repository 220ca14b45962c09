"""The store's contract, run against real SQLite and real PostgreSQL.

Every test runs once per database (ids ``sqlite`` and ``postgresql``), on a fresh
database migrated with the same ``upgrade`` the server runs. The tests read as the
promises the rest of Helpline relies on: gapless ``seq`` under concurrency, idempotent
resends, single-use codes, one winner of a pick-up race, and nothing acknowledged lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from helpline.domain.codes import SessionCode
from helpline.domain.drafting import say, seal, status
from helpline.domain.errors import Conflict, Expired, NotFound
from helpline.domain.events import (
    Audience,
    Author,
    Event,
    EventDraft,
    EventKind,
)
from helpline.domain.people import Preferences, Representative, Role
from helpline.domain.portals import PortalField
from helpline.domain.sessions import (
    AttendeeRole,
    Change,
    ClientInfo,
    SessionStatus,
    SupportSession,
    add_representative,
    as_author,
    customer_joined,
    end,
    leave,
    pick_up,
    start_with_representative,
)
from helpline.store.database import async_url, create_engine, sqlite_url_for
from helpline.store.migrate import current_revision, head_revision, upgrade
from helpline.store.protocol import NewSession
from helpline.store.sql import SqlStore

NOW = datetime(2025, 3, 4, 10, 0, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(
        "sqlite_url" if request.param == "sqlite" else "postgres_url"
    )
    return url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[SqlStore]:
    await upgrade(store_url)
    opened = SqlStore(create_engine(store_url))
    try:
        yield opened
    finally:
        await opened.close()


# Building blocks ---------------------------------------------------------------------


async def make_rep(store: SqlStore, username: str = "ann", name: str = "Ann") -> Representative:
    return await store.create_representative(
        username, name, Role.REPRESENTATIVE, f"hash-of-{username}", NOW
    )


def new_session(
    public_id: str = "ABCD-0001",
    portal_id: int | None = None,
    token: bytes = b"token-1",
    token_expires_at: datetime = NOW + timedelta(hours=1),
) -> NewSession:
    return NewSession(
        public_id=public_id,
        portal_id=portal_id,
        customer_name="Casey Customer",
        query="My printer is on fire",
        client=ClientInfo(os="Windows 11", browser="Firefox 140"),
        token_hash=token,
        token_expires_at=token_expires_at,
        extra=(("email", "casey@example.com"),),
    )


def customer_arrives(session: SupportSession) -> Change:
    return Change(session, (), (customer_joined(session),))


async def open_session(
    store: SqlStore,
    public_id: str = "ABCD-0001",
    portal_id: int | None = None,
    started_at: datetime = NOW,
) -> SupportSession:
    session, _ = await store.create_session(
        new_session(public_id, portal_id, token=public_id.encode()), started_at, customer_arrives
    )
    return session


def chat(text_: str, client_id: str | None = None, author: Author | None = None) -> EventDraft:
    return EventDraft(
        kind=EventKind.MESSAGE,
        audience=Audience.everyone(),
        author=author or Author.customer("Casey Customer"),
        body={"text": text_},
        client_id=client_id,
    )


def seqs(events: list[Event]) -> list[int]:
    return [event.seq for event in events]


# Representatives -----------------------------------------------------------------------


async def test_created_representative_reads_back_with_default_preferences(
    store: SqlStore,
) -> None:
    created = await store.create_representative("ann", "Ann A", Role.MANAGER, "argon2$x", NOW)

    assert created == Representative(created.id, "ann", "Ann A", Role.MANAGER)
    assert await store.get_representative(created.id) == created
    assert created.preferences == Preferences()


async def test_taken_username_is_a_conflict(store: SqlStore) -> None:
    await make_rep(store, "ann")

    with pytest.raises(Conflict):
        await make_rep(store, "ann", "Another Ann")
    assert await store.count_representatives() == 1


async def test_unknown_representative_is_none(store: SqlStore) -> None:
    assert await store.get_representative(12345) is None


async def test_find_login_returns_the_representative_and_password_hash(store: SqlStore) -> None:
    ann = await make_rep(store, "ann")

    assert await store.find_login("ann") == (ann, "hash-of-ann")
    assert await store.find_login("bob") is None


async def test_representatives_are_listed_in_creation_order_and_counted(
    store: SqlStore,
) -> None:
    bob = await make_rep(store, "bob", "Bob")
    ann = await make_rep(store, "ann", "Ann")

    assert await store.list_representatives() == [bob, ann]
    assert await store.count_representatives() == 2


async def test_password_hash_can_be_replaced(store: SqlStore) -> None:
    ann = await make_rep(store)

    await store.set_password_hash(ann.id, "new-hash")

    found = await store.find_login("ann")
    assert found is not None
    assert found[1] == "new-hash"


async def test_saved_preferences_are_read_back(store: SqlStore) -> None:
    ann = await make_rep(store)
    chosen = Preferences().updated({"font_size": 18, "chat_sound": True})

    await store.save_preferences(ann.id, chosen)

    stored = await store.get_representative(ann.id)
    assert stored is not None
    assert stored.preferences == chosen


async def test_changing_an_unknown_representative_is_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        await store.set_password_hash(999, "x")
    with pytest.raises(NotFound):
        await store.save_preferences(999, Preferences())


# Console logins ------------------------------------------------------------------------


async def test_login_names_its_representative_only_until_it_expires(store: SqlStore) -> None:
    ann = await make_rep(store)
    await store.create_login(b"login-token", ann.id, NOW, LATER)

    assert await store.rep_for_login(b"login-token", NOW) == ann.id
    assert await store.rep_for_login(b"login-token", LATER) is None
    assert await store.rep_for_login(b"other-token", NOW) is None


async def test_deleted_login_names_nobody(store: SqlStore) -> None:
    ann = await make_rep(store)
    await store.create_login(b"login-token", ann.id, NOW, LATER)

    await store.delete_login(b"login-token")
    await store.delete_login(b"login-token")

    assert await store.rep_for_login(b"login-token", NOW) is None


# Portals -------------------------------------------------------------------------------


async def test_created_portal_is_found_by_id_and_by_slug(store: SqlStore) -> None:
    portal = await store.create_portal(
        "billing", "Billing", [PortalField.PHONE, PortalField.EMAIL], "Hello!"
    )

    assert portal.fields == (PortalField.PHONE, PortalField.EMAIL)
    assert await store.get_portal(portal.id) == portal
    assert await store.get_portal_by_slug("billing") == portal
    assert await store.get_portal_by_slug("sales") is None
    assert await store.get_portal(portal.id + 100) is None


async def test_taken_portal_slug_is_a_conflict(store: SqlStore) -> None:
    await store.create_portal("billing", "Billing", [], "")

    with pytest.raises(Conflict):
        await store.create_portal("billing", "Billing again", [], "")
    assert len(await store.list_portals()) == 1


async def test_portals_are_listed_in_creation_order(store: SqlStore) -> None:
    sales = await store.create_portal("sales", "Sales", [], "")
    billing = await store.create_portal("billing", "Billing", [PortalField.COMPANY], "Hi")

    assert await store.list_portals() == [sales, billing]


async def test_portal_membership_is_idempotent_and_seen_from_both_sides(
    store: SqlStore,
) -> None:
    ann = await make_rep(store, "ann")
    bob = await make_rep(store, "bob")
    sales = await store.create_portal("sales", "Sales", [], "")
    billing = await store.create_portal("billing", "Billing", [], "")

    await store.add_portal_member(sales.id, ann.id)
    await store.add_portal_member(sales.id, ann.id)
    await store.add_portal_member(sales.id, bob.id)
    await store.add_portal_member(billing.id, ann.id)

    assert await store.members_of(sales.id) == [ann.id, bob.id]
    assert await store.members_of(billing.id) == [ann.id]
    assert await store.portals_of(ann.id) == [sales, billing]
    assert await store.portals_of(bob.id) == [sales]


async def test_membership_of_unknown_portal_or_representative_is_not_found(
    store: SqlStore,
) -> None:
    ann = await make_rep(store)
    sales = await store.create_portal("sales", "Sales", [], "")

    with pytest.raises(NotFound):
        await store.add_portal_member(sales.id + 100, ann.id)
    with pytest.raises(NotFound):
        await store.add_portal_member(sales.id, ann.id + 100)


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


# The log -------------------------------------------------------------------------------


async def test_appends_get_gapless_sequence_numbers_under_concurrency(store: SqlStore) -> None:
    session = await open_session(store)

    results = await asyncio.gather(
        *(store.append(session.id, chat(f"line {i}"), NOW) for i in range(50))
    )

    assert all(r.created for r in results)
    assert sorted(r.event.seq for r in results) == list(range(2, 52))
    logged = await store.events_after(session.id, 0)
    assert seqs(logged) == list(range(1, 52))
    assert {e.body["text"] for e in logged[1:]} == {f"line {i}" for i in range(50)}
    assert await store.last_seq(session.id) == 51


async def test_sequences_are_counted_per_session(store: SqlStore) -> None:
    first = await open_session(store, "AAAA-0001")
    second = await open_session(store, "AAAA-0002")

    await store.append(first.id, chat("a"), NOW)
    await store.append(first.id, chat("b"), NOW)
    appended = await store.append(second.id, chat("c"), NOW)

    assert appended.event.seq == 2
    assert await store.last_seq(first.id) == 3
    assert await store.last_seq(second.id) == 2


async def test_resend_with_same_client_id_returns_original_seq(store: SqlStore) -> None:
    session = await open_session(store)
    original = await store.append(session.id, chat("hello", client_id="c-1"), NOW)
    await store.append(session.id, chat("in between"), NOW)

    resent = await store.append(session.id, chat("hello", client_id="c-1"), LATER)

    assert original.created
    assert not resent.created
    assert resent.event == original.event
    assert await store.last_seq(session.id) == 3


async def test_racing_resends_make_one_event(store: SqlStore) -> None:
    session = await open_session(store)

    results = await asyncio.gather(
        *(store.append(session.id, chat("hello", client_id="c-1"), NOW) for _ in range(10))
    )

    assert [r.created for r in results].count(True) == 1
    assert {r.event.seq for r in results} == {2}
    assert seqs(await store.events_after(session.id, 0)) == [1, 2]


async def test_same_client_id_from_another_author_is_another_event(store: SqlStore) -> None:
    ann = await make_rep(store)
    session = await open_session(store)

    from_customer = await store.append(session.id, chat("hi", client_id="c-1"), NOW)
    from_ann = await store.append(
        session.id,
        chat("hi", client_id="c-1", author=Author.representative(ann.id, "Ann")),
        NOW,
    )

    assert from_customer.created
    assert from_ann.created
    assert (from_customer.event.seq, from_ann.event.seq) == (2, 3)


async def test_every_event_field_is_stored(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    session = await open_session(store)
    draft = EventDraft(
        kind=EventKind.MESSAGE,
        audience=Audience.one(bob.id),
        author=Author.representative(ann.id, "Ann"),
        body={"text": "psst, ünïcode ✓", "n": 3, "f": 1.5, "yes": True, "none": None},
        internal={"comment": "for reps"},
        reveals_masked=True,
        client_id="abc",
    )

    appended = await store.append(session.id, draft, NOW)
    (stored,) = await store.events_after(session.id, 1)

    assert stored == appended.event
    assert stored == Event.from_draft(draft, session.id, 2, NOW)
    assert stored.created_at.tzinfo is not None


async def test_status_notes_round_trip(store: SqlStore) -> None:
    session = await open_session(store)
    note = seal(
        status("url_pushed", say("Ann pushed a link."), extra={"url": "https://example.com"}), ()
    )

    appended = await store.append(session.id, note, NOW)

    assert await store.events_after(session.id, 1) == [appended.event]
    assert appended.event.author == Author.system()


async def test_events_after_returns_only_newer_events_in_order(store: SqlStore) -> None:
    session = await open_session(store)
    for i in range(5):
        await store.append(session.id, chat(f"line {i}"), NOW)

    assert seqs(await store.events_after(session.id, 3)) == [4, 5, 6]
    assert seqs(await store.events_after(session.id, 1, limit=2)) == [2, 3]
    assert await store.events_after(session.id, 6) == []


async def test_events_of_another_session_are_not_returned(store: SqlStore) -> None:
    mine = await open_session(store, "AAAA-0001")
    other = await open_session(store, "AAAA-0002")
    await store.append(other.id, chat("not yours"), NOW)

    assert seqs(await store.events_after(mine.id, 0)) == [1]


async def test_append_to_unknown_session_is_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        await store.append(4242, chat("hello?"), NOW)
    with pytest.raises(NotFound):
        await store.append(4242, chat("hello?", client_id="c-1"), NOW)
    with pytest.raises(NotFound):
        await store.last_seq(4242)


async def test_acknowledged_events_survive_closing_and_reopening_the_database(
    store_url: str,
) -> None:
    await upgrade(store_url)
    first = SqlStore(create_engine(store_url))
    session = await open_session(first)
    acknowledged = [(await first.append(session.id, chat(f"m{i}"), NOW)).event for i in range(3)]
    await first.close()

    reopened = SqlStore(create_engine(store_url))
    try:
        assert (await reopened.events_after(session.id, 1)) == acknowledged
        appended = await reopened.append(session.id, chat("after restart"), NOW)
        assert appended.event.seq == 5
    finally:
        await reopened.close()


async def test_times_are_stored_in_utc_and_read_back_aware(store: SqlStore) -> None:
    plus_two = timezone(timedelta(hours=2))
    local = datetime(2025, 3, 4, 12, 0, 0, tzinfo=plus_two)

    session = await open_session(store, started_at=local)

    stored = await store.get_session(session.id)
    assert stored is not None
    assert stored.started_at == NOW
    assert stored.started_at.utcoffset() == timedelta(0)


async def test_naive_times_are_refused(store: SqlStore) -> None:
    with pytest.raises(Exception, match="naive"):
        await store.create_representative(
            "ann", "Ann", Role.REPRESENTATIVE, "h", NOW.replace(tzinfo=None)
        )
    assert await store.count_representatives() == 0


# Session codes -------------------------------------------------------------------------


def code_of(rep_id: int, digits: str = "123456789", minutes: int = 20) -> SessionCode:
    return SessionCode(digits, rep_id, None, NOW, NOW + timedelta(minutes=minutes))


async def test_session_code_works_once(store: SqlStore) -> None:
    ann = await make_rep(store)
    await store.create_code(code_of(ann.id))

    results = await asyncio.gather(
        store.claim_code("123456789", LATER),
        store.claim_code("123456789", LATER),
        return_exceptions=True,
    )

    claimed = [r for r in results if isinstance(r, SessionCode)]
    refused = [r for r in results if isinstance(r, Expired)]
    assert (len(claimed), len(refused)) == (1, 1), results
    assert claimed[0] == replace(code_of(ann.id), used_at=LATER)
    assert "already used" in refused[0].message
    with pytest.raises(Expired, match="already used"):
        await store.claim_code("123456789", LATER)


async def test_expired_code_is_refused(store: SqlStore) -> None:
    ann = await make_rep(store)
    code = await store.create_code(code_of(ann.id, minutes=20))

    with pytest.raises(Expired, match="expired"):
        await store.claim_code(code.code, code.expires_at)
    assert await store.active_codes(ann.id, NOW) == [code]


async def test_a_join_link_redeems_its_code_once_and_expires_with_it(store: SqlStore) -> None:
    ann = await make_rep(store)
    linked = replace(code_of(ann.id, "100000001"), link_hash=b"L" * 32)
    await store.create_code(linked)
    lapsed = replace(code_of(ann.id, "100000002", minutes=1), link_hash=b"E" * 32)
    await store.create_code(lapsed)

    results = await asyncio.gather(
        store.claim_code_link(b"L" * 32, LATER),
        store.claim_code_link(b"L" * 32, LATER),
        return_exceptions=True,
    )
    assert [r for r in results if isinstance(r, SessionCode)] == [replace(linked, used_at=LATER)], (
        results
    )
    with pytest.raises(Expired, match="already used"):
        await store.claim_code("100000001", LATER)
    with pytest.raises(Expired, match="expired"):
        await store.claim_code_link(b"E" * 32, LATER)
    with pytest.raises(NotFound, match="new one"):
        await store.claim_code_link(b"X" * 32, NOW)


async def test_a_username_is_stored_and_found_in_its_one_form(store: SqlStore) -> None:
    made = await make_rep(store, "\u00a0Ann ")
    assert made.username == "ann"
    found = await store.find_login("ANN\t")
    assert found is not None and found[0].id == made.id
    with pytest.raises(Conflict):
        await make_rep(store, "\uff41\uff4e\uff4e")


async def test_unknown_code_is_not_found(store: SqlStore) -> None:
    ann = await make_rep(store)
    await store.create_code(code_of(ann.id, "111111111"))

    with pytest.raises(NotFound):
        await store.claim_code("222222222", NOW)


async def test_active_digits_cannot_be_issued_twice(store: SqlStore) -> None:
    ann = await make_rep(store, "ann")
    bob = await make_rep(store, "bob")
    await store.create_code(code_of(ann.id))

    with pytest.raises(Conflict):
        await store.create_code(code_of(bob.id))
    assert await store.active_codes(bob.id, NOW) == []


async def test_concurrent_issues_of_the_same_digits_have_one_winner(store: SqlStore) -> None:
    ann = await make_rep(store, "ann")
    bob = await make_rep(store, "bob")

    results = await asyncio.gather(
        store.create_code(code_of(ann.id)),
        store.create_code(code_of(bob.id)),
        return_exceptions=True,
    )

    assert sum(isinstance(r, SessionCode) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results


async def test_digits_are_reused_once_the_old_code_is_inactive(store: SqlStore) -> None:
    ann = await make_rep(store, "ann")
    bob = await make_rep(store, "bob")
    await store.create_code(code_of(ann.id))
    await store.claim_code("123456789", NOW)
    expired = SessionCode("987654321", ann.id, None, NOW - timedelta(hours=1), NOW)
    await store.create_code(expired)

    reissued = SessionCode("123456789", bob.id, None, LATER, LATER + timedelta(minutes=20))
    await store.create_code(reissued)
    await store.create_code(replace(expired, rep_id=bob.id, created_at=NOW, expires_at=LATER))

    claimed = await store.claim_code("123456789", LATER)
    assert (claimed.rep_id, claimed.used_at) == (bob.id, LATER)


async def test_active_codes_are_the_representatives_live_ones(store: SqlStore) -> None:
    ann = await make_rep(store, "ann")
    bob = await make_rep(store, "bob")
    live = await store.create_code(code_of(ann.id, "100000001", minutes=20))
    await store.create_code(code_of(ann.id, "100000002", minutes=1))
    await store.create_code(code_of(ann.id, "100000003", minutes=20))
    await store.claim_code("100000003", NOW)
    await store.create_code(code_of(bob.id, "100000004"))

    assert await store.active_codes(ann.id, LATER) == [live]


async def test_code_for_a_portal_keeps_its_portal(store: SqlStore) -> None:
    ann = await make_rep(store)
    sales = await store.create_portal("sales", "Sales", [], "")
    code = replace(code_of(ann.id), portal_id=sales.id)

    await store.create_code(code)

    assert (await store.claim_code(code.code, NOW)).portal_id == sales.id


async def test_cancelled_code_cannot_be_claimed_and_frees_its_digits(store: SqlStore) -> None:
    ann = await make_rep(store, "ann")
    bob = await make_rep(store, "bob")
    await store.create_code(code_of(ann.id))

    await store.cancel_code("123456789", bob.id)
    assert len(await store.active_codes(ann.id, NOW)) == 1

    await store.cancel_code("123456789", ann.id)
    assert await store.active_codes(ann.id, NOW) == []
    with pytest.raises(NotFound):
        await store.claim_code("123456789", NOW)
    await store.create_code(code_of(bob.id))


# Migrations and engines ----------------------------------------------------------------


async def test_fresh_database_has_no_revision_until_upgraded(store_url: str) -> None:
    assert await current_revision(store_url) is None

    await upgrade(store_url)

    assert await current_revision(store_url) == head_revision()


async def test_migrations_run_twice_are_a_no_op(store_url: str) -> None:
    await upgrade(store_url)
    first = SqlStore(create_engine(store_url))
    try:
        ann = await make_rep(first)
    finally:
        await first.close()

    await upgrade(store_url)

    assert await current_revision(store_url) == head_revision()
    second = SqlStore(create_engine(store_url))
    try:
        assert await second.list_representatives() == [ann]
    finally:
        await second.close()


async def test_sqlite_connections_are_durable_and_check_foreign_keys(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as connection:
            journal = await connection.scalar(text("PRAGMA journal_mode"))
            synchronous = await connection.scalar(text("PRAGMA synchronous"))
            foreign_keys = await connection.scalar(text("PRAGMA foreign_keys"))
            busy = await connection.scalar(text("PRAGMA busy_timeout"))
    finally:
        await engine.dispose()
    assert journal == "wal"
    assert synchronous == 2  # FULL
    assert foreign_keys == 1
    assert busy is not None and busy > 0


def test_sqlite_url_points_at_a_file_in_the_data_folder(tmp_path: Path) -> None:
    url = sqlite_url_for(tmp_path / "data dir")

    assert url == f"sqlite+aiosqlite:///{tmp_path}/data dir/helpline.db"
    assert async_url(url).database == str(tmp_path / "data dir" / "helpline.db")


def test_plain_urls_get_the_async_drivers_and_others_are_refused() -> None:
    assert async_url("sqlite:///x.db").drivername == "sqlite+aiosqlite"
    assert async_url("postgresql://u@h/db").drivername == "postgresql+asyncpg"
    with pytest.raises(ValueError, match="SQLite or PostgreSQL"):
        async_url("mysql://u@h/db")
