"""The process's metrics in the Prometheus format, for whoever runs Helpline.

Why its own registry: each app (and each test's server) counts for itself, and the
process-wide default registry would mix them. What is counted is what an operator
asks when something is slow or odd: open sockets by kind, sessions by status, appends
and their batches and commit times, the lag from commit to a socket, the bus saying it
may have missed messages, rate-limit refusals, and HTTP requests by route and status.
Never message text, names or session ids: labels are fixed words and route templates.

``/metrics`` is off unless a token or allowed addresses are set (``access``): a
scrape reveals how busy a support team is.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from helpline.domain.events import Event

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self.sockets = Gauge(
            "helpline_open_sockets", "Open WebSocket connections", ["kind"], registry=r
        )
        self.sessions = Gauge(
            "helpline_sessions", "Support sessions in the store, by status", ["status"], registry=r
        )
        self.events = Counter(
            "helpline_events_appended",
            "Events appended to session logs: chat lines, notes and status notes",
            registry=r,
        )
        self.appends = Counter(
            "helpline_batched_appends",
            "Chat lines and notes committed by the batch writer (a resend included)",
            registry=r,
        )
        self.batches = Counter(
            "helpline_append_batches",
            "Batches of appends committed, by how: in one statement (PostgreSQL, when the "
            "writer knew each session's row) or in a transaction of several",
            ["how"],
            registry=r,
        )
        self.batch_size = Histogram(
            "helpline_append_batch_size",
            "Appends per committed batch",
            buckets=SIZE_BUCKETS,
            registry=r,
        )
        self.commit_seconds = Histogram(
            "helpline_append_commit_seconds",
            "Time to commit one batch of appends",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.delivery_lag = Histogram(
            "helpline_delivery_lag_seconds",
            "From an event's commit to its frame sent on a socket",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.bus_lost = Counter(
            "helpline_bus_lost_signals",
            "Times a socket was told the bus may have missed messages (it reads the store)",
            registry=r,
        )
        self.rate_limited = Counter(
            "helpline_rate_limit_refusals",
            "Requests and frames refused by a rate limit",
            ["over"],
            registry=r,
        )
        self.sockets_deferred = Counter(
            "helpline_sockets_deferred",
            "Sockets closed with 1013 and a time to come back: too many were being let in",
            registry=r,
        )
        self.http = Counter(
            "helpline_http_requests",
            "HTTP requests answered, by route template and status",
            ["method", "route", "status"],
            registry=r,
        )

    # The store's AppendObserver ------------------------------------------------------

    def committing(self, size: int) -> None:
        """Nothing to count until the batch is in."""

    def committed(
        self, size: int, seconds: float, stored: Sequence[Event], one_statement: bool
    ) -> None:
        self.batches.labels("one_statement" if one_statement else "transaction").inc()
        self.appends.inc(size)
        self.batch_size.observe(size)
        self.commit_seconds.observe(seconds)

    # Elsewhere -----------------------------------------------------------------------

    def delivered(self, committed_at: datetime, now: datetime) -> None:
        self.delivery_lag.observe(max(0.0, (now - committed_at).total_seconds()))

    def render(self, sessions_by_status: dict[str, int]) -> bytes:
        for status, count in sessions_by_status.items():
            self.sessions.labels(status).set(count)
        return generate_latest(self.registry)

    def counting_http(self, app: Asgi) -> Asgi:
        """ASGI middleware counting every HTTP answer by its route's template (never
        the path itself, which holds session ids)."""

        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            status = 500

            async def sending(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                await send(message)

            try:
                await app(scope, receive, sending)
            finally:
                route = scope.get("route")
                template = getattr(route, "path", None) or "unmatched"
                self.http.labels(scope["method"], template, str(status)).inc()

        return counted


def access(
    token: str | None, allowed: tuple[str, ...]
) -> Callable[[str | None, str | None], bool | None]:
    """Who may read /metrics: ``check(authorization header, client address)`` is None
    when metrics are off (neither a token nor addresses set), else whether this
    request may."""
    networks = [ipaddress.ip_network(a, strict=False) for a in allowed]
    expected = f"Bearer {token}".encode() if token else None

    def check(authorization: str | None, client: str | None) -> bool | None:
        if expected is None and not networks:
            return None
        if (
            expected is not None
            and authorization is not None
            and hmac.compare_digest(authorization.encode(), expected)
        ):
            return True
        if client is not None and networks:
            try:
                address = ipaddress.ip_address(client)
            except ValueError:
                return False
            return any(address in network for network in networks)
        return False

    return check
