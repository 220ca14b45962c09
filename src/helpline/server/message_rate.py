"""How many chat messages one socket may send: a moving window kept by the socket itself.

Why this exists, and why not in the shared storage of ``ratelimit.py``: a socket lives
in one process, so its count needs no sharing, and sending is the hottest path of the
server (docs/performance.md): a round trip to Redis per message would cost more than
the rest of the send. This is a deque of the last sends' times, made on the socket's
first send, so an idle socket pays nothing. The rate is written like every other limit
(``"60 per minute"``, parsed by the ``limits`` library).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from limits import RateLimitItem

from helpline.domain.errors import RateLimited
from helpline.server.ratelimit import wait_words


class MessageRate:
    """At most ``rate.amount`` sends in any ``rate.get_expiry()`` seconds."""

    __slots__ = ("_clock", "_sent", "amount", "window")

    def __init__(self, rate: RateLimitItem, clock: Callable[[], float]) -> None:
        self.amount = rate.amount
        self.window = float(rate.get_expiry())
        self._clock = clock
        self._sent: deque[float] = deque(maxlen=self.amount)

    def take(self) -> None:
        """Count one send, or raise ``RateLimited`` (counting nothing) if none is left."""
        now = self._clock()
        sent = self._sent
        if len(sent) == self.amount and now - sent[0] < self.window:
            retry = sent[0] + self.window - now
            raise RateLimited(
                "You are sending messages faster than this chat allows. They are kept "
                f"and sent again in {wait_words(retry)}.",
                retry_after_seconds=retry,
            )
        # A full deque drops its oldest time, which is now outside the window.
        sent.append(now)
