"""The store's log, on real SQLite and PostgreSQL: gapless ``seq`` under concurrency,
idempotent resends, every field stored, nothing acknowledged lost across a restart."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from helpline.domain.drafting import say, seal, status
from helpline.domain.errors import NotFound
from helpline.domain.events import (
    Audience,
    Author,
    Event,
    EventDraft,
    EventKind,
)
from helpline.domain.people import Role
from helpline.store.database import create_engine
from helpline.store.migrate import upgrade
from helpline.store.sql import SqlStore
from tests.integration import test_store as contract
from tests.integration.test_store import (
    LATER,
    NOW,
    chat,
    make_rep,
    open_session,
    seqs,
)

# The contract's fixtures: every test here runs on a fresh database of each kind.
store_url = contract.store_url
store = contract.store


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
