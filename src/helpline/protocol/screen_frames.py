"""The binary WebSocket frame that carries the customer's screen, declared once for the
agent that writes it and the server that reads it (docs/protocol.md, "The screen")::

    byte 0      kind: 1 thumbnail (about every two seconds), 2 viewer frame (larger
                and faster, while a Viewer window is open)
    bytes 1-2   length of the header, big-endian
    header      JSON: {"session": "7KQM-2XPD", "width": 320, "height": 180}
    the rest    the image: JPEG, PNG or WebP

The browser writes the same bytes from web/common/screen.ts.
"""

from __future__ import annotations

import struct

import msgspec

THUMBNAIL = 1
VIEWER_FRAME = 2
KINDS = (THUMBNAIL, VIEWER_FRAME)
MAX_HEADER_BYTES = 512


class ScreenHeader(msgspec.Struct, frozen=True):
    session: str
    width: int = 0
    height: int = 0


class ScreenFrameError(ValueError):
    """Bytes that are not a screen frame, with what is wrong in a sentence."""


_decode_header = msgspec.json.Decoder(ScreenHeader).decode


def encode_screen_frame(kind: int, header: ScreenHeader, image: bytes) -> bytes:
    encoded = msgspec.json.encode(header)
    if len(encoded) > MAX_HEADER_BYTES:
        raise ScreenFrameError("The screen frame's header is too long.")
    return bytes([kind]) + struct.pack(">H", len(encoded)) + encoded + image


def decode_screen_frame(data: bytes) -> tuple[int, ScreenHeader, bytes]:
    """(kind, header, image) of a screen frame, or ``ScreenFrameError`` saying why not."""
    if len(data) < 4 or data[0] not in KINDS:
        raise ScreenFrameError("A binary frame is a screen frame: kind 1 or 2, then a header.")
    (length,) = struct.unpack_from(">H", data, 1)
    if length > MAX_HEADER_BYTES or 3 + length > len(data):
        raise ScreenFrameError("The screen frame's header length is wrong.")
    try:
        header = _decode_header(data[3 : 3 + length])
    except msgspec.ValidationError as error:
        raise ScreenFrameError(f"The screen frame's header is wrong: {error}.") from None
    except msgspec.DecodeError:
        raise ScreenFrameError("The screen frame's header is not JSON.") from None
    return data[0], header, data[3 + length :]
