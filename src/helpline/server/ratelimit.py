"""Counting attempts in a sliding window, per key, in memory.

Login and session-code guessing are limited per client address, and code guessing also
by a global failure budget (a botnet has many addresses). Counts live in the process:
with several server processes each enforces its own limit, which still bounds a guess
rate by the number of processes.
"""

from __future__ import annotations

from collections import deque

from helpline.domain.errors import RateLimited


class SlidingWindowLimiter:
    def __init__(self, limit: int, window_seconds: float, what: str) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.what = what
        self._hits: dict[str, deque[float]] = {}

    def _live_hits(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        while hits and hits[0] <= now - self.window_seconds:
            hits.popleft()
        if not hits:
            # Forget quiet keys so the table does not grow with every address ever seen.
            del self._hits[key]
        return hits

    def check(self, key: str, now: float) -> None:
        """Raise ``RateLimited`` if ``key`` has used up its attempts."""
        hits = self._live_hits(key, now)
        if len(hits) >= self.limit:
            retry = max(1.0, hits[0] + self.window_seconds - now)
            raise RateLimited(
                f"Too many {self.what}. Please try again in {int(retry + 0.999)} seconds.",
                retry_after_seconds=retry,
            )

    def hit(self, key: str, now: float) -> None:
        self._live_hits(key, now)
        self._hits.setdefault(key, deque()).append(now)

    def reset(self, key: str) -> None:
        self._hits.pop(key, None)
