"""Group commit of appends (``helpline.store.writer``), on real SQLite and PostgreSQL:
what the batches save.

Concurrent appends are saved by one writer task, many per transaction; every caller
must still get exactly what ``Store.append`` promises alone: a gapless ``seq``, its
original event on a resend, and everything acknowledged still there after a restart.
What fails, and a caller cancelled, stay with their own append:
test_store_batch_failures.py. The plan of a batch without a database:
tests/unit/test_batch_plan.py. Each test runs on SQLite (a batch is one call on the
writer's own connection) and on PostgreSQL (SQLAlchemy Core), each a fresh database
migrated like the server's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import text

from helpline.domain.chain import LogCheck
from helpline.domain.events import Author, Event
from helpline.store import writer
from helpline.store.database import create_engine
from helpline.store.migrate import upgrade
from helpline.store.protocol import Appended
from helpline.store.sql import SqlStore
from helpline.store.tools_protocol import HistoryQuery
from tests.integration import test_store as contract
from tests.integration.test_store import LATER, NOW, chat, make_rep, open_session, seqs

# The contract's store and databases.
store = contract.store
store_url = contract.store_url


class Batches:
    """Watches a store's appends (store/observer.py): the size of every batch taken to
    the database, committed or not, in order, and an event set when one is taken."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.taken = asyncio.Event()

    def committing(self, size: int) -> None:
        self.sizes.append(size)
        self.taken.set()

    def committed(
        self, size: int, seconds: float, stored: Sequence[Event], one_statement: bool
    ) -> None:
        """Counted when taken: a batch that fails is a transaction too."""


@pytest.fixture
def batches(store: SqlStore) -> Batches:
    watched = Batches()
    store.watch_appends(watched)
    return watched


@pytest.fixture
def transactions(batches: Batches) -> list[int]:
    """The size of every batch the store's writer takes to the database, in order."""
    return batches.sizes


async def gapless(store: SqlStore, session_id: int) -> list[int]:
    """The session's seqs, checked to be 1..last_seq, and its events' hash chain
    checked to hold in that order (the chain is computed where the seq is given)."""
    events = await store.events_after(session_id, 0, limit=10_000)
    logged = seqs(events)
    assert logged == list(range(1, len(logged) + 1))
    assert await store.last_seq(session_id) == len(logged)
    chain = await store.chain_of(session_id)
    check = LogCheck(chain.public_id, chain.salt)
    check.feed(events)
    assert check.finish(chain.last_seq, chain.head) is None
    return logged


# Gapless seqs under load -----------------------------------------------------------------


async def test_a_thousand_concurrent_appends_over_twenty_sessions_are_gapless(
    store: SqlStore, transactions: list[int]
) -> None:
    opened = [await open_session(store, f"LOAD-{n:04d}") for n in range(20)]
    order = [opened[i % 20] for i in range(1000)]

    results = await asyncio.gather(
        *(
            store.append(session.id, chat(f"line {i}", client_id=f"c-{i}"), NOW)
            for i, session in enumerate(order)
        )
    )

    assert all(r.created for r in results)
    for session in opened:
        mine = [r.event for r in results if r.event.session_id == session.id]
        # Per session, consecutive in the order the appends were made.
        assert [e.seq for e in mine] == list(range(2, 52))
        assert [e.body["text"] for e in mine] == [
            f"line {i}" for i in range(1000) if order[i] is session
        ]
        assert await gapless(store, session.id) == list(range(1, 52))
        assert (await store.events_after(session.id, 1, limit=100)) == mine
    # Group commit: far fewer transactions than appends, none over the cap.
    assert sum(transactions) == 1000
    assert len(transactions) <= 10
    assert max(transactions) <= writer.MAX_BATCH


async def test_batches_and_single_writes_share_one_seq_counter(store: SqlStore) -> None:
    ann = await make_rep(store)
    session = await open_session(store)

    await asyncio.gather(
        *(store.append(session.id, chat(f"a{i}"), NOW) for i in range(30)),
        store.create_representative("bob", "Bob", ann.role, "hash", NOW),
        *(store.append(session.id, chat(f"b{i}"), NOW) for i in range(30)),
    )
    # A note appended by another kind of write (no group commit) takes the next seq.
    await store.apply(contract.customer_arrives(session), NOW)

    assert await gapless(store, session.id) == list(range(1, 63))


async def test_batched_events_are_indexed_for_search_in_their_transaction(
    store: SqlStore,
) -> None:
    sessions = [await open_session(store, f"SRCH-{n:04d}") for n in range(3)]

    await asyncio.gather(
        *(
            store.append(session.id, chat(f"word{n}x{i}"), NOW)
            for n, session in enumerate(sessions)
            for i in range(5)
        )
    )

    for n, session in enumerate(sessions):
        for i in range(5):
            found, total = await store.search_sessions(HistoryQuery(text=f"word{n}x{i}"))
            assert (total, [s.id for s in found]) == (1, [session.id])


# Idempotent resends ----------------------------------------------------------------------


async def test_duplicates_within_one_batch_resolve_to_the_first(
    store: SqlStore, transactions: list[int]
) -> None:
    session = await open_session(store)
    transactions.clear()

    results = await asyncio.gather(
        store.append(session.id, chat("one", client_id="c-1"), NOW),
        store.append(session.id, chat("two", client_id="c-2"), NOW),
        store.append(session.id, chat("one again", client_id="c-1"), LATER),
        store.append(session.id, chat("no id"), NOW),
        store.append(session.id, chat("one thrice", client_id="c-1"), LATER),
    )

    assert transactions == [5]
    first, second, again, no_id, thrice = results
    assert (first.created, second.created, no_id.created) == (True, True, True)
    assert (again, thrice) == (Appended(first.event, False), Appended(first.event, False))
    assert [first.event.seq, second.event.seq, no_id.event.seq] == [2, 3, 4]
    assert first.event.body["text"] == "one"
    assert await gapless(store, session.id) == [1, 2, 3, 4]


async def test_duplicates_across_batches_resolve_to_the_stored_original(
    store: SqlStore, transactions: list[int]
) -> None:
    ann = await make_rep(store)
    session = await open_session(store)
    other = await open_session(store, "ABCD-0002")
    originals = await asyncio.gather(
        *(store.append(session.id, chat(f"m{i}", client_id=f"c-{i}"), NOW) for i in range(10))
    )
    transactions.clear()
    as_ann = Author.representative(ann.id, "Ann")

    resent = await asyncio.gather(
        *(store.append(session.id, chat(f"m{i}", client_id=f"c-{i}"), LATER) for i in range(10)),
        # The same client ids from another author, or in another session, are new.
        store.append(session.id, chat("m0", client_id="c-0", author=as_ann), NOW),
        store.append(other.id, chat("m0", client_id="c-0"), NOW),
        store.append(session.id, chat("new", client_id="c-new"), NOW),
    )

    assert transactions == [13]
    assert list(resent[:10]) == [Appended(o.event, created=False) for o in originals]
    from_ann, in_other, new = resent[10:]
    assert (from_ann.created, in_other.created, new.created) == (True, True, True)
    assert (from_ann.event.seq, new.event.seq, in_other.event.seq) == (12, 13, 2)
    assert await gapless(store, session.id) == list(range(1, 14))


async def test_racing_resends_in_many_batches_make_one_event(store: SqlStore) -> None:
    session = await open_session(store)

    async def resend_later(delay: float) -> Appended:
        await asyncio.sleep(delay)
        return await store.append(session.id, chat("hello", client_id="c-1"), NOW)

    results = await asyncio.gather(*(resend_later(0.002 * (i % 5)) for i in range(40)))

    assert [r.created for r in results].count(True) == 1
    assert all(r.event == results[0].event for r in results)
    assert await gapless(store, session.id) == [1, 2]


async def test_writers_of_two_stores_on_one_database_keep_seqs_gapless(
    store: SqlStore, store_url: str
) -> None:
    """Two server processes' stores (PostgreSQL's deployment; on SQLite, an admin
    command next to the server): their batches interleave on the same sessions."""
    opened = [await open_session(store, f"TWO-{n:04d}") for n in range(5)]
    second = SqlStore(create_engine(store_url))
    try:
        results = await asyncio.gather(
            *(
                # Each message is sent twice, once through each store.
                (store if i % 2 else second).append(
                    opened[i // 2 % 5].id, chat(f"m{i // 2}", client_id=f"c-{i // 2}"), NOW
                )
                for i in range(300)
            )
        )
    finally:
        await second.close()

    assert [r.created for r in results].count(True) == 150
    by_key = {(r.event.session_id, r.event.client_id): r.event for r in results if r.created}
    for r in results:
        assert r.event == by_key[(r.event.session_id, r.event.client_id)]
    for session in opened:
        assert await gapless(store, session.id) == list(range(1, 32))


# Durability ----------------------------------------------------------------------------------


async def test_everything_acknowledged_is_there_after_closing_and_reopening(
    store_url: str,
) -> None:
    await upgrade(store_url)
    first = SqlStore(create_engine(store_url))
    opened = [await open_session(first, f"KEEP-{n:04d}") for n in range(4)]

    # Close while appends are still queued: they are saved and answered first.
    calls = [
        asyncio.create_task(
            first.append(opened[i % 4].id, chat(f"m{i}", client_id=f"c-{i % 60}"), NOW)
        )
        for i in range(120)
    ]
    await asyncio.sleep(0)
    await first.close()
    acknowledged = await asyncio.gather(*calls)

    reopened = SqlStore(create_engine(store_url))
    try:
        for session in opened:
            mine = sorted(
                {
                    r.event.seq: r.event for r in acknowledged if r.event.session_id == session.id
                }.items()
            )
            assert (await reopened.events_after(session.id, 1)) == [e for _, e in mine]
            assert await gapless(reopened, session.id) == list(range(1, len(mine) + 2))
        appended = await reopened.append(opened[0].id, chat("after restart"), NOW)
        assert appended.event.seq == await reopened.last_seq(opened[0].id)
    finally:
        await reopened.close()


async def test_a_closed_store_appends_again_when_used(store: SqlStore) -> None:
    session = await open_session(store)
    await store.append(session.id, chat("before"), NOW)
    await store.close()

    again = await store.append(session.id, chat("after"), NOW)

    assert again.event.seq == 3


async def test_batched_rows_are_stored_exactly_like_other_writes(
    store: SqlStore, store_url: str
) -> None:
    """The raw SQLite path converts values itself (with SQLAlchemy's types): a batched
    event's columns must read the same as a note saved by ``create_session``."""
    session = await open_session(store)
    await store.append(session.id, contract.customer_arrives(session).notes[0], NOW)

    engine = create_engine(store_url)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT seq, created_at, kind, audience_kind, audience_rep_id, author_kind,"
                    " author_rep_id, author_name, author_key, body, internal, reveals_masked,"
                    " client_id FROM events WHERE session_id = :id ORDER BY seq"
                ),
                {"id": session.id},
            )
        ).all()

    await engine.dispose()
    opening, batched = rows
    assert opening[0] == 1 and batched[0] == 2
    assert tuple(opening[1:]) == tuple(batched[1:])
