"""Reading a client's text frame: every way it can be wrong gets its own answer.

A frame that cannot be handled must answer with an ``error`` frame and leave the socket
open; before this module, three kinds of frame killed the socket with 1011 instead (and
the console, resending its unsent line on every reconnect, looped): a nesting so deep
that the JSON parser ran out of stack, an integer the database cannot hold, and text
that cannot be stored (half of a UTF-16 surrogate pair, or NUL). They are refused here,
before anything reaches the store. Kept apart from the gateway, which is about
delivery, and cheap: the send path is benchmarked.
"""

from __future__ import annotations

import json
from typing import Any

from helpline.domain.errors import InvalidFrame, InvalidInput, TooLarge
from helpline.domain.text import all_storable, storable

# The largest integer SQLite and PostgreSQL (BIGINT) hold: seqs and ids are below it.
SQL_INT_MAX = 2**63 - 1


def parse(text: str, max_bytes: int) -> dict[str, Any]:
    """The frame as a dict with a text ``type``, or the error to answer it with."""
    if len(text) > max_bytes // 4 and len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise TooLarge(f"A frame has at most {max_bytes} bytes.")
    try:
        frame = json.loads(text)
    except RecursionError:
        raise InvalidFrame("That frame is nested too deeply to read.") from None
    except ValueError:
        raise InvalidFrame("That frame is not valid JSON.") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise InvalidFrame("A frame is a JSON object with a 'type'.")
    return frame


def check_storable(text: str, frame: dict[str, Any]) -> None:
    """Refuse a frame (parsed from ``text``) holding a string that cannot be stored.

    Only JSON escapes can make one: the socket's text is UTF-8 already, and JSON spells
    NUL and lone surrogates only as ``\\u`` escapes, so most frames cost one search.
    """
    if "\\u" in text and not all_storable(frame):
        raise InvalidInput(
            "This frame holds a character that cannot be stored (NUL, or half of a UTF-16 "
            "surrogate pair). Remove it and send again."
        )


def after_seq(frame: dict[str, Any]) -> int:
    """The ``after`` of a ``subscribe``: the last seq the client saw, 0 by default."""
    after = frame.get("after", 0)
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= SQL_INT_MAX:
        raise InvalidFrame(
            f"'after' is the last seq you saw: a whole number from 0 to {SQL_INT_MAX}."
        )
    return after


def required_text(frame: dict[str, Any], key: str) -> str:
    value = frame.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidFrame(f"The frame needs {key!r} as text.")
    return value


def echoable_text(value: object) -> str | None:
    """A frame's ``session`` or ``client_id`` to name in the error that answers it: only
    text that can be sent back (a lone surrogate would fail the answer itself)."""
    return value if isinstance(value, str) and storable(value) else None
