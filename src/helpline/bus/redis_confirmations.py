"""Which SUBSCRIBE and UNSUBSCRIBE commands Redis has yet to answer, and who waits.

Why this exists: ``RedisBus.add()`` returns only once Redis confirmed the channel, and
after a reconnect ``Lost`` goes out only once every channel is subscribed again. That
bookkeeping (replies expected per channel in order, the newest SUBSCRIBE later
followers wait on, the resubscriptions still open) is one piece with one rule: every
waiter is settled exactly once, when Redis answers or the link breaks. It was half of
``bus/redis.py``; the bus now decides what to send and this keeps count.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable


class Confirmations:
    """Replies Redis still owes on the subscribe-mode connection.

    ``resynced`` is called once every resubscription after a reconnect is confirmed.
    """

    def __init__(self, resynced: Callable[[], None]) -> None:
        self._on_resynced = resynced
        # Per Redis channel, one entry per SUBSCRIBE or UNSUBSCRIBE sent and not yet
        # answered: Redis answers each with one reply per channel, in order. A
        # future marks a SUBSCRIBE somebody waits on.
        self._replies: dict[bytes, deque[asyncio.Future[None] | None]] = {}
        # The newest unconfirmed SUBSCRIBE per channel, for later followers to wait on.
        self._latest: dict[bytes, asyncio.Future[None]] = {}
        # After a reconnect: SUBSCRIBEs to be confirmed before ``Lost`` goes out.
        self.resyncing = False
        self._resync_pending: set[asyncio.Future[None]] = set()

    def subscribing(self, name: bytes) -> asyncio.Future[None]:
        """A new waiter for a first SUBSCRIBE of ``name``, registered before it is sent
        so that followers arriving meanwhile wait for the same confirmation."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._latest[name] = waiter
        if self.resyncing:
            self._resync_pending.add(waiter)
        return waiter

    def latest(self, name: bytes) -> asyncio.Future[None] | None:
        return self._latest.get(name)

    def sent(self, name: bytes, waiter: asyncio.Future[None] | None) -> None:
        """A command for ``name`` goes on the wire: Redis will answer it in order."""
        self._replies.setdefault(name, deque()).append(waiter)

    def resubscribing(self, names: Iterable[bytes]) -> None:
        """A new connection subscribes ``names`` again; ``resynced`` follows once
        Redis confirmed them all."""
        self.resyncing = True
        for name in names:
            waiter = asyncio.get_running_loop().create_future()
            self._replies.setdefault(name, deque()).append(waiter)
            self._latest[name] = waiter
            self._resync_pending.add(waiter)

    def confirmed(self, name: bytes) -> None:
        """Redis answered the oldest command for ``name``."""
        pending = self._replies.get(name)
        if not pending:
            return
        waiter = pending.popleft()
        if not pending:
            del self._replies[name]
        settle(waiter)
        self.forget(name, waiter)

    def forget(self, name: bytes, waiter: asyncio.Future[None] | None) -> None:
        if waiter is None:
            return
        if self._latest.get(name) is waiter:
            del self._latest[name]
        self._resync_pending.discard(waiter)
        if self.resyncing and not self._resync_pending:
            self.resynced()

    def resynced(self) -> None:
        self.resyncing = False
        self._on_resynced()

    def lost(self) -> None:
        """The connection broke: let every waiter go (the reconnect resubscribes)."""
        self.resyncing = False
        for pending in self._replies.values():
            for waiter in pending:
                settle(waiter)
        for waiter in self._latest.values():
            settle(waiter)
        for waiter in self._resync_pending:
            settle(waiter)
        self._resync_pending.clear()
        self._replies.clear()
        self._latest.clear()


def settle(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)
