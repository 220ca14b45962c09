"""What a client is told about a frame the server cannot take, decided before any I/O."""

from __future__ import annotations

import json

import msgspec
import pytest

from helpline.domain.errors import InvalidFrame, InvalidInput, TooLarge
from helpline.protocol import client_frames
from helpline.server.frames import FRAME_TYPES, echoed, parse

MAX_BYTES = 64 * 1024


def refusal(frame: object) -> InvalidFrame | InvalidInput | TooLarge:
    text = frame if isinstance(frame, str) else json.dumps(frame)
    with pytest.raises((InvalidFrame, InvalidInput, TooLarge)) as refused:
        parse(text, MAX_BYTES)
    return refused.value


def test_every_field_a_client_can_get_wrong_is_explained_in_a_sentence() -> None:
    for frame_type in FRAME_TYPES.values():
        for field in msgspec.structs.fields(frame_type):
            assert field.name in client_frames.FIELD_RULES, f"{field.name} has no sentence"


def test_a_well_formed_send_arrives_typed_with_its_defaults() -> None:
    frame = parse('{"client_id": "c1", "type": "send", "session": "7KQM-2XPD", "text": "hi"}', 99)
    assert frame == client_frames.Send(session="7KQM-2XPD", client_id="c1", text="hi")
    assert (frame.kind, frame.to) == ("message", None)


@pytest.mark.parametrize(
    ("frame", "says"),
    [
        ("not json", "not valid JSON"),
        ([1, 2], "JSON object with a 'type'"),
        ({"type": 7}, "JSON object with a 'type'"),
        ({"type": "teleport", "session": "S"}, "Unknown frame type 'teleport'"),
        ({"type": "subscribe", "session": "S", "after": 2**63}, "'after' is the last seq"),
        ({"type": "subscribe", "session": "S", "after": -1}, "'after' is the last seq"),
        ({"type": "subscribe", "after": 1}, "needs 'session' as text"),
        ({"type": "send", "session": "S", "client_id": "", "text": "x"}, "'client_id'"),
        ({"type": "send", "session": "S", "client_id": "c", "text": "x", "to": 1.5}, "'to'"),
        ({"type": "url_opened", "session": "S", "seq": "1", "opened": False}, "'seq'"),
        ({"type": "consent", "session": "S", "request": "R", "allow": "yes"}, "'allow'"),
        ({"type": "screen", "session": "S", "sharing": None}, "'sharing'"),
        ("[" * 30_000 + "]" * 30_000, "nested too deeply"),
        ('{"type": "ping", "x": ' + "[" * 30_000 + "]" * 30_000 + "}", "nested too deeply"),
    ],
)
def test_a_malformed_frame_is_an_invalid_frame_that_says_what_is_wrong(
    frame: object, says: str
) -> None:
    refused = refusal(frame)
    assert refused.code == "invalid_frame" and says in refused.message


@pytest.mark.parametrize("text", ["\ud800", "\udc00 tail", "NUL \x00"])
def test_text_that_cannot_be_stored_is_invalid_input_even_in_an_unknown_frame(text: str) -> None:
    sent = {"type": "send", "session": "S", "client_id": "c", "text": text}
    assert refusal(sent).code == "invalid_input"
    assert refusal({"type": "teleport", "text": text}).code == "invalid_input"


def test_an_oversized_frame_is_too_large_and_names_nothing_back() -> None:
    text = json.dumps({"type": "send", "session": "S", "client_id": "c", "text": "x" * MAX_BYTES})
    assert refusal(text).code == "too_large"
    assert echoed(None, text, MAX_BYTES) == (None, None)


def test_the_error_names_the_frame_s_session_and_client_id_only_when_they_can_be_sent_back() -> (
    None
):
    text = json.dumps({"type": "send", "session": "S", "client_id": "\ud800", "text": 1})
    assert echoed(None, text, MAX_BYTES) == ("S", None)
    sent = client_frames.Send(session="S", client_id="c", text="t")
    assert echoed(sent, "", MAX_BYTES) == ("S", "c")
    assert echoed(client_frames.Ping(), "", MAX_BYTES) == (None, None)
