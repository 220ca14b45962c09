"""Single-statement reads (``helpline.store.reader``), on real SQLite and PostgreSQL.

Every chat message reads its session and attendees, so these reads skip the
transaction SQLAlchemy wraps around a statement: on SQLite one call into the thread of
the reads' own ``sqlite3`` connection, on PostgreSQL one ``AUTOCOMMIT`` round trip.
What callers rely on must not change: a read sees everything committed before it
(group committed appends included), never half a transaction, values of the right
Python types, and a read cancelled halfway leaves nothing behind. Each test runs on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, select

from helpline.domain.events import Audience, Author, Event, EventDraft, EventKind
from helpline.domain.people import Preferences
from helpline.domain.sessions import AttendeeRole, SessionStatus, pick_up
from helpline.store.database import create_engine
from helpline.store.protocol import Appended
from helpline.store.reader import Query, Reader
from helpline.store.sessions import ATTENDEES
from helpline.store.sql import SqlStore
from helpline.store.sqlite_thread import SqliteThread
from tests.integration import test_store as contract
from tests.integration.test_store import NOW, chat, make_rep, open_session, seqs

store = contract.store


store_url = contract.store_url


@pytest.fixture
def hand_offs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Counts calls into the store's own SQLite threads (one element per call, the
    function called)."""
    calls: list[str] = []
    call = SqliteThread.call

    async def counted(self: SqliteThread, function: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(function.__name__)
        return await call(self, function, *args, **kwargs)

    monkeypatch.setattr(SqliteThread, "call", counted)
    yield calls


# For the tests about one way of reading: SQLite's own thread, or PostgreSQL's read pool.
on_sqlite = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
on_postgresql = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)


async def busy_session(store: SqlStore) -> Any:
    """A session picked up by Ann, with a note for representatives only."""
    ann = await make_rep(store)
    session = await open_session(store)
    await store.apply(pick_up(session, [], ann, 0, NOW), NOW)
    await store.append(
        session.id,
        EventDraft(
            EventKind.NOTE,
            Audience.representatives(),
            Author.representative(ann.id, "Ann"),
            {"text": "Löschen ✓", "n": 2.5, "count": 3, "flag": True, "none": None},
            internal={"why": "checked"},
            reveals_masked=True,
            client_id="n-1",
        ),
        NOW,
    )
    return SimpleNamespace(ann=ann, session=session)


# Reads see what was committed ----------------------------------------------------------


async def test_reads_see_what_was_committed_just_before(store: SqlStore) -> None:
    ann = await make_rep(store)
    assert await store.get_representative(ann.id) == ann
    session = await open_session(store)
    assert await store.get_session_by_public_id(session.public_id) == session
    assert await store.list_attendees(session.id) == []

    await store.apply(pick_up(session, [], ann, 0, NOW), NOW)
    assert [a.rep_id for a in await store.list_attendees(session.id)] == [ann.id]
    picked = await store.get_session(session.id)
    assert picked is not None and picked.status is SessionStatus.ACTIVE
    assert [s.id for s in await store.open_sessions_of(ann.id)] == [session.id]

    # Group-committed appends are there as soon as their callers are answered.
    async def append_then_read(i: int) -> Appended:
        appended = await store.append(session.id, chat(f"m{i}"), NOW)
        seq = appended.event.seq
        assert await store.events_after(session.id, seq - 1, limit=1) == [appended.event]
        assert await store.last_seq(session.id) >= seq
        return appended

    appended = await asyncio.gather(*(append_then_read(i) for i in range(20)))
    last = max(a.event.seq for a in appended)
    assert await store.last_seq(session.id) == last
    logged = await store.events_after(session.id, 0)
    assert seqs(logged) == list(range(1, last + 1))
    assert {e.body.get("text") for e in logged} >= {f"m{i}" for i in range(20)}

    await store.create_login(b"cookie", ann.id, NOW, NOW + timedelta(hours=1))
    assert await store.rep_for_login(b"cookie", NOW) == ann.id
    await store.delete_login(b"cookie")
    assert await store.rep_for_login(b"cookie", NOW) is None


async def test_reads_during_committing_batches_see_whole_batches(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads running beside the writer see each batch whole or not at all, and at least
    every append answered before they began."""
    session = await open_session(store)
    # The session's last seq after each committed transaction that touched it.
    boundaries = {1}

    class Boundaries:
        def committing(self, size: int) -> None:
            pass

        def committed(
            self, size: int, seconds: float, stored: Sequence[Event], one_statement: bool
        ) -> None:
            ours = [e.seq for e in stored if e.session_id == session.id]
            if ours:
                boundaries.add(max(ours))

    store.watch_appends(Boundaries())
    answered = [1]

    async def append(i: int) -> None:
        result = await store.append(session.id, chat(f"m{i}"), NOW)
        answered.append(result.event.seq)

    async def read() -> tuple[int, list[int], int]:
        known = max(answered)
        logged = seqs(await store.events_after(session.id, 0, limit=10_000))
        return known, logged, await store.last_seq(session.id)

    calls: list[Any] = []
    for i in range(300):
        calls.append(append(i))
        if i % 3 == 0:
            calls.append(read())
    results = await asyncio.gather(*calls)

    reads = [r for r in results if r is not None]
    assert len(reads) == 100
    for known, logged, last in reads:
        assert logged == list(range(1, len(logged) + 1))
        assert logged[-1] >= known
        assert logged[-1] in boundaries
        assert last >= logged[-1] and last in boundaries
    assert await store.last_seq(session.id) == 301


# Values come back as SQLAlchemy gives them ----------------------------------------------


async def test_values_come_back_with_their_python_types(store: SqlStore) -> None:
    made = await busy_session(store)
    session, ann = made.session, made.ann

    read = await store.get_session(session.id)
    assert read is not None
    assert read == await store.get_session_by_public_id(session.public_id)
    assert read.started_at == NOW and read.started_at.utcoffset() == timedelta(0)
    assert read.ended_at is None and read.outcome is None
    assert read.extra == (("email", "casey@example.com"),)  # JSON text
    assert read.status is SessionStatus.ACTIVE

    (attendee,) = await store.list_attendees(session.id)
    assert (attendee.rep_id, attendee.role) == (ann.id, AttendeeRole.PRIMARY)
    assert type(attendee.masked) is bool and type(attendee.present) is bool
    assert attendee.present and not attendee.masked
    assert attendee.joined_at == NOW and attendee.joined_at.tzinfo is not None

    note = (await store.events_after(session.id, 0))[-1]
    assert note.body == {"text": "Löschen ✓", "n": 2.5, "count": 3, "flag": True, "none": None}
    assert note.internal == {"why": "checked"}
    assert note.reveals_masked is True
    assert note.created_at == NOW and note.created_at.utcoffset() == timedelta(0)
    assert (note.kind, note.audience, note.author) == (
        EventKind.NOTE,
        Audience.representatives(),
        Author.representative(ann.id, "Ann"),
    )

    rep = await store.get_representative(ann.id)
    assert rep is not None and rep.preferences == Preferences() and rep.active is True
    assert await store.find_login("ann") == (rep, "hash-of-ann")


async def test_datetimes_and_bytes_are_bound_as_the_columns_store_them(store: SqlStore) -> None:
    """A moment in another time zone compares as the same instant, and a token hash
    is matched byte for byte."""
    session = await open_session(store)  # its token expires an hour after NOW
    berlin = timezone(timedelta(hours=2))
    just_before = (NOW + timedelta(minutes=59)).astimezone(berlin)
    just_after = (NOW + timedelta(minutes=61)).astimezone(berlin)

    assert await store.session_for_token(session.public_id.encode(), just_before) == session.id
    assert await store.session_for_token(session.public_id.encode(), just_after) is None
    assert await store.session_for_token(session.public_id.encode() + b"\0", NOW) is None


async def test_list_parameters_of_any_length_read_right(store: SqlStore) -> None:
    portals = [await store.create_portal(f"p{n}", f"P{n}", [], "") for n in range(3)]
    waiting = [await open_session(store, f"WAIT-000{n}", portals[n].id) for n in range(3)]

    assert await store.waiting_sessions([]) == []
    assert await store.waiting_sessions([portals[1].id]) == [waiting[1]]
    assert await store.waiting_sessions([p.id for p in portals]) == waiting
    assert await store.waiting_sessions([portals[2].id, 4242, portals[0].id]) == [
        waiting[0],
        waiting[2],
    ]
    ann = await make_rep(store)
    assert await store.pending_invitations(ann.id, [], NOW) == []
    assert await store.pending_invitations(ann.id, [p.id for p in portals], NOW) == []


# One hand-off, one round trip ------------------------------------------------------------


@on_sqlite
async def test_a_read_on_sqlite_costs_one_hand_off_to_the_driver_thread(
    store: SqlStore, store_url: str, hand_offs: list[str]
) -> None:
    made = await busy_session(store)
    session, ann = made.session, made.ann
    portal = await store.create_portal("help", "Help", [], "")
    await store.add_portal_member(portal.id, ann.id)
    await store.create_login(b"cookie", ann.id, NOW, NOW + timedelta(hours=1))
    reads: dict[str, Callable[[], Awaitable[object]]] = {
        "get_session": lambda: store.get_session(session.id),
        "get_session_by_public_id": lambda: store.get_session_by_public_id(session.public_id),
        "session_for_token": lambda: store.session_for_token(b"ABCD-0001", NOW),
        "list_attendees": lambda: store.list_attendees(session.id),
        "last_seq": lambda: store.last_seq(session.id),
        "events_after": lambda: store.events_after(session.id, 0),
        "rep_for_login": lambda: store.rep_for_login(b"cookie", NOW),
        "get_representative": lambda: store.get_representative(ann.id),
        "get_portal": lambda: store.get_portal(portal.id),
        "portals_of": lambda: store.portals_of(ann.id),
        "open_sessions_of": lambda: store.open_sessions_of(ann.id),
        "waiting_sessions": lambda: store.waiting_sessions([portal.id]),
        "session_state": lambda: store.session_state(session.id, 0),
        "attendees_of": lambda: store.attendees_of([session.id, session.id + 1]),
        "sessions_with_attendees": lambda: store.sessions_with_attendees([session.id]),
    }
    await store.get_session(session.id)  # opens the read connection

    counted = {}
    called: set[str] = set()
    for name, call in reads.items():
        hand_offs.clear()
        await call()
        counted[name] = len(hand_offs)
        called.update(hand_offs)

    assert counted == dict.fromkeys(reads, 1)
    assert called == {"fetch_rows", "fetch_rows_together"}


@on_sqlite
async def test_reads_taken_together_that_fail_leave_the_read_connection_as_it_was(
    store: SqlStore, store_url: str, hand_offs: list[str]
) -> None:
    made = await busy_session(store)
    reader = Reader(create_engine(store_url))
    missing = Table("no_such_table", MetaData(), Column("id", Integer))
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await reader.together(
                (ATTENDEES, {"session_id": made.session.id}),
                (Query(select(missing).where(missing.c.id == bindparam("id"))), {"id": 1}),
            )
        # Its read transaction ended: later reads, alone or together, see new writes.
        await store.apply(pick_up(made.session, [], await make_rep(store, "bo"), 0, NOW), NOW)
        (rows,) = await reader.together((ATTENDEES, {"session_id": made.session.id}))
        assert len(rows) == 2
        assert len(await reader.all(ATTENDEES, session_id=made.session.id)) == 2
    finally:
        await reader.close()
    reads = [name for name in hand_offs if name.startswith("fetch_")]
    assert reads == ["fetch_rows_together", "fetch_rows_together", "fetch_rows"]


@on_sqlite
async def test_a_batch_of_appends_on_sqlite_costs_one_hand_off_to_the_driver_thread(
    store: SqlStore, store_url: str, hand_offs: list[str]
) -> None:
    session = await open_session(store)
    await store.append(session.id, chat("opens the writer's connection"), NOW)
    hand_offs.clear()

    appended = await asyncio.gather(
        *(store.append(session.id, chat(f"line {n}", f"c{n}"), NOW) for n in range(20))
    )

    assert hand_offs == ["commit_sqlite"]
    assert sorted(a.event.seq for a in appended) == list(range(3, 23))
