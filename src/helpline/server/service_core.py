"""What every part of the service layer stands on: the store, the bus, the settings,
the clock and the rate limits; the portal cache; the bus channels, rung after commit.

Why this exists: ``HelplineService`` is assembled from a few parts (``accounts.py``,
``joining.py`` and its own session actions), each a class on top of this one, so that
routes and the gateway still hold one object while no file holds every action.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from helpline.bus.base import Bus
from helpline.domain.errors import NotFound
from helpline.domain.events import Event
from helpline.domain.portals import Portal
from helpline.domain.sessions import Attendee, Change, SupportSession
from helpline.domain.webhooks import EVENT_OF_ACTION, WebhookEvent
from helpline.server import bus_messages, wire
from helpline.server.metrics import Metrics
from helpline.server.ratelimit import RateLimits
from helpline.server.records import (
    BusMessage,
    QueueChanged,
    SessionAssigned,
    SessionChanged,
)
from helpline.server.settings import Settings
from helpline.store.protocol import HelplineStore


def utc_now() -> datetime:
    return datetime.now(UTC)


def session_channel(session_id: int) -> str:
    return f"session:{session_id}"


def rep_channel(rep_id: int) -> str:
    return f"rep:{rep_id}"


def portal_channel(portal_id: int) -> str:
    return f"portal:{portal_id}"


SessionHook = Callable[[WebhookEvent, SupportSession], Awaitable[None]]


class ServiceCore:
    """The shared state of ``HelplineService`` and what its parts all use."""

    def __init__(
        self,
        store: HelplineStore,
        bus: Bus,
        settings: Settings,
        clock: Callable[[], datetime] = utc_now,
        limits: RateLimits | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.bus = bus
        self.settings = settings
        self.clock = clock
        self.limits = limits or RateLimits(settings)
        self.metrics = metrics or Metrics()
        # Told when a session starts, ends or is transferred (server/webhooks.py).
        self.on_session_event: SessionHook | None = None
        self._portals: dict[int, Portal] = {}

    # Portals ------------------------------------------------------------------------

    async def portal(self, portal_id: int | None) -> Portal | None:
        if portal_id is None:
            return None
        cached = self._portals.get(portal_id)
        if cached is None:
            cached = await self.store.get_portal(portal_id)
            if cached is not None:
                self._portals[portal_id] = cached
        return cached

    def forget_portal(self, portal_id: int) -> None:
        """Drop a changed portal from the cache; the next read loads it again."""
        self._portals.pop(portal_id, None)

    async def portal_by_slug(self, slug: str) -> Portal:
        portal = await self.store.get_portal_by_slug(slug)
        if portal is None:
            raise NotFound(f"There is no support portal called {slug!r}.")
        return portal

    # Ringing the bus, always after commit ------------------------------------------

    async def publish(self, channel: str, message: BusMessage) -> None:
        await self.bus.publish(channel, wire.message_bytes(message))

    async def publish_events(self, session_id: int, events: Sequence[Event]) -> None:
        """Ring the bus for events just appended (and count them)."""
        self.metrics.events.inc(len(events))
        await self.publish_again(session_id, events)

    async def publish_again(self, session_id: int, events: Sequence[Event]) -> None:
        """Ring the bus for events stored before (a resend's original)."""
        for event in events:
            await self.bus.publish(session_channel(session_id), bus_messages.event_appended(event))

    async def after_change(self, change: Change, events: Sequence[Event]) -> None:
        await self.publish_events(change.session.id, events)
        for event in events:
            announced = EVENT_OF_ACTION.get(str(event.body.get("action")))
            if announced is not None:
                await self.announce(announced, change.session)
        await self.publish(
            session_channel(change.session.id),
            SessionChanged(s=wire.session_record(change.session, change.attendees)),
        )

    async def announce(self, event: WebhookEvent, session: SupportSession) -> None:
        if self.on_session_event is not None:
            await self.on_session_event(event, session)

    async def publish_assigned(
        self,
        session: SupportSession,
        rep_ids: Sequence[int],
        attendees: Sequence[Attendee] | None = None,
    ) -> None:
        if attendees is None:
            attendees = await self.store.list_attendees(session.id)
        record = wire.session_record(session, attendees)
        for rep_id in rep_ids:
            await self.publish(rep_channel(rep_id), SessionAssigned(s=record))

    async def _publish_queue_removed(self, session: SupportSession) -> None:
        if session.portal_id is not None:
            await self.publish(
                portal_channel(session.portal_id),
                QueueChanged(action="removed", s=wire.session_record(session, [])),
            )
