"""Webhook calls reach an endpoint in the order their session's events happened, on
real SQLite and real PostgreSQL.

A ticketing system opens a ticket on ``session.started`` and closes it on
``session.ended``: the close must never arrive first, not when both are due at once,
not while the start is being retried. Other sessions and other endpoints are never
held up by it. Every test runs once per database.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from helpline.domain.sessions import SupportSession
from helpline.domain.webhooks import DeliveryState, Webhook, WebhookEvent
from helpline.store.sql import SqlStore
from tests.integration import test_store as contract
from tests.integration.test_store import NOW, make_rep, open_session

store_url = contract.store_url
store = contract.store

HOLD = timedelta(seconds=30)
EVERY = frozenset(WebhookEvent)


async def endpoint(store: SqlStore, url: str) -> Webhook:
    rep = await make_rep(store, username=url.split("/")[2])
    return await store.create_webhook(url, EVERY, None, "secret", rep.id, NOW)


async def claimed(store: SqlStore, at: timedelta = timedelta()) -> list[tuple[str, int, str]]:
    """(endpoint URL, session id, event) of every call claimed now, in claim order."""
    rows = await store.claim_deliveries(NOW + at, HOLD)
    return [(target.url, row.session_id, row.event) for row, target in rows]


async def start_on_its_way_end_queued(store: SqlStore) -> tuple[Webhook, SupportSession, Any]:
    """A session started and ended; the start's call to the endpoint is claimed."""
    ticketing = await endpoint(store, "http://tickets.example/hook")
    session = await open_session(store)
    for event in (WebhookEvent.SESSION_STARTED, WebhookEvent.SESSION_ENDED):
        await store.queue_deliveries([ticketing], event, session.id, NOW)
    ((start, _),) = await store.claim_deliveries(NOW, HOLD)
    return ticketing, session, start


async def test_a_sessions_end_waits_until_its_start_was_delivered(store: SqlStore) -> None:
    ticketing = await endpoint(store, "http://tickets.example/hook")
    session = await open_session(store)
    await store.queue_deliveries([ticketing], WebhookEvent.SESSION_STARTED, session.id, NOW)
    await store.queue_deliveries([ticketing], WebhookEvent.SESSION_ENDED, session.id, NOW)

    first = await store.claim_deliveries(NOW, HOLD)
    assert [row.event for row, _ in first] == ["session.started"]
    # Held for the call and then some: the end is due but still waits behind it.
    assert await claimed(store, timedelta(seconds=1)) == []

    await store.finish_delivery(first[0][0].id, DeliveryState.DELIVERED, 204, None, NOW)
    assert await claimed(store, timedelta(seconds=1)) == [
        (ticketing.url, session.id, "session.ended")
    ]


async def test_a_start_being_retried_keeps_the_end_waiting(store: SqlStore) -> None:
    ticketing, session, start = await start_on_its_way_end_queued(store)
    retry_at = NOW + timedelta(minutes=1)
    await store.finish_delivery(
        start.id, DeliveryState.PENDING, 503, "answered 503", NOW, due_at=retry_at
    )

    assert await claimed(store, timedelta(seconds=30)) == []
    assert await claimed(store, timedelta(minutes=1)) == [
        (ticketing.url, session.id, "session.started")
    ]


async def test_a_start_given_up_lets_the_end_go(store: SqlStore) -> None:
    ticketing, session, start = await start_on_its_way_end_queued(store)
    await store.finish_delivery(start.id, DeliveryState.FAILED, 500, "answered 500", NOW)

    assert await claimed(store) == [(ticketing.url, session.id, "session.ended")]


async def test_other_sessions_and_other_endpoints_are_never_held_up(store: SqlStore) -> None:
    ticketing = await endpoint(store, "http://tickets.example/hook")
    chat_archive = await endpoint(store, "http://archive.example/hook")
    stuck = await open_session(store, "ABCD-0001")
    other = await open_session(store, "ABCD-0002")
    await store.queue_deliveries([ticketing], WebhookEvent.SESSION_STARTED, stuck.id, NOW)
    ((start, _),) = await store.claim_deliveries(NOW, HOLD)
    await store.queue_deliveries(
        [ticketing, chat_archive], WebhookEvent.SESSION_ENDED, stuck.id, NOW
    )
    await store.queue_deliveries([ticketing], WebhookEvent.SESSION_STARTED, other.id, NOW)

    assert await claimed(store) == [
        (chat_archive.url, stuck.id, "session.ended"),
        (ticketing.url, other.id, "session.started"),
    ]
    await store.finish_delivery(start.id, DeliveryState.DELIVERED, 200, None, NOW)
    assert await claimed(store) == [(ticketing.url, stuck.id, "session.ended")]
