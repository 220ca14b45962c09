"""When the customer counts as online: the rule, apart from how it is kept.

Why this exists: "online" has to hold across server processes and survive a process
that dies without saying goodbye. Each process that holds customer sockets of a
session keeps a presence mark for it in the store and renews it every heartbeat; a
mark not renewed for ``PRESENCE_INTERVALS`` heartbeats belongs to a process that is
gone (killed, frozen, cut off), and any other process removes it. The customer is
online while their session has at least one mark. ``server/presence.py`` keeps the
marks; docs/architecture.md says why they live in the store.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# Three heartbeats, as for a silent socket (server/gateway.py): a mark older than that
# was not renewed twice in a row, which a living process never fails to do.
PRESENCE_INTERVALS = 3


def stale_before(now: datetime, heartbeat_seconds: float) -> datetime:
    """Marks renewed before this moment belong to a process that is gone."""
    return now - timedelta(seconds=heartbeat_seconds * PRESENCE_INTERVALS)


def is_fresh(seen_at: datetime, now: datetime, heartbeat_seconds: float) -> bool:
    """Whether a mark renewed at ``seen_at`` still says the customer is there."""
    return seen_at >= stale_before(now, heartbeat_seconds)
