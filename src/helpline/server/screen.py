"""The customer's screen: binary frames relayed over the bus, never stored.

A frame is one binary WebSocket message (``helpline.protocol.screen_frames``: a kind,
a JSON header naming the session, the image). The server checks the kind, the session
and the image type, then publishes the message unchanged on the session's ``screen:``
channel; the consoles of that session's representatives receive it as it is. The
newest thumbnail of each session is kept in memory so a representative who opens the
session late sees the screen at once. A later move to WebRTC video changes this
transport, not the console's panes.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpline.domain.errors import InvalidFrame
from helpline.protocol.screen_frames import (
    ScreenFrameError,
    decode_screen_frame,
)

IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


@dataclass(frozen=True)
class ScreenFrame:
    kind: int
    session: str
    data: bytes


def screen_channel(session_id: int) -> str:
    return f"screen:{session_id}"


def parse_frame(data: bytes) -> ScreenFrame:
    try:
        kind, header, image = decode_screen_frame(data)
    except ScreenFrameError as error:
        raise InvalidFrame(str(error)) from None
    if not image.startswith(IMAGE_SIGNATURES):
        raise InvalidFrame("A screen frame carries a JPEG, PNG or WebP image.")
    return ScreenFrame(kind=kind, session=header.session, data=data)


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
