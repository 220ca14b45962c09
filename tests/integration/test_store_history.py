"""The history search's part of the store contract, on real SQLite and real PostgreSQL:
words from chats, notes and status notes, filters that combine, pages newest first,
whole sessions; and the search index of a database upgraded from the first schema
with conversations already in it. Every test runs once per database.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert
from sqlalchemy.engine import Connection

from helpline.domain.chain import LogCheck
from helpline.domain.events import Audience, Author, EventDraft, EventKind
from helpline.domain.people import Representative
from helpline.domain.sessions import (
    Outcome,
    SessionStatus,
    as_author,
    end,
)
from helpline.store.database import create_engine
from helpline.store.migrate import current_revision, head_revision, upgrade
from helpline.store.search_table import is_described
from helpline.store.sql import SqlStore
from helpline.store.tables import events, metadata, portals
from helpline.store.tools_protocol import HistoryQuery
from tests.integration import test_store as contract
from tests.integration import test_store_tools as tools
from tests.integration.test_store import LATER, NOW, chat, make_rep, open_session
from tests.support.migrations import migrate_to, old_session, writing_to

# The contract's fixtures: every test here runs on a fresh database of each kind.
store_url = contract.store_url
store = contract.store
picked_up_by = tools.picked_up_by


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


async def test_upgrade_from_the_first_schema_indexes_the_conversations_already_stored(
    store_url: str,
) -> None:
    await migrate_to(store_url, "0001")
    assert await current_revision(store_url) == "0001"
    async with writing_to(store_url) as connection:
        # Only the columns the first schema has.
        portal_id = await connection.scalar(
            insert(portals)
            .values(slug="sales", name="Sales", fields="", greeting="")
            .returning(portals.c.id)
        )
        session_id = await old_session(
            connection,
            NOW,
            customer_name="Olga Oldtimer",
            query="Fax machine jammed",
            portal_id=portal_id,
            status="ended",
            last_seq=2,
            ended_at=LATER,
            ended_by="Ann",
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
