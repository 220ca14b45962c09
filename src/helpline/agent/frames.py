"""The agent's side of the socket's frames: what the server sends it, read into the
types of ``helpline.protocol``, and what it sends, written from them.

Why this exists: the connection used to pick fields out of dicts by key, so a frame
with a field missing or of another type was half handled (a welcome without its
session, an ack without its seq) or failed somewhere later. Here one msgspec decoder
reads a text into exactly one frame of the customer's socket (``CustomerServerFrame``,
the same declarations the server encodes them from) or refuses it with one sentence
that says why; the connection logs that and handles nothing of the frame. A frame of
a type the agent does not read (a newer server's) is refused the same way, apart, so
it can be skipped quietly.
"""

from __future__ import annotations

from typing import Any

import msgspec

from helpline.protocol.client_frames import ClientFrame
from helpline.protocol.server_frames import CustomerServerFrame, CustomerSession

__all__ = ["FrameRefused", "read_frame", "read_session", "text_of"]

_DECODER: msgspec.json.Decoder[CustomerServerFrame] = msgspec.json.Decoder(CustomerServerFrame)
_ENCODER = msgspec.json.Encoder()
# msgspec says where it refused a frame's type as "... - at `$.type`".
_AT_TYPE = "- at `$.type`"


class FrameRefused(Exception):
    """A frame the agent cannot handle; ``str()`` is the sentence to log."""

    def __init__(self, message: str, *, unknown_type: bool = False) -> None:
        super().__init__(message)
        # A well-formed frame of a type this agent does not read, not a broken one.
        self.unknown_type = unknown_type


def read_frame(text: str | bytes) -> CustomerServerFrame:
    """The frame ``text`` holds, or ``FrameRefused`` saying what is wrong with it."""
    try:
        return _DECODER.decode(text)
    except msgspec.ValidationError as refused:
        reason = str(refused)
        if reason.endswith(_AT_TYPE) and reason.startswith("Invalid value"):
            kind = reason.removeprefix("Invalid value ").removesuffix(_AT_TYPE).strip()
            raise FrameRefused(
                f"The server sent a frame of type {kind}, which this agent does not read.",
                unknown_type=True,
            ) from None
        raise FrameRefused(f"The server sent a malformed frame: {reason}.") from None
    except msgspec.DecodeError as refused:
        raise FrameRefused(f"The server sent a frame that is not JSON: {refused}.") from None


def read_session(body: Any) -> CustomerSession | None:
    """The ``Session`` of an HTTP answer ``{"session": Session}``; None when there is
    none, or it is malformed."""
    if not isinstance(body, dict):
        return None
    try:
        return msgspec.convert(body.get("session"), CustomerSession)
    except msgspec.ValidationError:
        return None


def text_of(frame: ClientFrame) -> str:
    """A frame the agent sends, as the text of one WebSocket message."""
    return _ENCODER.encode(frame).decode()
