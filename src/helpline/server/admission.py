"""How many sockets are being let in at once, and when to tell the next ones to come.

Why this exists: after a network failure every client reconnects at the same moment.
Letting a socket in (credentials, welcome, the first ``subscribe`` and its replay) is
the server's work, all on one event loop; with thousands at once the kernel's accept
queue overflows, handshakes wait a minute in it and fail, and their clients then back
off for up to 30 s. Past ``limit`` sockets in flight, a new one is accepted and closed
at once with code 1013 and a time to come back (docs/protocol.md), cheap next to
letting it in. The times handed out are spread at the rate at which sockets have been
let in, so the clients come back about as fast as the server can take them, instead of
all at once again or long after it is idle.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# Before any measurement: sockets let in per second. Measured only while the limit is
# reached (then the rate is the server's, not the clients').
INITIAL_RATE = 200.0
MIN_RATE = 20.0
MAX_DELAY_SECONDS = 30.0


class Ticket:
    """A socket that was let in: ``done`` once it no longer costs the server (its first
    subscribe answered, or it closed). Calling it again does nothing."""

    __slots__ = ("_admission",)

    def __init__(self, admission: Admission) -> None:
        self._admission: Admission | None = admission

    def done(self) -> None:
        admission, self._admission = self._admission, None
        if admission is not None:
            admission.left()


class Admission:
    """Counts the sockets in flight; past the limit, says how long to wait."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.in_flight = 0
        self.rate = INITIAL_RATE
        self._clock = clock
        self._next_slot = 0.0
        # Sockets let in since the window began, while the limit was reached.
        self._window_start: float | None = None
        self._window_count = 0

    def enter(self) -> Ticket | float:
        """A ``Ticket`` when the socket may come in, else the seconds to wait."""
        if self.in_flight < self.limit:
            self.in_flight += 1
            return Ticket(self)
        now = self._clock()
        if self._window_start is None:
            self._window_start, self._window_count = now, 0
        rate = max(self.rate, MIN_RATE)
        # After the ones in flight, one slot per refused socket, each 1/rate apart.
        self._next_slot = max(self._next_slot, now + self.in_flight / rate) + 1.0 / rate
        return min(self._next_slot - now, MAX_DELAY_SECONDS)

    def left(self) -> None:
        self.in_flight -= 1
        if self._window_start is None:
            return
        self._window_count += 1
        now = self._clock()
        elapsed = now - self._window_start
        if elapsed >= 1.0:
            measured = self._window_count / elapsed
            self.rate = (self.rate + measured) / 2
            # A new window only while sockets are still being turned away.
            self._window_start = now if now < self._next_slot else None
            self._window_count = 0
