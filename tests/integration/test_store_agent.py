"""The agent's part of the store contract, on real SQLite and real PostgreSQL.

The details the agent reports of the customer's computer are kept with the session;
"the customer is online" holds while any server process has a presence mark for the
session, and stops when the last mark goes, by the process that held it or, for a
process that died, by any other once the mark is stale; an attach link is redeemed
once, before it expires, and only while the session is open. Every test runs once per
database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from helpline.domain.agent_links import AgentLink, agent_attached_note
from helpline.domain.drafting import seal
from helpline.domain.errors import Expired, NotFound, SessionEnded
from helpline.domain.events import Event, EventDraft
from helpline.domain.presence import stale_before
from helpline.domain.sessions import (
    Attendee,
    ClientApp,
    ClientInfo,
    SupportSession,
    as_author,
    end,
)
from helpline.store.database import create_engine
from helpline.store.migrate import current_revision, head_revision, upgrade
from helpline.store.protocol import PresenceChanges
from helpline.store.sql import SqlStore
from helpline.store.tables import events, sessions
from tests.integration import test_store as contract
from tests.integration.test_store import LATER, NOW, make_rep, new_session, open_session
from tests.integration.test_store_tools import picked_up_by
from tests.support.domain import DEBIAN
from tests.support.migrations import migrate_down, migrate_to, old_session, writing_to

# The contract's fixtures: every test here runs on a fresh database of each kind.
store_url = contract.store_url
store = contract.store

HEARTBEAT_SECONDS = 25.0


def attached_note(session: SupportSession, attendees: Sequence[Attendee]) -> EventDraft:
    return seal(agent_attached_note(), attendees)


async def online(store: SqlStore, session_id: int) -> bool:
    found = await store.get_session(session_id)
    assert found is not None
    return found.customer_online


# The customer's computer ------------------------------------------------------------------


async def test_the_agents_details_of_the_computer_are_kept_with_the_session(
    store: SqlStore,
) -> None:
    created, _ = await store.create_session(
        replace(new_session(), client=DEBIAN), NOW, contract.customer_arrives
    )

    found = await store.get_session(created.id)

    assert found is not None and found.client == DEBIAN == created.client
    assert found.customer_online is False


# Presence -----------------------------------------------------------------------------


async def test_the_customer_is_online_while_any_process_holds_a_mark(store: SqlStore) -> None:
    session = await open_session(store)

    assert await store.set_presence("node-a", [session.id], [], NOW) == PresenceChanges(
        online=[session.id]
    )
    assert await online(store, session.id)
    # A second process with a socket of the same customer changes nothing.
    assert not await store.set_presence("node-b", [session.id], [], NOW)
    # The first one's socket closes: the second still has one.
    assert not await store.set_presence("node-a", [], [session.id], LATER)
    assert await online(store, session.id)

    assert await store.set_presence("node-b", [], [session.id], LATER) == PresenceChanges(
        offline=[session.id]
    )
    assert not await online(store, session.id)


async def test_a_dead_process_s_marks_are_swept_once_stale_by_another(store: SqlStore) -> None:
    kept, orphaned = await open_session(store, "AAAA-0001"), await open_session(store, "AAAA-0002")
    await store.set_presence("alive", [kept.id], [], NOW)
    await store.set_presence("dead", [kept.id, orphaned.id], [], NOW)

    # Two heartbeats on, nothing is stale yet.
    soon = NOW + timedelta(seconds=2 * HEARTBEAT_SECONDS)
    assert not await store.renew_presence(
        "alive", [kept.id], soon, stale_before(soon, HEARTBEAT_SECONDS)
    )
    assert await online(store, orphaned.id)

    # Four heartbeats on, "dead" never renewed its marks: they go, and with them the
    # customer of the session only it held. "alive" renewed its own, which stay.
    later = NOW + timedelta(seconds=4 * HEARTBEAT_SECONDS)
    changes = await store.renew_presence(
        "alive", [kept.id], later, stale_before(later, HEARTBEAT_SECONDS)
    )

    assert changes == PresenceChanges(offline=[orphaned.id])
    assert await online(store, kept.id)
    assert not await online(store, orphaned.id)


async def test_a_process_too_slow_to_renew_puts_its_marks_back(store: SqlStore) -> None:
    session = await open_session(store)
    await store.set_presence("slow", [session.id], [], NOW)
    later = NOW + timedelta(seconds=4 * HEARTBEAT_SECONDS)
    swept = await store.renew_presence("other", [], later, stale_before(later, HEARTBEAT_SECONDS))
    assert swept == PresenceChanges(offline=[session.id])

    # "slow" still has the socket: its next renewal marks the session again.
    back = await store.renew_presence(
        "slow", [session.id], later, stale_before(later, HEARTBEAT_SECONDS)
    )

    assert back == PresenceChanges(online=[session.id])
    assert await online(store, session.id)


async def test_a_process_that_stops_takes_its_marks_away(store: SqlStore) -> None:
    first, second = await open_session(store, "AAAA-0001"), await open_session(store, "AAAA-0002")
    await store.set_presence("stopping", [first.id, second.id], [], NOW)
    await store.set_presence("staying", [second.id], [], NOW)

    assert await store.clear_presence("stopping") == [first.id]

    assert not await online(store, first.id)
    assert await online(store, second.id)


async def test_racing_processes_leave_the_customer_online_exactly_when_a_mark_is_left(
    store: SqlStore,
) -> None:
    session = await open_session(store)
    await store.set_presence("a", [session.id], [], NOW)

    # One process's socket closes while another's opens: a mark is left, so online.
    await asyncio.gather(
        store.set_presence("a", [], [session.id], LATER),
        store.set_presence("b", [session.id], [], LATER),
    )

    assert await online(store, session.id)


# Attach links -------------------------------------------------------------------------------


def link_for(session: SupportSession, secret: bytes = b"S" * 32, minutes: int = 10) -> AgentLink:
    return AgentLink(session.id, secret, NOW, NOW + timedelta(minutes=minutes))


async def attach(
    store: SqlStore,
    secret: bytes = b"S" * 32,
    token: bytes = b"agent-token",
    when: datetime = NOW,
) -> tuple[SupportSession, list[Event]]:
    return await store.attach_agent(
        secret, when, DEBIAN, token, when + timedelta(hours=24), attached_note
    )


async def test_an_attach_link_gives_the_session_a_second_token_and_the_agents_details(
    store: SqlStore,
) -> None:
    session = await open_session(store)
    await store.save_agent_link(link_for(session))

    attached, notes = await attach(store)

    assert attached.id == session.id and attached.client == DEBIAN
    assert [n.body["action"] for n in notes] == ["agent_attached"]
    assert notes[0].body["text"] == "The customer attached the Helpline agent."
    # Both the browser's token and the agent's open the session.
    assert await store.session_for_token(session.public_id.encode(), NOW) == session.id
    assert await store.session_for_token(b"agent-token", NOW) == session.id


async def test_an_attach_link_works_once(store: SqlStore) -> None:
    session = await open_session(store)
    await store.save_agent_link(link_for(session))
    await attach(store)

    with pytest.raises(Expired, match="already used"):
        await attach(store, token=b"second-token")

    assert await store.session_for_token(b"second-token", NOW) is None


async def test_of_two_agents_racing_with_one_link_one_attaches(store: SqlStore) -> None:
    session = await open_session(store)
    await store.save_agent_link(link_for(session))

    results = await asyncio.gather(
        attach(store, token=b"one"), attach(store, token=b"two"), return_exceptions=True
    )

    assert sorted(type(r).__name__ for r in results) == ["Expired", "tuple"]


async def test_an_expired_attach_link_is_refused(store: SqlStore) -> None:
    session = await open_session(store)
    await store.save_agent_link(link_for(session, minutes=10))

    with pytest.raises(Expired, match="expired"):
        await attach(store, when=NOW + timedelta(minutes=10))


async def test_a_wrong_secret_is_not_found(store: SqlStore) -> None:
    session = await open_session(store)
    await store.save_agent_link(link_for(session))

    with pytest.raises(NotFound):
        await attach(store, secret=b"W" * 32)


async def test_a_new_link_replaces_the_last(store: SqlStore) -> None:
    session = await open_session(store)
    await store.save_agent_link(link_for(session, secret=b"1" * 32))
    await store.save_agent_link(link_for(session, secret=b"2" * 32))

    with pytest.raises(NotFound):
        await attach(store, secret=b"1" * 32)
    attached, _ = await attach(store, secret=b"2" * 32)
    assert attached.id == session.id


async def test_no_agent_attaches_to_an_ended_session_and_its_link_stays_unused(
    store: SqlStore,
) -> None:
    ann = await make_rep(store)
    session, attendees = await picked_up_by(store, ann, await open_session(store))
    await store.save_agent_link(link_for(session))
    await store.apply(end(session, attendees, as_author(ann), LATER), LATER)
    last_seq = await store.last_seq(session.id)

    with pytest.raises(SessionEnded):
        await attach(store)

    assert await store.last_seq(session.id) == last_seq
    assert await store.session_for_token(b"agent-token", NOW) is None
    found = await store.get_session(session.id)
    assert found is not None and found.client.app is ClientApp.BROWSER


# The migration --------------------------------------------------------------------------------


async def test_upgrade_gives_earlier_sessions_a_browser_and_no_details(store_url: str) -> None:
    await migrate_to(store_url, "0004")
    async with writing_to(store_url) as connection:
        session_id = await old_session(
            connection, NOW, client_os="Windows XP", client_browser="Internet Explorer 6"
        )

    await upgrade(store_url)

    upgraded = SqlStore(create_engine(store_url))
    try:
        found = await upgraded.get_session(session_id)
        assert found is not None
        assert found.client == ClientInfo(os="Windows XP", browser="Internet Explorer 6")
        assert found.customer_online is False
    finally:
        await upgraded.close()


async def test_the_agent_migration_is_reversible_and_keeps_every_session_and_event(
    store_url: str,
) -> None:
    await upgrade(store_url)
    first = SqlStore(create_engine(store_url))
    try:
        session = await open_session(first)
        await first.set_presence("node", [session.id], [], NOW)
        await first.save_agent_link(link_for(session))
        await attach(first)
        logged = await first.last_seq(session.id)
    finally:
        await first.close()

    await migrate_down(store_url, "0004")

    assert await current_revision(store_url) == "0004"
    engine = create_engine(store_url)
    try:
        async with engine.connect() as connection:
            columns = (await connection.execute(select(sessions.c.public_id))).all()
            logged_rows = (await connection.execute(select(events.c.seq))).all()
    finally:
        await engine.dispose()
    assert columns == [(session.public_id,)]
    assert len(logged_rows) == logged

    await upgrade(store_url)

    assert await current_revision(store_url) == head_revision()
    again = SqlStore(create_engine(store_url))
    try:
        found = await again.get_session(session.id)
        assert found is not None and found.client.app is ClientApp.BROWSER
        assert await again.last_seq(session.id) == logged
        assert len(await again.events_after(session.id, 0)) == logged
    finally:
        await again.close()
