"""The one interface every bus implements, in memory or over Redis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    channel: str
    data: bytes


@dataclass(frozen=True)
class Lost:
    """Messages may have been dropped (a slow reader, a reconnect to Redis).

    The reader must read the store again for every channel it follows.
    """


class Subscription(Protocol):
    """One reader's set of channels. Messages of all its channels come through ``get``."""

    async def add(self, channel: str) -> None:
        """Follow ``channel``. Returns once messages published after this call are
        certain to arrive (the subscribe-then-replay order depends on it)."""

    async def remove(self, channel: str) -> None: ...

    async def get(self) -> Message | Lost:
        """Wait for the next message. Raises ``BusClosed`` once closed."""

    async def close(self) -> None: ...


class Bus(Protocol):
    async def start(self) -> None: ...

    async def publish(self, channel: str, data: bytes) -> None:
        """Deliver to every current subscriber of ``channel``, at most once. Hands the
        message to this process's subscribers before it returns, and never waits for
        another process: a bus that fails to pass a message on says ``Lost``."""

    @property
    def problem(self) -> str | None:
        """None while the bus works; otherwise a sentence on what is wrong and what to
        do (``/healthz`` shows it, and ``/readyz`` answers 503 meanwhile)."""

    def subscription(self, max_pending: int = 1000) -> Subscription:
        """A new, empty subscription. Past ``max_pending`` unread messages it drops
        them and reports ``Lost`` once."""

    async def close(self) -> None: ...


class BusClosed(Exception):
    """The subscription or its bus was closed."""


class BusUnavailable(Exception):
    """The bus could not be reached; the message says how to fix it."""
