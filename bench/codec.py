"""What reading and writing one chat frame costs the server, in one process.

Why this exists: each message a client sends is decoded and checked once, and each
event it becomes is encoded once per socket that receives it; the chat scenario
measures this with everything else, and on a shared machine its ladder moves with the
neighbours' load. This times the frame code alone with ``timeit`` (best of several
rounds, so a busy machine disturbs it little), against the standard library's
``json`` and the hand-written checks the declared frame types replaced, kept here as
the baseline, and against pydantic's discriminated unions, the other library that
could declare them.

    python -m bench.codec
"""

from __future__ import annotations

import json
import timeit
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

from helpline.domain.text import all_storable
from helpline.server import frames

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


def best_microseconds(call: Callable[[], object], number: int = 20_000, rounds: int = 7) -> float:
    return min(timeit.repeat(call, number=number, repeat=rounds)) / number * 1e6


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


if __name__ == "__main__":
    main()
