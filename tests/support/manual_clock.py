"""A clock whose time moves only when a test moves it, with timers on it.

Why: a test of something that happens "every 25 seconds" should neither wait for it
nor race a busy machine. Code that takes a scheduler (``time()`` and ``call_at``, as
the event loop has them) runs on this one in tests: ``advance`` moves the time to each
due timer in turn and runs it, so counts and intervals are exact.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(order=True)
class ManualTimer:
    when: float
    order: int
    callback: Callable[[], object] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._timers: list[ManualTimer] = []
        self._order = itertools.count()
        # What the timers raised, as the event loop's exception handler would see it.
        self.errors: list[BaseException] = []

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: Callable[[], object], /) -> ManualTimer:
        timer = ManualTimer(when, next(self._order), callback)
        heapq.heappush(self._timers, timer)
        return timer

    @property
    def pending(self) -> int:
        return sum(not t.cancelled for t in self._timers)

    def advance(self, seconds: float) -> None:
        """Move the time on by ``seconds``, running every timer that falls due, in order."""
        end = self.now + seconds
        while self._timers and self._timers[0].when <= end:
            timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self.now = max(self.now, timer.when)
            try:
                timer.callback()
            except Exception as error:  # the loop logs it and goes on; so does this
                self.errors.append(error)
        self.now = end
