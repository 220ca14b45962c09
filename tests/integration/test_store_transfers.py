"""The transfers' part of the store contract, on real SQLite and real PostgreSQL.

Shared files and consent requests are the state behind "may I send you this file?" and
"may I see your screen?": each is answered once, the answer and its notes are saved
together or not at all, and of two racing answers exactly one counts. Files also feed
the retention sweep, which must find only files of sessions that ended long enough
ago. Every test runs once per database.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from helpline.domain import consent
from helpline.domain import files as file_rules
from helpline.domain.consent import ConsentKind, ConsentRequest
from helpline.domain.drafting import seal
from helpline.domain.errors import Conflict, NotFound
from helpline.domain.events import Author, Event, EventDraft
from helpline.domain.files import FileAudience, FileState, SharedFile
from helpline.domain.people import Representative
from helpline.domain.sessions import SupportSession, as_author, end
from helpline.domain.visibility import Viewer
from helpline.store.sql import SqlStore
from helpline.store.tools_protocol import HistoryQuery
from tests.integration import test_store as contract
from tests.integration.test_store import LATER, NOW, chat, make_rep, open_session
from tests.integration.test_store_tools import picked_up_by

# The contract's fixtures: every test here runs on a fresh database of each kind.
store_url = contract.store_url
store = contract.store

# More than a 32-bit integer holds: sizes are bigint.
FIVE_GIB = 5 * 1024**3

# Building blocks ---------------------------------------------------------------------


# The store appends sealed drafts; these sessions have no masked attendee to seal against.
def request_note(request: ConsentRequest) -> EventDraft:
    return seal(consent.request_note(request), ())


def answer_note(request: ConsentRequest, customer_name: str) -> EventDraft:
    return seal(consent.answer_note(request, customer_name), ())


def screen_note(action: str, customer_name: str) -> EventDraft:
    return seal(consent.screen_note(action, customer_name), ())


def offered_note(file: SharedFile) -> EventDraft:
    return seal(file_rules.offered_note(file), ())


def answer(
    file: SharedFile, viewer: Viewer, who: str, accept: bool
) -> tuple[SharedFile, EventDraft]:
    if viewer.is_customer:
        by = Author.customer(who)
    else:
        assert viewer.rep_id is not None
        by = Author.representative(viewer.rep_id, who)
    answered, note = file_rules.answer(file, viewer, by, accept)
    return answered, seal(note, ())


def a_file(
    session: SupportSession,
    sender: Author,
    audience: FileAudience = FileAudience.CUSTOMER,
    name: str = "driver.zip",
    size: int = 1234,
) -> SharedFile:
    """A file as the service layer hands it over: id 0, offered, blob already stored."""
    return SharedFile(
        id=0,
        session_id=session.id,
        name=name,
        size=size,
        sha256=f"{len(name):02x}" * 32,
        content_type="application/zip",
        audience=audience,
        sender=sender,
        created_at=NOW,
        stored_as=f"blobs/{session.id}/{name}",
    )


def from_rep(rep: Representative) -> Author:
    return Author.representative(rep.id, rep.display_name)


async def offer_file(store: SqlStore, file: SharedFile) -> tuple[SharedFile, Event]:
    return await store.create_file(file, offered_note(file), NOW)


def actions(events_: list[Event]) -> list[str]:
    return [str(event.body.get("action")) for event in events_]


async def ended_at(
    store: SqlStore, session: SupportSession, rep: Representative, at: datetime
) -> None:
    """Pick the session up and end it at ``at``."""
    picked, attendees = await picked_up_by(store, rep, session)
    await store.apply(end(picked, attendees, as_author(rep), at), at)


def screen_request(rep: Representative, request_id: str = "req-1") -> ConsentRequest:
    return ConsentRequest(request_id, ConsentKind.SCREEN, rep.id, rep.display_name)


# Shared files ----------------------------------------------------------------------------


async def test_a_file_round_trips_with_its_sender_author_and_audience(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    session = await open_session(store)
    to_customer = a_file(session, from_rep(ann), FileAudience.CUSTOMER, "big.iso", FIVE_GIB)
    from_customer = a_file(
        session, Author.customer("Casey Customer"), FileAudience.REPRESENTATIVES, "log.txt"
    )

    saved_rep, _ = await offer_file(store, to_customer)
    saved_customer, _ = await offer_file(store, from_customer)

    assert saved_rep.id > 0
    assert saved_customer.id != saved_rep.id
    assert saved_rep == replace(to_customer, id=saved_rep.id)
    assert saved_customer == replace(from_customer, id=saved_customer.id)
    assert await store.get_file(saved_rep.id) == saved_rep
    assert await store.get_file(saved_customer.id) == saved_customer
    stored_customer = await store.get_file(saved_customer.id)
    assert stored_customer is not None
    assert stored_customer.from_customer
    assert stored_customer.sender == Author.customer("Casey Customer")
    assert stored_customer.audience is FileAudience.REPRESENTATIVES
    stored_rep = await store.get_file(saved_rep.id)
    assert stored_rep is not None
    assert (stored_rep.size, stored_rep.sender.rep_id) == (FIVE_GIB, ann.id)
    assert stored_rep.created_at.utcoffset() == timedelta(0)
    assert await store.get_file(saved_customer.id + 100) is None


async def test_the_offered_note_gets_the_next_seq_and_names_the_assigned_id(
    store: SqlStore,
) -> None:
    ann = await make_rep(store, "ann", "Ann")
    session = await open_session(store)
    await store.append(session.id, chat("Can you send me the driver?"), NOW)
    before = await store.last_seq(session.id)

    first, first_note = await offer_file(store, a_file(session, from_rep(ann), name="a.zip"))
    second, second_note = await offer_file(store, a_file(session, from_rep(ann), name="b.zip"))

    assert (first_note.seq, second_note.seq) == (before + 1, before + 2)
    assert await store.last_seq(session.id) == before + 2
    # The note was phrased with id 0, before the file had one.
    assert first_note.body["file_id"] == first.id
    assert second_note.body["file_id"] == second.id
    assert first_note.body["action"] == "file_offered"
    assert await store.events_after(session.id, before) == [first_note, second_note]


async def test_the_offered_note_is_found_by_the_history_search(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Annabel")
    with_file = await open_session(store, "AAAA-0001")
    await open_session(store, "AAAA-0002")

    await offer_file(store, a_file(with_file, from_rep(ann)))

    found, total = await store.search_sessions(HistoryQuery(text="Annabel offered"))
    assert ([s.public_id for s in found], total) == (["AAAA-0001"], 1)


async def test_a_file_for_an_unknown_session_is_not_found_and_saves_nothing(
    store: SqlStore,
) -> None:
    ann = await make_rep(store, "ann", "Ann")
    session = await open_session(store)
    lost = a_file(session, from_rep(ann))
    lost = replace(lost, session_id=session.id + 100)

    with pytest.raises(NotFound):
        await store.create_file(lost, offered_note(lost), NOW)

    assert await store.files_of_session(session.id + 100) == []
    assert await store.files_of_session(session.id) == []
    assert await store.get_file(1) is None


async def test_accepting_a_file_saves_the_answer_and_appends_its_note(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    session = await open_session(store)
    offered, offered_event = await offer_file(store, a_file(session, from_rep(ann)))
    answered, note = answer(offered, Viewer.customer(), "Casey Customer", accept=True)

    event = await store.answer_file(answered, note, LATER)

    assert event.seq == offered_event.seq + 1
    assert (event.body["action"], event.body["file_id"]) == ("file_accepted", offered.id)
    assert event.created_at == LATER
    assert await store.get_file(offered.id) == replace(
        offered, state=FileState.ACCEPTED, answered_by="Casey Customer"
    )
    assert await store.events_after(session.id, offered_event.seq) == [event]


async def test_two_concurrent_answers_have_one_winner_and_the_loser_appends_no_note(
    store: SqlStore,
) -> None:
    ann = await make_rep(store, "ann", "Ann")
    bob = await make_rep(store, "bob", "Bob")
    session = await open_session(store)
    # From the customer to the representatives: either of them may answer.
    offered, offered_event = await offer_file(
        store,
        a_file(session, Author.customer("Casey Customer"), FileAudience.REPRESENTATIVES),
    )
    by_ann = answer(offered, Viewer.representative(ann.id), "Ann", accept=True)
    by_bob = answer(offered, Viewer.representative(bob.id), "Bob", accept=False)

    results = await asyncio.gather(
        store.answer_file(*by_ann, NOW),
        store.answer_file(*by_bob, NOW),
        return_exceptions=True,
    )

    winners = [r for r in results if isinstance(r, Event)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert (len(winners), len(losers)) == (1, 1), results
    winner = by_ann if results[0] is winners[0] else by_bob
    assert await store.get_file(offered.id) == winner[0]
    log = await store.events_after(session.id, offered_event.seq)
    assert log == winners
    assert await store.last_seq(session.id) == offered_event.seq + 1


async def test_an_answer_after_another_is_a_conflict_and_saves_nothing(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    session = await open_session(store)
    offered, _ = await offer_file(store, a_file(session, from_rep(ann)))
    await store.answer_file(*answer(offered, Viewer.customer(), "Casey", accept=False), NOW)
    declined = await store.get_file(offered.id)
    last_seq = await store.last_seq(session.id)

    # An answer built from the file as read before the decline was saved.
    late, note = answer(offered, Viewer.customer(), "Casey", accept=True)
    with pytest.raises(Conflict):
        await store.answer_file(late, note, LATER)

    assert await store.get_file(offered.id) == declined
    assert declined is not None and declined.state is FileState.DECLINED
    assert await store.last_seq(session.id) == last_seq


async def test_answering_an_unknown_file_is_not_found(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    session = await open_session(store)
    offered, _ = await offer_file(store, a_file(session, from_rep(ann)))
    answered, note = answer(offered, Viewer.customer(), "Casey", accept=True)
    last_seq = await store.last_seq(session.id)

    with pytest.raises(NotFound):
        await store.answer_file(replace(answered, id=offered.id + 100), note, NOW)

    assert await store.get_file(offered.id) == offered
    assert await store.last_seq(session.id) == last_seq


async def test_a_failing_answer_note_leaves_the_file_offered(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    session = await open_session(store)
    offered, _ = await offer_file(store, a_file(session, from_rep(ann)))
    customer = Author.customer("Casey Customer")
    await store.append(session.id, chat("ok", client_id="c-1", author=customer), NOW)
    answered, _ = answer(offered, Viewer.customer(), "Casey", accept=True)
    last_seq = await store.last_seq(session.id)
    # The same (author, client id) as a line already in the log: the insert fails.
    clashing = chat("accepted", client_id="c-1", author=customer)

    with pytest.raises(IntegrityError):
        await store.answer_file(answered, clashing, NOW)

    assert await store.get_file(offered.id) == offered
    assert await store.last_seq(session.id) == last_seq


async def test_files_of_a_session_are_its_own_in_the_order_offered(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    session = await open_session(store, "AAAA-0001")
    other = await open_session(store, "AAAA-0002")
    first, _ = await offer_file(store, a_file(session, from_rep(ann), name="z.zip"))
    await offer_file(store, a_file(other, from_rep(ann), name="other.zip"))
    second, _ = await offer_file(store, a_file(session, from_rep(ann), name="a.zip"))
    await store.answer_file(*answer(first, Viewer.customer(), "Casey", accept=True), NOW)

    listed = await store.files_of_session(session.id)

    assert [f.id for f in listed] == [first.id, second.id]
    assert listed[0].state is FileState.ACCEPTED
    assert listed[1] == second
    assert await store.files_of_session(other.id + 100) == []


async def test_files_of_ended_sessions_are_found_only_once_their_session_ended_before_the_moment(
    store: SqlStore,
) -> None:
    ann = await make_rep(store, "ann", "Ann")
    early = await open_session(store, "AAAA-0001")
    late = await open_session(store, "AAAA-0002")
    still_open = await open_session(store, "AAAA-0003")
    early_file, _ = await offer_file(store, a_file(early, from_rep(ann), name="e.zip"))
    late_file, _ = await offer_file(store, a_file(late, from_rep(ann), name="l.zip"))
    await offer_file(store, a_file(still_open, from_rep(ann), name="o.zip"))
    # Answered or not, a file of an old session is swept.
    await store.answer_file(*answer(early_file, Viewer.customer(), "Casey", accept=False), NOW)
    early_ended, late_ended = LATER, LATER + timedelta(hours=1)
    await ended_at(store, early, ann, early_ended)
    await ended_at(store, late, ann, late_ended)

    async def swept(moment: datetime) -> list[int]:
        return [f.id for f in await store.files_of_sessions_ended_before(moment)]

    assert await swept(NOW) == []
    assert await swept(early_ended) == []
    assert await swept(early_ended + timedelta(microseconds=1)) == [early_file.id]
    assert await swept(late_ended) == [early_file.id]
    assert await swept(late_ended + timedelta(days=365)) == [early_file.id, late_file.id]
    found = await store.files_of_sessions_ended_before(late_ended + timedelta(days=1))
    assert found[0] == replace(early_file, state=FileState.DECLINED, answered_by="Casey")


async def test_deleted_files_are_forgotten_and_deleting_again_is_harmless(
    store: SqlStore,
) -> None:
    ann = await make_rep(store, "ann", "Ann")
    session = await open_session(store)
    gone, _ = await offer_file(store, a_file(session, from_rep(ann), name="1.zip"))
    kept, _ = await offer_file(store, a_file(session, from_rep(ann), name="2.zip"))
    also_gone, _ = await offer_file(store, a_file(session, from_rep(ann), name="3.zip"))
    await ended_at(store, session, ann, LATER)

    await store.delete_files([gone.id, also_gone.id, also_gone.id + 100])

    assert await store.get_file(gone.id) is None
    assert await store.get_file(also_gone.id) is None
    assert await store.files_of_session(session.id) == [kept]
    assert await store.files_of_sessions_ended_before(LATER + timedelta(days=1)) == [kept]
    await store.delete_files([gone.id])
    await store.delete_files([])
    assert await store.files_of_session(session.id) == [kept]


async def test_a_new_file_never_gets_the_id_of_a_deleted_one(store: SqlStore) -> None:
    ann = await make_rep(store, "ann", "Ann")
    session = await open_session(store)
    await offer_file(store, a_file(session, from_rep(ann), name="1.zip"))
    newest, _ = await offer_file(store, a_file(session, from_rep(ann), name="2.zip"))
    await store.delete_files([newest.id])

    # The log still has a note with the deleted file's id in it.
    after, _ = await offer_file(store, a_file(session, from_rep(ann), name="3.zip"))

    assert after.id > newest.id
