"""Webhooks: what a team's ticketing system hears of its sessions, and how it knows
the call came from Helpline.

A manager adds an endpoint (an https:// or http:// address) for some events, for one
portal or for the whole team; Helpline then POSTs a JSON body to it when a session
starts, ends (with the outcome, the end notes and the chat log) or is transferred.
Each call is signed: ``X-Helpline-Signature: t=TIMESTAMP,v1=HEX`` where HEX is the
HMAC-SHA256, keyed with the endpoint's secret, of ``TIMESTAMP.BODY``; the receiver
recomputes it and compares, and refuses an old timestamp. A call that fails is tried
again later, a few times, each wait longer; a session never waits for any of it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from helpline.domain.errors import InvalidInput
from helpline.domain.urls import check_push_url

MAX_ATTEMPTS = 6
# The wait before attempt n+1 is BACKOFF_FACTOR ** (n - 1) times the base wait.
BACKOFF_FACTOR = 6
MAX_ENDPOINTS = 20
# A switched-off endpoint's waiting calls are given up, with this as their last error.
SWITCHED_OFF = "the endpoint was switched off"


class WebhookEvent(StrEnum):
    SESSION_STARTED = "session.started"
    SESSION_ENDED = "session.ended"
    SESSION_TRANSFERRED = "session.transferred"


# The status note that marks each event in a session's log.
EVENT_OF_ACTION = {
    "picked_up": WebhookEvent.SESSION_STARTED,
    "ended": WebhookEvent.SESSION_ENDED,
    "transferred": WebhookEvent.SESSION_TRANSFERRED,
}


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True)
class Webhook:
    id: int
    url: str
    events: frozenset[WebhookEvent]
    portal_id: int | None
    secret: str
    created_at: datetime
    enabled: bool = True

    def wants(self, event: WebhookEvent, portal_id: int | None) -> bool:
        return (
            self.enabled
            and event in self.events
            and (self.portal_id is None or self.portal_id == portal_id)
        )


def check_endpoint_url(text: str) -> str:
    """An address Helpline can call: http(s), a host, no spaces; as for pushed URLs."""
    try:
        return check_push_url(text)
    except InvalidInput as error:
        message = error.message.replace("pushed", "webhook").replace("push", "call")
        raise InvalidInput(message) from None


def check_events(names: list[str]) -> frozenset[WebhookEvent]:
    if not names:
        raise InvalidInput("Choose at least one event: " + ", ".join(e.value for e in WebhookEvent))
    try:
        return frozenset(WebhookEvent(name) for name in names)
    except ValueError:
        raise InvalidInput(
            "The events are " + ", ".join(e.value for e in WebhookEvent) + "."
        ) from None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Helpline-Signature`` header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def retry_after(attempts: int, base_seconds: float) -> float | None:
    """How long to wait after ``attempts`` failed tries; None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return base_seconds * float(BACKOFF_FACTOR ** max(0, attempts - 1))
