"""The customer's screen: binary frames relayed over the bus, never stored.

A frame is one binary WebSocket message::

    byte 0      kind: 1 thumbnail (about every two seconds, for the Customer's Screen
                pane), 2 viewer frame (larger and faster, while a Viewer window is open)
    bytes 1-2   length of the header, big-endian
    header      JSON: {"session": "7KQM-2XPD", "width": 320, "height": 180}
    the rest    the image: JPEG, PNG or WebP

The server checks the kind, the session and the image type, then publishes the
message unchanged on the session's ``screen:`` channel; the consoles of that session's
representatives receive it as it is. The newest thumbnail of each session is kept in
memory so a representative who opens the session late sees the screen at once. A later
move to WebRTC video changes this transport, not the console's panes.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass

from helpline.domain.errors import InvalidFrame

THUMBNAIL = 1
VIEWER_FRAME = 2
MAX_HEADER_BYTES = 512
IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


@dataclass(frozen=True)
class ScreenFrame:
    kind: int
    session: str
    data: bytes


def screen_channel(session_id: int) -> str:
    return f"screen:{session_id}"


def parse_frame(data: bytes) -> ScreenFrame:
    if len(data) < 4 or data[0] not in (THUMBNAIL, VIEWER_FRAME):
        raise InvalidFrame("A binary frame is a screen frame: kind 1 or 2, then a header.")
    (header_length,) = struct.unpack_from(">H", data, 1)
    if header_length > MAX_HEADER_BYTES or 3 + header_length > len(data):
        raise InvalidFrame("The screen frame's header length is wrong.")
    try:
        header = json.loads(data[3 : 3 + header_length])
    except ValueError:
        raise InvalidFrame("The screen frame's header is not JSON.") from None
    if not isinstance(header, dict) or not isinstance(header.get("session"), str):
        raise InvalidFrame("The screen frame's header names no session.")
    image = data[3 + header_length :]
    if not image.startswith(IMAGE_SIGNATURES):
        raise InvalidFrame("A screen frame carries a JPEG, PNG or WebP image.")
    return ScreenFrame(kind=data[0], session=header["session"], data=data)


def frame_kind(data: bytes) -> int:
    return data[0] if data else 0


class Thumbnails:
    """The newest thumbnail of each session this process has seen, in memory only."""

    def __init__(self) -> None:
        self._latest: dict[int, bytes] = {}

    def keep(self, session_id: int, data: bytes) -> None:
        self._latest[session_id] = data

    def latest(self, session_id: int) -> bytes | None:
        return self._latest.get(session_id)

    def forget(self, session_id: int) -> None:
        self._latest.pop(session_id, None)
