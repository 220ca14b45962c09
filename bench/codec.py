"""What reading and writing one chat frame costs the server, in one process.

Why this exists: each message a client sends is decoded and checked once, and each
event it becomes is encoded once per socket that receives it; the chat scenario
measures this with everything else, and on a shared machine its ladder moves with the
neighbours' load. This times the frame code alone with ``timeit`` (the process's CPU
time, best of several rounds, so a busy machine disturbs it little), against the standard library's
``json`` and the hand-written checks the declared frame types replaced, kept here as
the baseline, and against pydantic's discriminated unions, the other library that
could declare them.

    python -m bench.codec
"""

from __future__ import annotations

import json
import time
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

from helpline.domain.events import Audience, AudienceKind, Author, AuthorKind, Event, EventKind
from helpline.domain.text import all_storable
from helpline.domain.visibility import Viewer, view
from helpline.protocol import server_frames
from helpline.server import frames, records, wire

SEND = json.dumps(
    {
        "type": "send",
        "session": "7KQM-2XPD",
        "client_id": "c-1733310000000-42",
        "kind": "message",
        "text": "My printer says it is offline, but the lights are on. What can I try?",
    }
)
MAX_FRAME_BYTES = 64 * 1024


def stdlib_send(text: str) -> tuple[str, str, str, Any]:
    """The baseline: ``json.loads`` and the checks by hand, as the gateway made them."""
    frame = json.loads(text)
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise ValueError("not a frame")
    if "\\u" in text and not all_storable(frame):
        raise ValueError("unstorable")
    if frame["type"] != "send":
        raise ValueError("unknown")
    values = []
    for key in ("session", "client_id", "text"):
        value = frame.get(key)
        if not isinstance(value, str) or not value:
            raise ValueError(key)
        values.append(value)
    kind = frame.get("kind", "message")
    if not isinstance(kind, str):
        raise ValueError("kind")
    return values[0], values[1], values[2], frame.get("to")


class PydanticSend(BaseModel):
    type: Literal["send"]
    session: str = Field(min_length=1)
    client_id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    kind: str = "message"
    to: str | int | None = None


class PydanticPing(BaseModel):
    type: Literal["ping"]


PYDANTIC_FRAMES: TypeAdapter[PydanticSend | PydanticPing] = TypeAdapter(
    Annotated[PydanticSend | PydanticPing, Field(discriminator="type")]
)


LINE = Event(
    session_id=1,
    seq=42,
    created_at=datetime(2026, 12, 4, 18, 0, tzinfo=UTC),
    kind=EventKind.MESSAGE,
    audience=Audience.everyone(),
    author=Author(AuthorKind.REPRESENTATIVE, "Alice", 3),
    body={"text": "Please open the printer's queue and tell me what it shows."},
    client_id="c-1733310000000-43",
)


def stdlib_event_frame(viewer: Viewer, event: Event) -> str:
    """The baseline: the event frame as a dict, as ``wire.py`` made it, and ``json``."""
    seen = view(viewer, event)
    assert seen is not None
    author: dict[str, Any] = {"kind": seen.author.kind.value, "name": seen.author.name}
    if seen.author.rep_id is not None:
        author["id"] = seen.author.rep_id
    body: dict[str, Any] = {
        "seq": seen.seq,
        "at": wire.iso(seen.created_at),
        "kind": seen.kind.value,
        "audience": seen.audience.kind.value,
        "author": author,
        "body": dict(seen.body),
    }
    if seen.audience.kind is AudienceKind.ONE:
        body["to"] = {"id": seen.audience.rep_id, "name": seen.internal.get("to_name")}
    if not viewer.is_customer:
        body["internal"] = dict(seen.internal)
        body["masked"] = seen.reveals_masked
    if seen.client_id is not None:
        body["client_id"] = seen.client_id
    frame = {"type": "event", "session": "7KQM-2XPD", "event": body}
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def msgspec_event_frame(viewer: Viewer, event: Event) -> str:
    seen = wire.event_view(viewer, event)
    assert seen is not None
    return wire.frame_text(server_frames.EventFrame(session="7KQM-2XPD", event=seen))


def stdlib_record(event: Event) -> bytes:
    """The baseline: the bus record as a dict, as ``wire.py`` made it, and ``json``."""
    record = {
        "sid": event.session_id,
        "seq": event.seq,
        "at": wire.iso(event.created_at),
        "kind": event.kind.value,
        "aud": event.audience.kind.value,
        "aud_rep": event.audience.rep_id,
        "ak": event.author.kind.value,
        "aid": event.author.rep_id,
        "an": event.author.name,
        "body": dict(event.body),
        "int": dict(event.internal),
        "rm": event.reveals_masked,
        "cid": event.client_id,
    }
    return json.dumps({"t": "event", "e": record}, separators=(",", ":")).encode()


def best_microseconds(call: Callable[[], object], number: int = 20_000, rounds: int = 7) -> float:
    # CPU time rather than wall time: on a shared machine, waiting for a core is not
    # what the code costs.
    times = timeit.repeat(call, number=number, repeat=rounds, timer=time.process_time)
    return min(times) / number * 1e6


def main() -> None:
    print(f"decode and check a chat line's `send` frame ({len(SEND)} bytes):")
    print(f"  json + hand-written checks  {best_microseconds(lambda: stdlib_send(SEND)):6.2f} us")
    print(
        "  pydantic TypeAdapter        "
        f"{best_microseconds(lambda: PYDANTIC_FRAMES.validate_json(SEND)):6.2f} us"
    )
    print(
        "  msgspec (frames.parse)      "
        f"{best_microseconds(lambda: frames.parse(SEND, MAX_FRAME_BYTES)):6.2f} us"
    )
    customer, rep = Viewer.customer(), Viewer.representative(4)
    assert json.loads(stdlib_event_frame(rep, LINE)) == json.loads(msgspec_event_frame(rep, LINE))
    print("make and encode the `event` frame of a chat line, once per receiving socket:")
    for name, viewer in (("customer", customer), ("representative", rep)):
        before = best_microseconds(lambda viewer=viewer: stdlib_event_frame(viewer, LINE))
        after = best_microseconds(lambda viewer=viewer: msgspec_event_frame(viewer, LINE))
        print(f"  for a {name + ':':16} dict + json {before:6.2f} us, msgspec {after:6.2f} us")
    record = wire.message_bytes(records.EventAppended(e=wire.event_record(LINE)))
    assert record == stdlib_record(LINE)
    print("the event's bus record, published once, read once per server process:")
    before = best_microseconds(lambda: stdlib_record(LINE))
    after = best_microseconds(
        lambda: wire.message_bytes(records.EventAppended(e=wire.event_record(LINE)))
    )
    print(f"  made and encoded:  dict + json {before:6.2f} us, msgspec {after:6.2f} us")
    before = best_microseconds(lambda: json.loads(record))
    after = best_microseconds(lambda: wire.read_message(record))
    print(f"  decoded:           json {before:6.2f} us, msgspec (typed) {after:6.2f} us")


if __name__ == "__main__":
    main()
