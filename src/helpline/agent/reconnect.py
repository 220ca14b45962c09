"""When to reconnect, how long to wait, and when to stop: the rules of docs/protocol.md
("Close codes"), pure and in seconds, so they are tested without a socket or a clock.

Why jitter and a cap: after a server restart every agent comes back at once; spreading
them over ±25% and never waiting more than 30 s keeps the restart short for everyone.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from enum import StrEnum

BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
# A socket must stay up this long before the backoff starts over.
STABLE_CONNECTION_SECONDS = 20.0

CLOSE_LOGGED_OUT = 4001
CLOSE_SESSION_ENDED = 4002
CLOSE_CREDENTIALS_EXPIRED = 4003
CLOSE_SILENT = 4008
CLOSE_TOO_BIG = 1009
CLOSE_SERVER_ERROR = 1011


class CloseAction(StrEnum):
    RECONNECT = "reconnect"
    ENDED = "ended"  # the session is over: say so, do not reconnect
    EXPIRED = "expired"  # the credentials are gone: join again


def close_action(code: int | None) -> CloseAction:
    """What the agent does when its socket closes with ``code``."""
    if code == CLOSE_SESSION_ENDED:
        return CloseAction.ENDED
    if code in (CLOSE_LOGGED_OUT, CLOSE_CREDENTIALS_EXPIRED):
        return CloseAction.EXPIRED
    # 4008 (silence), 1009 (too big), 1011 and every network or server failure.
    return CloseAction.RECONNECT


def backoff_delay(attempt: int, random: Callable[[], float] = _random.random) -> float:
    """Seconds before reconnect attempt ``attempt`` (0 for the first retry): 1 s
    doubling to 30 s, each spread by ±25%; never more than 30 s."""
    exponent = max(0, min(attempt, 16))
    base = min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2.0**exponent)
    jittered = base * (0.75 + 0.5 * random())
    return min(BACKOFF_MAX_SECONDS, max(BACKOFF_FIRST_SECONDS * 0.75, jittered))


def attempt_after_close(attempt: int, welcomed_for_seconds: float | None) -> int:
    """Back to 0 once a welcomed socket stayed up ``STABLE_CONNECTION_SECONDS`` (the
    server is well); else counting on, so a server that welcomes and then fails every
    socket is not retried every second."""
    if welcomed_for_seconds is not None and welcomed_for_seconds >= STABLE_CONNECTION_SECONDS:
        return 0
    return attempt


def silence_limit(heartbeat_seconds: float) -> float:
    """A socket that heard nothing for three heartbeat intervals is dead."""
    return 3 * heartbeat_seconds


def close_reason(code: int) -> str:
    """Why a socket went away, in words for the status line."""
    reasons = {
        1000: "the server closed the connection",
        1001: "the server is restarting",
        1006: "the connection was lost",
        1009: "a message was too large",
        1011: "the server failed",
        1012: "the server is restarting",
        CLOSE_SILENT: "no word from the server for three heartbeats",
    }
    return reasons.get(code, f"closed with code {code}")
