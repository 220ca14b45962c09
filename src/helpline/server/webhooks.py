"""Webhooks: managers' endpoints, the calls queued when a session starts, ends or is
transferred, and the dispatcher that makes them.

Why this shape: a session must never wait for a ticketing system. A session's change
only queues rows (``queue``, after the change is saved and published; a failure is
logged, never raised into the session); ``Dispatcher`` claims due rows in the
background, POSTs each with a timeout, and tries a failed one again later with a
longer wait each time (domain/webhooks.py), until it gives up. Every attempt is kept
in the delivery log a manager reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from datetime import timedelta
from typing import Any

import httpx

from helpline import __version__
from helpline.domain import webhooks as rules
from helpline.domain.errors import Forbidden, LimitReached, NotFound
from helpline.domain.people import Role
from helpline.domain.sessions import SupportSession
from helpline.domain.viewers import Viewer
from helpline.domain.visibility import view_log
from helpline.domain.webhooks import DeliveryState, Webhook, WebhookEvent
from helpline.server import wire
from helpline.server.accounts import RepActor
from helpline.server.service import HelplineService

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0
MAX_ERROR_CHARS = 300


def _manager(actor: RepActor) -> None:
    if actor.rep.role is not Role.MANAGER:
        raise Forbidden("Only a manager manages webhooks.")


class Webhooks:
    def __init__(self, service: HelplineService) -> None:
        self.service = service
        self.store = service.store

    # Managers ------------------------------------------------------------------------

    async def add(
        self, actor: RepActor, url: str, events: list[str], portal_slug: str | None
    ) -> Webhook:
        _manager(actor)
        checked_url = rules.check_endpoint_url(url)
        wanted = rules.check_events(events)
        portal_id = None
        if portal_slug is not None:
            portal = await self.store.get_portal_by_slug(portal_slug)
            if portal is None:
                raise NotFound(f"There is no portal called {portal_slug!r}.")
            portal_id = portal.id
        if len(await self.store.list_webhooks()) >= rules.MAX_ENDPOINTS:
            raise LimitReached(f"A team has at most {rules.MAX_ENDPOINTS} webhooks.")
        secret = secrets.token_urlsafe(32)
        return await self.store.create_webhook(
            checked_url, wanted, portal_id, secret, actor.rep.id, self.service.clock()
        )

    async def all(self, actor: RepActor) -> list[Webhook]:
        _manager(actor)
        return await self.store.list_webhooks()

    async def switch(self, actor: RepActor, webhook_id: int, enabled: bool) -> Webhook:
        """On: sent new calls again. Off: none queued, and waiting ones given up."""
        _manager(actor)
        changed = await self.store.change_webhook(webhook_id, self.service.clock(), enabled=enabled)
        if changed is None:
            raise NotFound("There is no such webhook.")
        return changed

    async def rotate(self, actor: RepActor, webhook_id: int) -> Webhook:
        """A new secret signs every call from now on (also retries); the old one no more."""
        _manager(actor)
        changed = await self.store.change_webhook(
            webhook_id, self.service.clock(), secret=secrets.token_urlsafe(32)
        )
        if changed is None:
            raise NotFound("There is no such webhook.")
        return changed

    async def portal_slugs(self) -> dict[int, str]:
        return {p.id: p.slug for p in await self.store.list_portals()}

    async def remove(self, actor: RepActor, webhook_id: int) -> None:
        _manager(actor)
        if not await self.store.delete_webhook(webhook_id):
            raise NotFound("There is no such webhook.")

    async def deliveries(self, actor: RepActor, webhook_id: int) -> list[Any]:
        _manager(actor)
        if not any(w.id == webhook_id for w in await self.store.list_webhooks()):
            raise NotFound("There is no such webhook.")
        return await self.store.deliveries_of(webhook_id)

    # Sessions ------------------------------------------------------------------------

    async def queue(self, event: WebhookEvent, session: SupportSession) -> None:
        """Queue the calls for ``event``; never raises into the session's action."""
        try:
            targets = [
                w for w in await self.store.list_webhooks() if w.wants(event, session.portal_id)
            ]
            await self.store.queue_deliveries(targets, event, session.id, self.service.clock())
        except Exception:
            log.exception("webhooks: could not queue %s for a session", event.value)

    async def payload(self, delivery_id: int, event: str, session_id: int) -> bytes:
        session = await self.store.get_session(session_id)
        if session is None:
            raise NotFound("The session is gone.")
        viewer = Viewer.representative(session.primary_rep_id or 0)
        body: dict[str, Any] = {
            "id": delivery_id,
            "event": event,
            "session": await self.service.session_body(viewer, session),
        }
        if event == WebhookEvent.SESSION_ENDED.value:
            events = []
            after = 0
            while batch := await self.store.events_after(session.id, after, 1000):
                events.extend(batch)
                after = batch[-1].seq
            shown = [wire.event_frame_body(viewer, e) for e in view_log(viewer, events)]
            body["transcript"] = [b for b in shown if b is not None]
        return wire.dumps(body).encode()


class Dispatcher:
    """Makes the queued calls, in the background of one server process."""

    def __init__(self, webhooks: Webhooks) -> None:
        self.webhooks = webhooks
        settings = webhooks.service.settings
        self.timeout = settings.webhook_timeout_seconds
        self.retry_seconds = settings.webhook_retry_seconds
        self._task: asyncio.Task[None] | None = None
        self._http = httpx.AsyncClient(
            timeout=self.timeout,
            headers={"User-Agent": f"Helpline/{__version__} webhooks"},
            follow_redirects=False,
        )

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._http.aclose()

    async def _run(self) -> None:
        poll = min(POLL_SECONDS, max(0.05, self.retry_seconds / 2))
        while True:
            try:
                await self.round()
            except Exception:
                log.exception("webhooks: a round of calls failed; trying again")
            await asyncio.sleep(poll)

    async def round(self) -> int:
        """Make every call that is due now; the number made."""
        store = self.webhooks.store
        now = self.webhooks.service.clock()
        hold = timedelta(seconds=self.timeout + 30)
        claimed = await store.claim_deliveries(now, hold)
        await asyncio.gather(*(self._call(row, target) for row, target in claimed))
        return len(claimed)

    async def _call(self, row: Any, target: Webhook) -> None:
        store = self.webhooks.store
        status: int | None = None
        error: str | None = None
        if not target.enabled:
            await store.finish_delivery(
                row.id,
                DeliveryState.FAILED,
                None,
                rules.SWITCHED_OFF,
                self.webhooks.service.clock(),
            )
            return
        try:
            body = await self.webhooks.payload(row.id, row.event, row.session_id)
            stamp = int(time.time())
            response = await self._http.post(
                target.url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Helpline-Event": row.event,
                    "X-Helpline-Delivery": str(row.id),
                    "X-Helpline-Signature": rules.signature(target.secret, stamp, body),
                },
            )
            status = response.status_code
            if 200 <= status < 300:
                await store.finish_delivery(
                    row.id, DeliveryState.DELIVERED, status, None, self.webhooks.service.clock()
                )
                return
            error = f"answered {status}"
        except httpx.TimeoutException:
            error = f"no answer within {self.timeout:g} s"
        except httpx.HTTPError as failure:
            error = str(failure) or type(failure).__name__
        except NotFound as gone:
            error = gone.message
        wait = rules.retry_after(row.attempts, self.retry_seconds)
        now = self.webhooks.service.clock()
        if wait is None:
            await store.finish_delivery(
                row.id, DeliveryState.FAILED, status, error[:MAX_ERROR_CHARS], now
            )
        else:
            await store.finish_delivery(
                row.id,
                DeliveryState.PENDING,
                status,
                error[:MAX_ERROR_CHARS],
                now,
                due_at=now + timedelta(seconds=wait),
            )
