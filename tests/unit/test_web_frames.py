"""The web client's types of the socket's frames (web/common/protocol-frames.ts) name
the same frames, with the same fields, as the types the server declares."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec

from helpline.protocol import client_frames, server_frames

FRAMES_TS = Path(__file__).resolve().parents[2] / "web/common/protocol-frames.ts"


def web_frames(union: str) -> dict[str, set[str]]:
    """For each ``type`` of the TypeScript union ``union``, the fields its members name."""
    source = re.sub(r"/\*.*?\*/", "", FRAMES_TS.read_text(), flags=re.DOTALL)
    body = source.split(f"export type {union} =", 1)[1].split(";\n\n", 1)[0]
    frames: dict[str, set[str]] = {}
    for tag, members in re.findall(r'\{\s*type: "([a-z_]+)";?(.*?)\}', body, re.DOTALL):
        fields = set(re.findall(r"(\w+)\??:", members))
        frames.setdefault(tag, set()).update(fields)
    return frames


def declared(base: type[msgspec.Struct]) -> dict[str, set[str]]:
    frames: dict[str, set[str]] = {}
    for struct in base.__subclasses__():
        names = {field.encode_name for field in msgspec.structs.fields(struct)}
        frames.setdefault(str(struct.__struct_config__.tag), set()).update(names)
    return frames


def test_the_web_client_sends_the_frames_the_server_reads_with_their_fields() -> None:
    sent = web_frames("ClientFrame")
    assert {"subscribe", "send", "screen", "watch"} <= set(sent)
    assert sent == declared(client_frames.ClientFrame)


# Frames the server sends that the web client does not read (it drops unknown types):
# it tells replayed events from live ones by the ``last_seq`` of ``subscribed``.
NOT_READ_BY_THE_WEB_CLIENT = {"replayed"}


def test_the_web_client_reads_the_frames_the_server_sends_with_their_fields() -> None:
    read = web_frames("ServerFrame")
    assert {"welcome", "event", "ack", "error"} <= set(read)
    assert read["error"] == {"code", "message", "session", "client_id", "retry_after"}
    sent = declared(server_frames.ServerFrame)
    assert not NOT_READ_BY_THE_WEB_CLIENT & set(read), "it reads it now: take it off the list"
    assert read == {tag: f for tag, f in sent.items() if tag not in NOT_READ_BY_THE_WEB_CLIENT}
