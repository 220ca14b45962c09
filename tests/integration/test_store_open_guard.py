"""``Store.append(..., require_open=True)``: no message after the session has ended.

The service checks that a session is open before it appends a chat message, but the
check and the append are two steps: a representative may end the session in between.
With ``require_open`` the store decides again inside the transaction that would save
the message, so the log never shows a message after the session's end. Each test runs
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text

from helpline.domain.errors import NotFound, SessionEnded
from helpline.domain.events import EventKind
from helpline.domain.sessions import SessionStatus, SupportSession, as_author, end, pick_up
from helpline.store.database import create_engine, for_writes
from helpline.store.protocol import Appended
from helpline.store.sql import SqlStore
from tests.integration import test_store as contract
from tests.integration import test_store_group_commit as group_commit
from tests.integration.test_store import LATER, NOW, chat, make_rep, open_session, seqs

# The group-commit tests' databases and batch sizes.
store = contract.store
store_url = contract.store_url
transactions = group_commit.transactions
batches = group_commit.batches


async def picked_up(store: SqlStore, public_id: str = "ABCD-0001") -> SupportSession:
    """An active session with a representative of its own."""
    rep = await make_rep(store, f"rep-{public_id.lower()}", "Ann")
    session = await open_session(store, public_id)
    await store.apply(pick_up(session, [], rep, 0, NOW), NOW)
    active = await store.get_session(session.id)
    assert active is not None and active.status is SessionStatus.ACTIVE
    return active


async def end_session(store: SqlStore, session: SupportSession) -> int:
    """End it as a representative does; returns the seq of the "ended" note."""
    stored = await store.get_session(session.id)
    assert stored is not None
    attendees = await store.list_attendees(session.id)
    change = end(stored, attendees, as_author(attendees[0]), LATER)
    (note,) = await store.apply(change, LATER)
    return note.seq


def ended_message(session: SupportSession) -> str:
    return f"Session {session.public_id} has ended."


async def test_a_guarded_append_to_an_open_session_is_saved(store: SqlStore) -> None:
    session = await picked_up(store)

    appended = await store.append(
        session.id, chat("hello", client_id="c-1"), NOW, require_open=True
    )

    assert appended.created
    assert appended.event.seq == await store.last_seq(session.id)
    assert (await store.events_after(session.id, appended.event.seq - 1)) == [appended.event]


async def test_a_guarded_append_to_an_ended_session_is_refused_and_saves_nothing(
    store: SqlStore,
) -> None:
    session = await picked_up(store)
    end_seq = await end_session(store, session)

    with pytest.raises(SessionEnded) as refused:
        await store.append(session.id, chat("too late", client_id="c-1"), LATER, require_open=True)

    assert refused.value.message == ended_message(session)
    assert await store.last_seq(session.id) == end_seq
    assert await store.events_after(session.id, end_seq) == []
    # Nothing was saved under its client id either: a later unguarded append of it is new.
    again = await store.append(session.id, chat("too late", client_id="c-1"), LATER)
    assert (again.created, again.event.seq) == (True, end_seq + 1)


async def test_an_unguarded_append_to_an_ended_session_is_saved(store: SqlStore) -> None:
    """Without ``require_open`` nothing changes: the store appends what it is given."""
    session = await picked_up(store)
    end_seq = await end_session(store, session)

    appended = await store.append(session.id, chat("status after the end"), LATER)

    assert (appended.created, appended.event.seq) == (True, end_seq + 1)


async def test_a_resend_of_an_acknowledged_message_is_answered_after_the_end(
    store: SqlStore,
) -> None:
    """The message was acknowledged before the end; its resend (after a lost
    acknowledgement) gets the original, not an error."""
    session = await picked_up(store)
    original = await store.append(
        session.id, chat("hello", client_id="c-1"), NOW, require_open=True
    )
    end_seq = await end_session(store, session)

    resent, new = await asyncio.gather(
        store.append(session.id, chat("hello", client_id="c-1"), LATER, require_open=True),
        store.append(session.id, chat("new", client_id="c-2"), LATER, require_open=True),
        return_exceptions=True,
    )

    assert resent == Appended(original.event, created=False)
    assert isinstance(new, SessionEnded)
    assert await store.last_seq(session.id) == end_seq


async def test_refusals_stay_with_their_own_append_in_a_batch(
    store: SqlStore, transactions: list[int]
) -> None:
    ended = await picked_up(store, "AAAA-0001")
    still_open = await picked_up(store, "AAAA-0002")
    end_seq = await end_session(store, ended)
    open_seq = await store.last_seq(still_open.id)
    transactions.clear()

    results = await asyncio.gather(
        store.append(ended.id, chat("refused", client_id="c-1"), LATER, require_open=True),
        store.append(still_open.id, chat("a", client_id="c-1"), LATER, require_open=True),
        store.append(ended.id, chat("a note, unguarded"), LATER),
        store.append(ended.id, chat("refused twice", client_id="c-1"), LATER, require_open=True),
        store.append(4242, chat("lost"), LATER, require_open=True),
        store.append(still_open.id, chat("b"), LATER),
        store.append(ended.id, chat("refused too"), LATER, require_open=True),
        return_exceptions=True,
    )

    assert transactions == [7]
    refused, a, note, twice, lost, b, refused_too = results
    for failed in (refused, twice, refused_too):
        assert isinstance(failed, SessionEnded)
        assert failed.message == ended_message(ended)
    assert isinstance(lost, NotFound)
    assert isinstance(a, Appended) and isinstance(b, Appended) and isinstance(note, Appended)
    assert [a.event.seq, b.event.seq] == [open_seq + 1, open_seq + 2]
    assert note.event.seq == end_seq + 1
    assert seqs(await store.events_after(ended.id, 0)) == list(range(1, end_seq + 2))
    assert await store.last_seq(ended.id) == end_seq + 1
    assert await store.last_seq(still_open.id) == open_seq + 2


async def test_a_session_ended_while_the_append_waits_for_its_transaction_refuses_it(
    store: SqlStore, store_url: str
) -> None:
    """The session is open when the append is made and when the writer takes it; it
    ends (in another process) before the writer's transaction can lock the session.
    The decision is the transaction's, so the append is refused."""
    session = await picked_up(store)
    seq_before = await store.last_seq(session.id)
    watched = group_commit.Batches()
    store.watch_appends(watched)
    taken = watched.taken
    engine = create_engine(store_url)
    try:
        # Another process's transaction: on SQLite BEGIN IMMEDIATE takes the write
        # lock; on PostgreSQL the session's row is locked.
        other = await for_writes(engine).connect()
        await other.begin()
        await other.execute(
            text("SELECT id FROM sessions WHERE id = :id FOR UPDATE")
            if engine.dialect.name == "postgresql"
            else text("SELECT id FROM sessions WHERE id = :id"),
            {"id": session.id},
        )
        call = asyncio.create_task(
            store.append(session.id, chat("late", client_id="c-1"), NOW, require_open=True)
        )
        await taken.wait()
        await other.execute(
            text("UPDATE sessions SET status = 'ended' WHERE id = :id"), {"id": session.id}
        )
        await other.commit()
        await other.close()

        with pytest.raises(SessionEnded):
            await call
    finally:
        await engine.dispose()
    assert await store.last_seq(session.id) == seq_before


async def test_messages_racing_the_end_never_follow_it_in_the_log(
    store: SqlStore, store_url: str
) -> None:
    """Another store (another server process) ends the session while this one saves
    waves of guarded messages: each is saved before the end or refused, and once the
    end has committed every one is refused."""
    session = await picked_up(store)
    ending_store = SqlStore(create_engine(store_url))

    def wave(start: int) -> list[Any]:
        return [
            store.append(session.id, chat(f"m{i}", client_id=f"c-{i}"), NOW, require_open=True)
            for i in range(start, start + 10)
        ]

    results: list[Any] = []
    try:
        ending = asyncio.create_task(end_session(ending_store, session))
        while not ending.done():
            results += await asyncio.gather(*wave(len(results)), return_exceptions=True)
        end_seq = await ending
        after = await asyncio.gather(*wave(len(results)), return_exceptions=True)
    finally:
        await ending_store.close()

    assert all(isinstance(r, SessionEnded) for r in after)
    saved = [r for r in results if isinstance(r, Appended)]
    refused = [r for r in results if isinstance(r, SessionEnded)]
    assert len(saved) + len(refused) == len(results)
    assert all(r.event.seq < end_seq for r in saved)
    logged = await store.events_after(session.id, 0, limit=10_000)
    # The end is the log's last word, and every message in it was acknowledged.
    assert seqs(logged) == list(range(1, end_seq + 1))
    assert (logged[-1].kind, logged[-1].body["action"]) == (EventKind.STATUS, "ended")
    assert sorted(e.seq for e in logged if e.client_id is not None) == sorted(
        r.event.seq for r in saved
    )
    ended = await store.get_session(session.id)
    assert ended is not None and ended.status is SessionStatus.ENDED
