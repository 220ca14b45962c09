"""Reading a client's text frame: every way it can be wrong gets its own answer.

A frame that cannot be handled must answer with an ``error`` frame and leave the socket
open; before this module, three kinds of frame killed the socket with 1011 instead (and
the console, resending its unsent line on every reconnect, looped): a nesting so deep
that the JSON parser ran out of stack, an integer the database cannot hold, and text
that cannot be stored (half of a UTF-16 surrogate pair, or NUL). They are refused here,
before anything reaches the store. Kept apart from the gateway, which is about
delivery, and cheap: the send path is benchmarked.

A frame is decoded by one msgspec decoder straight into its declared type
(``client_frames.py``), which checks every field's presence, type and range on the way.
Only a frame that decoder refuses is read again, with the standard library's parser,
to say precisely what is wrong with it (and which ``session`` and ``client_id`` to
name in the answer): the answers are those clients got from the hand-written checks
this replaced.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

import msgspec

from helpline.domain.errors import HelplineError, InvalidFrame, InvalidInput, TooLarge
from helpline.domain.text import all_storable, storable
from helpline.protocol.client_frames import FIELD_RULES, SQL_INT_MAX, AnyClientFrame, ClientFrame

__all__ = ["FRAME_TYPES", "SQL_INT_MAX", "echoed", "parse"]

_DECODER: msgspec.json.Decoder[AnyClientFrame] = msgspec.json.Decoder(AnyClientFrame)

# Every ``type`` a client may send, by the declared frame it decodes into.
FRAME_TYPES: dict[str, type[ClientFrame]] = {
    str(frame.__struct_config__.tag): frame for frame in ClientFrame.__subclasses__()
}

NESTED = "That frame is nested too deeply to read."
NOT_JSON = "That frame is not valid JSON."
NOT_A_FRAME = "A frame is a JSON object with a 'type'."
UNSTORABLE = (
    "This frame holds a character that cannot be stored (NUL, or half of a UTF-16 "
    "surrogate pair). Remove it and send again."
)

# msgspec names the field it refused as "`$.after`" or "missing required field `after`".
_FIELD = re.compile(r"`\$\.([A-Za-z_]+)`|missing required field `([A-Za-z_]+)`")


def parse(text: str, max_bytes: int) -> AnyClientFrame:
    """The frame ``text`` holds, or the error to answer it with."""
    if len(text) > max_bytes // 4 and len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise TooLarge(f"A frame has at most {max_bytes} bytes.")
    try:
        frame = _DECODER.decode(text)
    except RecursionError:
        raise InvalidFrame(NESTED) from None
    except msgspec.ValidationError as refused:
        raise _refusal(text, str(refused)) from None
    except msgspec.DecodeError:
        raise _refusal(text, None) from None
    # Only JSON escapes can spell NUL (msgspec refuses half a surrogate pair itself):
    # most frames cost one search. Fields a frame does not declare are never read.
    if "\\u" in text and not all_storable(msgspec.structs.astuple(frame)):
        raise InvalidInput(UNSTORABLE)
    return frame


def _refusal(text: str, refused: str | None) -> HelplineError:
    """Why msgspec refused ``text`` (``refused``: its message, for a valid JSON text),
    in the order the checks were always made: JSON, a typed object, storable text, a
    known type, then its fields."""
    try:
        loose = json.loads(text)
    except RecursionError:
        return InvalidFrame(NESTED)
    except ValueError:
        return InvalidFrame(NOT_JSON)
    if not isinstance(loose, dict) or not isinstance(loose.get("type"), str):
        return InvalidFrame(NOT_A_FRAME)
    if "\\u" in text and not all_storable(loose):
        return InvalidInput(UNSTORABLE)
    kind = loose["type"]
    if kind not in FRAME_TYPES:
        return InvalidFrame(f"Unknown frame type {kind!r}.")
    if refused is None:
        # Valid for the standard library, not for JSON (NaN, Infinity).
        return InvalidFrame(NOT_JSON)
    found = _FIELD.search(refused)
    field = next((name for name in found.groups() if name), "") if found else ""
    return InvalidFrame(FIELD_RULES.get(field, f"The {kind!r} frame is malformed: {refused}."))


def echoed(frame: AnyClientFrame | None, text: str, max_bytes: int) -> tuple[str | None, ...]:
    """The ``session`` and ``client_id`` to name in the error that answers a frame:
    from the decoded ``frame``, else read loosely from ``text``; only text that can
    be sent back (a lone surrogate would fail the answer itself)."""
    context: Any = {}
    if frame is not None:
        context = {
            "session": getattr(frame, "session", None),
            "client_id": getattr(frame, "client_id", None),
        }
    elif len(text.encode("utf-8", "surrogatepass")) <= max_bytes:
        with contextlib.suppress(RecursionError, ValueError):
            context = json.loads(text)
    if not isinstance(context, dict):
        return None, None
    return _echoable(context.get("session")), _echoable(context.get("client_id"))


def _echoable(value: object) -> str | None:
    return value if isinstance(value, str) and storable(value) else None
