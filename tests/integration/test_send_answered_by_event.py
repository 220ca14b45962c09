"""A send may ask to be answered by its own event instead of an ``ack``: one frame
where there were two, and the same guarantees (docs/protocol.md, "Sends")."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.support.clients import Browser, Frame, Peer, picked_up
from tests.support.server import ServerProcess


def _send(session_id: str, client_id: str, text: str) -> Frame:
    return {
        "type": "send",
        "session": session_id,
        "client_id": client_id,
        "text": text,
        "ack": "event",
    }


def _answered(frame: Frame) -> str | None:
    """The client id a frame answers: an ``ack``'s, an ``error``'s, or that of one's own event."""
    if frame.get("type") in ("ack", "error"):
        client_id: str | None = frame.get("client_id")
        return client_id
    if frame.get("type") == "event":
        own: str | None = frame["event"].get("client_id")
        return own
    return None


async def test_a_send_asking_for_its_event_gets_the_event_and_no_ack(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, _rep, console, _customer, chat = await picked_up(browsers)

    await chat.send(_send(session_id, "hello-1", "Hello, it still jams"))
    await chat.send({"type": "ping"})
    pong = await chat.wait_type("pong")

    mine = [f for f in chat.frames if _answered(f) == "hello-1"]
    assert [f["type"] for f in mine] == ["event"]
    assert mine[0]["event"]["body"]["text"] == "Hello, it still jams"
    # Answered before the next frame was read, as an ack would have been.
    assert chat.frames.index(mine[0]) < chat.frames.index(pong)
    assert [f for f in chat.frames if f.get("type") == "ack"] == []
    line = await console.wait_event(
        session_id, lambda e: e["body"].get("text") == "Hello, it still jams", "the line"
    )
    assert line["seq"] == mine[0]["event"]["seq"]


async def test_a_resent_send_is_acknowledged_as_a_duplicate_and_appends_nothing(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, _rep, _console, _customer, chat = await picked_up(browsers)
    await chat.send(_send(session_id, "once", "Only once"))
    first = await chat.wait_event(session_id, lambda e: e.get("client_id") == "once", "own event")

    await chat.send(_send(session_id, "once", "Only once"))
    again = await chat.wait_type("ack", client_id="once")

    assert again["duplicate"] is True and again["seq"] == first["seq"]
    assert [e["seq"] for e in chat.events(session_id) if e.get("client_id") == "once"] == [
        first["seq"]
    ]


async def test_a_send_into_a_session_the_socket_does_not_follow_is_acknowledged(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, _rep, console, customer, _chat = await picked_up(browsers)
    unsubscribed = await customer.socket("/ws/customer")
    await unsubscribed.wait_type("welcome")

    await unsubscribed.send(_send(session_id, "early", "Typed before my window caught up"))
    ack = await unsubscribed.wait_type("ack", client_id="early")

    assert ack["duplicate"] is False
    line = await console.wait_event(session_id, lambda e: e["seq"] == ack["seq"], "the line")
    assert line["body"]["text"] == "Typed before my window caught up"
    assert unsubscribed.events(session_id) == []


async def test_an_unknown_way_of_answering_is_refused_and_nothing_is_saved(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, _rep, console, _customer, chat = await picked_up(browsers)
    await chat.send({**_send(session_id, "odd", "Answer me by carrier pigeon"), "ack": "pigeon"})
    refused = await chat.wait_type("error", client_id="odd")
    assert refused["code"] == "invalid_frame" and "'ack'" in refused["message"]

    await chat.send(_send(session_id, "after", "Then normally"))
    after = await console.wait_event(
        session_id, lambda e: e["body"].get("text") == "Then normally", "the next line"
    )
    texts = [e["body"].get("text") for e in console.events(session_id)]
    assert "Answer me by carrier pigeon" not in texts
    assert after["seq"] == max(e["seq"] for e in console.events(session_id))


async def _answers_in_order(peer: Peer, prefix: str, count: int) -> None:
    """Each of ``count`` sends answered exactly once, in the order they were sent; an
    ``ack`` only where its event could not come at once, which then still comes once."""
    last = f"{prefix}{count - 1}"
    await peer.wait_for(lambda f: _answered(f) == last, f"the answer to {last}")
    firsts: list[str] = []
    for frame in peer.frames:
        client_id = _answered(frame)
        if client_id is not None and client_id.startswith(prefix) and client_id not in firsts:
            firsts.append(client_id)
            assert frame["type"] in ("event", "ack"), frame
            assert frame["type"] != "ack" or frame["duplicate"] is False, frame
    assert firsts == [f"{prefix}{i}" for i in range(count)]


async def test_every_send_is_answered_once_and_in_order_while_the_other_party_writes(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, _rep, console, _customer, chat = await picked_up(browsers)
    count = 40

    async def sends(peer: Peer, prefix: str) -> None:
        for i in range(count):
            await peer.send(_send(session_id, f"{prefix}{i}", f"{prefix} line {i}"))

    await asyncio.gather(sends(chat, "c"), sends(console, "r"))
    await _answers_in_order(chat, "c", count)
    await _answers_in_order(console, "r", count)
    # The console sees the whole log: every seq once, in order, and each line once.
    await console.wait_event(
        session_id, lambda e: e.get("body", {}).get("text") == "c line 39", "c39"
    )
    seqs = [e["seq"] for e in console.events(session_id)]
    assert seqs == list(range(1, seqs[-1] + 1))
    texts = [e["body"].get("text") for e in console.events(session_id)]
    for prefix in ("c", "r"):
        assert [t for t in texts if t and t.startswith(f"{prefix} line")] == [
            f"{prefix} line {i}" for i in range(count)
        ]
    customer_seqs = [e["seq"] for e in chat.events(session_id)]
    assert customer_seqs == sorted(set(customer_seqs))
