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

# How long letting a socket in takes, before any has been let in.
INITIAL_SECONDS = 0.05
# The weight of each new measurement in the moving average.
WEIGHT = 0.05
MAX_DELAY_SECONDS = 30.0
# A socket that never subscribes holds its place for a heartbeat interval: counted as
# at most this long, so that one does not throw the average off.
LONGEST_COUNTED_SECONDS = 10.0


class Ticket:
    """A socket that was let in: ``done`` once it no longer costs the server (its first
    subscribe answered, or it closed). Calling it again does nothing."""

    __slots__ = ("_admission", "_entered")

    def __init__(self, admission: Admission | None, entered: float) -> None:
        self._admission = admission
        self._entered = entered

    def done(self) -> None:
        admission, self._admission = self._admission, None
        if admission is not None:
            admission.left(self._entered)


# Without a limit nothing is counted: one ticket for every socket, that does nothing.
UNCOUNTED = Ticket(None, 0.0)


class Admission:
    """Counts the sockets in flight; past the limit (0: none), says how long to wait.

    The places are spaced at the rate sockets get through: with ``limit`` in flight and
    each taking ``seconds`` from its handshake to its first subscribe answered (a moving
    average), ``limit / seconds`` a second (Little's law). Measured from every socket,
    so the first ones of a storm already tell how long the storm's take.
    """

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.in_flight = 0
        self.seconds = INITIAL_SECONDS
        self._clock = clock
        self._next_slot = 0.0

    @property
    def rate(self) -> float:
        """Sockets let in per second while the limit is reached."""
        return self.limit / self.seconds

    def enter(self) -> Ticket | float:
        """A ``Ticket`` when the socket may come in, else the seconds to wait."""
        if not self.limit:
            return UNCOUNTED
        now = self._clock()
        if self.in_flight < self.limit:
            self.in_flight += 1
            return Ticket(self, now)
        step = 1.0 / self.rate
        # After the ones in flight, one place per refused socket, each a step apart.
        self._next_slot = max(self._next_slot, now + self.in_flight * step) + step
        return min(self._next_slot - now, MAX_DELAY_SECONDS)

    def left(self, entered: float) -> None:
        self.in_flight -= 1
        took = min(max(0.0, self._clock() - entered), LONGEST_COUNTED_SECONDS)
        self.seconds += WEIGHT * (took - self.seconds)
