"""The in-process fan-out every bus delivers through.

One process may hold 10,000 connections, each following a few channels, so handing a
message to the local subscribers of a channel is the hot path: it appends to bounded
per-subscription queues and wakes the readers that wait, with no task per message and
no lock. A reader that falls behind loses messages rather than memory, and is told so
with ``Lost`` (it then reads the store again, which is the truth).

A bus that reaches other processes (Redis) plugs in as an ``Upstream``: it hears when
a subscription follows or stops following a channel, so it can follow the channel
outside the process exactly while someone here needs it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Iterable
from typing import Protocol

from helpline.bus.base import BusClosed, Lost, Message

LOST = Lost()


class Upstream(Protocol):
    """Where a channel's messages come from, when not only from this process."""

    async def follow(self, channel: str, first: bool) -> None:
        """``channel`` has a new local subscriber (``first``: it had none before).
        Returns once messages published after this call are certain to reach the
        fan-out, or once a ``Lost`` is certain to follow."""

    async def unfollow(self, channel: str) -> None:
        """The last local subscriber of ``channel`` left."""


class Fanout:
    """The registry of local subscriptions per channel, and delivery to them."""

    __slots__ = ("_channels", "_closed", "_subscriptions")

    def __init__(self) -> None:
        self._channels: dict[str, set[FanoutSubscription]] = {}
        # Weak, so a subscription its owner forgot to close is not kept alive; still
        # needed, because closing the bus must also wake readers that follow nothing.
        self._subscriptions: weakref.WeakSet[FanoutSubscription] = weakref.WeakSet()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def subscription(
        self, max_pending: int = 1000, upstream: Upstream | None = None
    ) -> FanoutSubscription:
        if self._closed:
            raise BusClosed("the bus is closed")
        subscription = FanoutSubscription(self, max_pending, upstream)
        self._subscriptions.add(subscription)
        return subscription

    def channels(self) -> list[str]:
        """Every channel with at least one local subscriber."""
        return list(self._channels)

    def subscriber_count(self, channel: str) -> int:
        subscribers = self._channels.get(channel)
        return len(subscribers) if subscribers else 0

    def publish(self, channel: str, data: bytes) -> None:
        """Hand ``data`` to every local subscriber of ``channel``, now."""
        subscribers = self._channels.get(channel)
        if not subscribers:
            return
        # One shared, immutable Message for all of them: no per-subscriber allocation.
        message = Message(channel, data)
        for subscription in subscribers:
            subscription._push(message)

    def lose_all(self) -> None:
        """Tell every subscription that follows a channel that it may have missed
        messages (the link to other processes broke and was mended)."""
        for subscription in self._followers():
            subscription._mark_lost()

    def close(self) -> None:
        """Close every subscription: their readers get ``BusClosed``."""
        self._closed = True
        self._channels.clear()
        for subscription in list(self._subscriptions):
            subscription._channels.clear()
            subscription._close_now()

    def _followers(self) -> set[FanoutSubscription]:
        followers: set[FanoutSubscription] = set()
        for subscribers in self._channels.values():
            followers.update(subscribers)
        return followers

    def _attach(self, channel: str, subscription: FanoutSubscription) -> bool:
        """Returns whether ``channel`` had no local subscriber before."""
        subscribers = self._channels.get(channel)
        if subscribers is None:
            self._channels[channel] = {subscription}
            return True
        subscribers.add(subscription)
        return False

    def _detach(self, channel: str, subscription: FanoutSubscription) -> bool:
        """Returns whether that was the last local subscriber of ``channel``."""
        subscribers = self._channels.get(channel)
        if subscribers is None:
            return False
        subscribers.discard(subscription)
        if subscribers:
            return False
        # An empty entry would make every later publish look for readers that are gone.
        del self._channels[channel]
        return True


class FanoutSubscription:
    """One reader's channels and its bounded queue of messages not yet read.

    When ``max_pending`` messages wait unread, further messages are dropped and the
    next ``get`` returns ``Lost`` once, before anything else; the messages already
    queued follow it, then newer ones. A reader that sees ``Lost`` reads the store
    again, so the messages queued before it are stale but harmless.

    One reader per subscription: a second ``get`` while one waits is a mistake
    and raises ``RuntimeError``.
    """

    __slots__ = (
        "__weakref__",
        "_channels",
        "_closed",
        "_fanout",
        "_lost",
        "_max_pending",
        "_queue",
        "_upstream",
        "_waiter",
    )

    def __init__(self, fanout: Fanout, max_pending: int, upstream: Upstream | None) -> None:
        if max_pending < 1:
            raise ValueError("max_pending must be at least 1")
        self._fanout = fanout
        self._max_pending = max_pending
        self._upstream = upstream
        # Made by the first message and dropped once read: an empty deque still holds a
        # 64-slot block (~0.7 KiB), and a process may hold 10,000 subscriptions, nearly
        # all of them idle.
        self._queue: deque[Message] | None = None
        self._channels: set[str] = set()
        self._lost = False
        self._closed = False
        self._waiter: asyncio.Future[None] | None = None

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(self._channels)

    @property
    def closed(self) -> bool:
        return self._closed

    async def add(self, channel: str) -> None:
        if self._closed:
            raise BusClosed("the subscription is closed")
        if channel in self._channels:
            return
        self._channels.add(channel)
        first = self._fanout._attach(channel, self)
        if self._upstream is None:
            return
        try:
            await self._upstream.follow(channel, first)
        except BaseException:
            # The caller will believe it does not follow the channel: make that true.
            await self._forget([channel])
            raise

    async def remove(self, channel: str) -> None:
        if channel not in self._channels:
            return
        await self._forget([channel])

    async def get(self) -> Message | Lost:
        while True:
            if self._closed:
                raise BusClosed("the subscription is closed")
            if self._lost:
                self._lost = False
                return LOST
            queue = self._queue
            if queue:
                message = queue.popleft()
                if not queue:
                    self._queue = None
                return message
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                raise RuntimeError("Subscription.get() is already awaited by another reader")
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            try:
                await waiter
            finally:
                self._waiter = None

    async def close(self) -> None:
        if self._closed:
            return
        channels = list(self._channels)
        self._close_now()
        self._fanout._subscriptions.discard(self)
        await self._forget(channels)

    def __repr__(self) -> str:
        return (
            f"<FanoutSubscription channels={sorted(self._channels)} "
            f"pending={len(self._queue or ())} lost={self._lost} closed={self._closed}>"
        )

    async def _forget(self, channels: Iterable[str]) -> None:
        # Detach everything first, without awaiting, so no message for these
        # channels is queued once this call has begun.
        emptied = []
        for channel in channels:
            self._channels.discard(channel)
            if self._fanout._detach(channel, self):
                emptied.append(channel)
        if self._upstream is not None and not self._fanout.closed:
            for channel in emptied:
                await self._upstream.unfollow(channel)

    def _push(self, message: Message) -> None:
        queue = self._queue
        if queue is None:
            queue = self._queue = deque()
        elif len(queue) >= self._max_pending:
            self._lost = True
            return
        queue.append(message)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _mark_lost(self) -> None:
        self._lost = True
        self._wake()

    def _close_now(self) -> None:
        self._closed = True
        self._queue = None
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
