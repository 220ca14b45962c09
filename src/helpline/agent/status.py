"""The status line: connected, reconnecting (when, and why), or ended. Pure.

Why its own module: what the customer reads while the network is down is the whole
of "nothing is lost" from their side, so the wording is decided in one place and
tested, not assembled in the UI.
"""

from __future__ import annotations

import math

from helpline.agent.connection import ConnectionState, Phase


def status_text(
    state: ConnectionState,
    session: str,
    representatives: list[str],
    ended: bool,
    now: float | None = None,
) -> str:
    """One line; ``now`` (loop time) turns ``retry_at`` into "in 3 s"."""
    if ended or state.reason == "ended":
        return f"Session {session} ended. You can still save the chat log (F2)."
    if state.phase is Phase.CLOSED:
        if state.reason == "expired":
            return (
                "Your access to this session has ended. Ask your representative for a new "
                "code to join again."
            )
        return "Disconnected."
    if state.phase is Phase.CONNECTING:
        return "Connecting..."
    if state.phase is Phase.RECONNECTING:
        why = f" ({state.detail})" if state.detail else ""
        if state.retry_at is not None and now is not None:
            seconds = max(0, math.ceil(state.retry_at - now))
            when = f"reconnecting in {seconds} s"
        else:
            when = "reconnecting now"
        return f"Connection lost{why}: {when}. What you type is kept and sent once connected."
    who = ", ".join(n for n in representatives if n)
    with_whom = f" with {who}" if who else ", waiting for a representative"
    return f"Connected: session {session}{with_whom}."
