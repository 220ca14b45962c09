"""The store's consent requests and the transfers migration, on real SQLite and
PostgreSQL: a request is answered once, its notes are appended with the answer."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import IntegrityError

from helpline.domain.consent import ConsentKind, ConsentRequest, ConsentState
from helpline.domain.errors import Conflict, NotFound
from helpline.domain.events import Author, Event, EventDraft
from helpline.domain.sessions import SupportSession
from helpline.store.database import create_engine
from helpline.store.migrate import current_revision, head_revision, upgrade
from helpline.store.sql import SqlStore
from tests.integration import test_store as contract
from tests.integration.test_store import LATER, NOW, chat, make_rep, open_session
from tests.integration.test_store_transfers import (
    a_file,
    actions,
    answer_note,
    from_rep,
    offer_file,
    request_note,
    screen_note,
    screen_request,
)
from tests.support.migrations import migrate_to, old_session, writing_to

# The contract's fixtures: every test here runs on a fresh database of each kind.
store_url = contract.store_url
store = contract.store


# Consent requests --------------------------------------------------------------------------


async def ann_asks_for_the_screen(store: SqlStore) -> tuple[SupportSession, ConsentRequest, Event]:
    """Ann asks the customer of a new session to share their screen: the session, the
    request and its note in the log."""
    ann = await make_rep(store, "ann", "Ann")
    session = await open_session(store)
    request = screen_request(ann)
    asked = await store.create_consent(session.id, request, request_note(request), NOW)
    return session, request, asked


async def test_a_consent_request_round_trips_pending_with_its_session(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    session = await open_session(store)
    before = await store.last_seq(session.id)
    request = screen_request(ann)

    event = await store.create_consent(session.id, request, request_note(request), NOW)

    assert await store.get_consent("req-1") == (session.id, request)
    assert request.state is ConsentState.PENDING
    assert event.seq == before + 1
    assert event.body["request_id"] == "req-1"
    assert await store.events_after(session.id, before) == [event]
    assert await store.get_consent("req-2") is None


async def test_a_consent_request_for_an_unknown_session_is_not_found(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    session = await open_session(store)
    request = screen_request(ann)

    with pytest.raises(NotFound):
        await store.create_consent(session.id + 100, request, request_note(request), NOW)

    assert await store.get_consent(request.id) is None


async def test_a_consent_request_id_in_use_is_a_conflict(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    session = await open_session(store)
    first = screen_request(ann, "same")
    await store.create_consent(session.id, first, request_note(first), NOW)
    last_seq = await store.last_seq(session.id)
    again = ConsentRequest("same", ConsentKind.URL, ann.id, "Ann")

    with pytest.raises(Conflict):
        await store.create_consent(session.id, again, request_note(again), NOW)

    assert await store.get_consent("same") == (session.id, first)
    assert await store.last_seq(session.id) == last_seq


async def test_answering_consent_saves_the_answer_and_appends_every_note_together(
    store: SqlStore,
) -> None:
    session, request, asked = await ann_asks_for_the_screen(store)
    allowed = request.answered(allow=True)

    appended = await store.answer_consent(
        allowed,
        [answer_note(allowed, "Casey Customer"), screen_note("screen_started", "Casey Customer")],
        LATER,
    )

    assert [e.seq for e in appended] == [asked.seq + 1, asked.seq + 2]
    assert appended[0].body["answer"] == "allowed"
    assert actions(appended)[1] == "screen_started"
    assert await store.events_after(session.id, asked.seq) == appended
    assert await store.get_consent(request.id) == (session.id, allowed)


async def test_consent_is_answered_once_and_a_second_answer_is_a_conflict(
    store: SqlStore,
) -> None:
    session, request, _ = await ann_asks_for_the_screen(store)
    declined = request.answered(allow=False)
    await store.answer_consent(declined, [answer_note(declined, "Casey")], NOW)
    last_seq = await store.last_seq(session.id)

    allowed = request.answered(allow=True)
    with pytest.raises(Conflict):
        await store.answer_consent(allowed, [answer_note(allowed, "Casey")], LATER)

    assert await store.get_consent(request.id) == (session.id, declined)
    assert await store.last_seq(session.id) == last_seq


async def test_two_concurrent_consent_answers_have_one_winner_and_one_note(
    store: SqlStore,
) -> None:
    session, request, asked = await ann_asks_for_the_screen(store)
    allowed, declined = request.answered(allow=True), request.answered(allow=False)

    results = await asyncio.gather(
        store.answer_consent(allowed, [answer_note(allowed, "Casey")], NOW),
        store.answer_consent(declined, [answer_note(declined, "Casey")], NOW),
        return_exceptions=True,
    )

    winners = [r for r in results if isinstance(r, list)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert (len(winners), len(losers)) == (1, 1), results
    winner = allowed if results[0] is winners[0] else declined
    assert await store.get_consent(request.id) == (session.id, winner)
    assert await store.events_after(session.id, asked.seq) == winners[0]


async def test_answering_an_unknown_consent_request_is_not_found(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    session = await open_session(store)
    last_seq = await store.last_seq(session.id)
    allowed = screen_request(ann, "never-asked").answered(allow=True)

    with pytest.raises(NotFound):
        await store.answer_consent(allowed, [answer_note(allowed, "Casey")], NOW)

    assert await store.last_seq(session.id) == last_seq


async def test_a_failing_consent_note_leaves_the_request_pending(store: SqlStore) -> None:
    session, request, _ = await ann_asks_for_the_screen(store)
    last_seq = await store.last_seq(session.id)
    allowed = request.answered(allow=True)
    customer = Author.customer("Casey")
    # Two notes with one (author, client id): the second insert fails after the first.
    twins: list[EventDraft] = [chat("yes", "c-1", customer), chat("yes!", "c-1", customer)]

    with pytest.raises(IntegrityError):
        await store.answer_consent(allowed, twins, NOW)

    assert await store.get_consent(request.id) == (session.id, request)
    assert await store.last_seq(session.id) == last_seq


# Migrations -----------------------------------------------------------------------------


async def test_upgrade_from_the_session_tools_schema_adds_transfers_to_existing_sessions(
    store_url: str,
) -> None:
    await migrate_to(store_url, "0002")
    old = SqlStore(create_engine(store_url))
    try:
        ann = await make_rep(old, "ann", "Ann")
    finally:
        await old.close()
    async with writing_to(store_url) as connection:
        # A session with one note logged.
        session_id = await old_session(connection, NOW, last_seq=1)

    await upgrade(store_url)

    assert await current_revision(store_url) == head_revision()
    upgraded = SqlStore(create_engine(store_url))
    try:
        session = await upgraded.get_session(session_id)
        assert session is not None
        saved, note = await offer_file(upgraded, a_file(session, from_rep(ann)))
        assert await upgraded.files_of_session(session.id) == [saved]
        assert note.seq == 2
    finally:
        await upgraded.close()
