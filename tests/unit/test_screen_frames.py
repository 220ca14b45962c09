"""The binary frame of the customer's screen, as the agent writes it and the server
reads it (``helpline.protocol.screen_frames``, docs/protocol.md "The screen")."""

from __future__ import annotations

import json
import struct

import pytest

from helpline.domain.errors import InvalidFrame
from helpline.protocol.screen_frames import (
    MAX_HEADER_BYTES,
    THUMBNAIL,
    VIEWER_FRAME,
    ScreenFrameError,
    ScreenHeader,
    decode_screen_frame,
    encode_screen_frame,
)
from helpline.server.screen import parse_frame

JPEG = b"\xff\xd8\xff\xe0 a picture"


def framed(kind: int, header: bytes, image: bytes = JPEG) -> bytes:
    return bytes([kind]) + struct.pack(">H", len(header)) + header + image


def test_what_the_agent_writes_the_server_reads_back() -> None:
    data = encode_screen_frame(VIEWER_FRAME, ScreenHeader("7KQM-2XPD", 1280, 720), JPEG)
    assert decode_screen_frame(data) == (VIEWER_FRAME, ScreenHeader("7KQM-2XPD", 1280, 720), JPEG)
    parsed = parse_frame(data)
    assert (parsed.kind, parsed.session, parsed.data) == (VIEWER_FRAME, "7KQM-2XPD", data)


def test_a_header_written_by_hand_as_the_browser_does_is_read() -> None:
    header = json.dumps({"session": "7KQM-2XPD", "width": 320, "height": 180}).encode()
    assert decode_screen_frame(framed(THUMBNAIL, header))[1] == ScreenHeader("7KQM-2XPD", 320, 180)
    # A newer client's extra field does not stop an older server.
    newer = json.dumps({"session": "7KQM-2XPD", "width": 320, "height": 180, "scale": 2})
    assert decode_screen_frame(framed(THUMBNAIL, newer.encode()))[1].session == "7KQM-2XPD"


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"\x01\x00", "kind 1 or 2"),
        (framed(3, b'{"session": "S"}'), "kind 1 or 2"),
        (bytes([THUMBNAIL]) + struct.pack(">H", 600) + b"{}" + JPEG, "header length is wrong"),
        (
            bytes([THUMBNAIL]) + struct.pack(">H", 40) + b'{"session": "S"}',
            "header length is wrong",
        ),
        (framed(THUMBNAIL, b"session: S"), "header is not JSON"),
        (framed(THUMBNAIL, b'{"width": 320}'), "header is wrong"),
        (framed(THUMBNAIL, b'{"session": 7}'), "header is wrong"),
        (framed(THUMBNAIL, b'["S"]'), "header is wrong"),
    ],
)
def test_anything_else_is_refused_with_what_is_wrong(data: bytes, said: str) -> None:
    with pytest.raises(ScreenFrameError, match=said):
        decode_screen_frame(data)
    with pytest.raises(InvalidFrame, match=said):
        parse_frame(data)


def test_the_server_takes_only_pictures() -> None:
    data = encode_screen_frame(THUMBNAIL, ScreenHeader("S"), b"MZ an executable")
    with pytest.raises(InvalidFrame, match="JPEG, PNG or WebP"):
        parse_frame(data)


def test_a_header_too_long_is_not_written() -> None:
    with pytest.raises(ScreenFrameError, match="too long"):
        encode_screen_frame(THUMBNAIL, ScreenHeader("S" * MAX_HEADER_BYTES), JPEG)
