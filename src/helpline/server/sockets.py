"""What every connection of one server process shares: the heartbeat timer, the
copies of followed sessions, and which representatives have a console open.

Why this exists: these are per process, not per socket, and each is about what an
idle connection costs or where it is counted, not about delivering a session's events,
which is the gateway's concern. Apart from ``gateway.py``, which was too big to read.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Protocol

from helpline.domain.sessions import SupportSession


class OnlineRepresentatives:
    """Which representatives have a console open in this process."""

    def __init__(self) -> None:
        self._counts: Counter[int] = Counter()

    def opened(self, rep_id: int) -> None:
        self._counts[rep_id] += 1

    def closed(self, rep_id: int) -> None:
        self._counts[rep_id] -= 1
        if self._counts[rep_id] <= 0:
            del self._counts[rep_id]

    def __contains__(self, rep_id: object) -> bool:
        return rep_id in self._counts


class SharedSessions:
    """One copy of a followed session's state for all the sockets that hold it.

    The customer and the representatives follow the same session, and every read makes
    a fresh copy (~0.7 KiB with its strings and dates) that a socket holds for as long
    as it is open. A socket keeps the copy another one already holds when the two are
    equal. Weak, so a session that no socket holds any more is forgotten.
    """

    def __init__(self) -> None:
        self._known: weakref.WeakValueDictionary[int, SupportSession] = (
            weakref.WeakValueDictionary()
        )

    def share(self, session: SupportSession) -> SupportSession:
        """``session``, or an equal copy that another socket holds."""
        known = self._known.get(session.id)
        if known is not None and known == session:
            return known
        self._known[session.id] = session
        return session


class Beating(Protocol):
    def beat(self) -> bool:
        """One interval has passed; returns whether to beat again."""


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class Scheduler(Protocol):
    """The clock and timer the heartbeats run on: the event loop, or a test's clock."""

    def time(self) -> float: ...
    def call_at(self, when: float, callback: Callable[[], object], /) -> Cancellable: ...


class Heartbeats:
    """When each connection's next heartbeat is due, on one timer for all of them.

    Every connection beats at the same interval, so connections fall due in the order
    they were last scheduled: an ordered dict is the whole schedule, and one timer
    waits for its first entry. A timer per connection cost about 0.6 KiB of every
    idle socket (a handle, a libuv timer and a copy of the context).
    """

    def __init__(self, interval: float, scheduler: Scheduler | None = None) -> None:
        self.interval = interval
        self._scheduler = scheduler
        self._due: OrderedDict[Beating, float] = OrderedDict()
        self._timer: Cancellable | None = None

    @property
    def waiting(self) -> bool:
        """Whether a timer is set (none while no connection beats)."""
        return self._timer is not None

    def _clock(self) -> Scheduler:
        return self._scheduler or asyncio.get_running_loop()

    def start(self, connection: Beating) -> None:
        """``connection.beat()`` runs every interval from now until ``stop``."""
        clock = self._clock()
        due = clock.time() + self.interval
        self._due[connection] = due
        if self._timer is None:
            self._timer = clock.call_at(due, self._fire)

    def stop(self, connection: Beating) -> None:
        self._due.pop(connection, None)
        if not self._due and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self) -> None:
        clock = self._clock()
        self._timer = None
        now = clock.time()
        try:
            while self._due:
                connection, due = next(iter(self._due.items()))
                if due > now:
                    break
                self._due[connection] = now + self.interval
                self._due.move_to_end(connection)
                if not connection.beat():
                    self._due.pop(connection, None)
        finally:
            # Also after a beat that raised: the other connections still need theirs.
            if self._due:
                self._timer = clock.call_at(next(iter(self._due.values())), self._fire)
