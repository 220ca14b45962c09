"""What each kind of target sends to a party, and what it means to the counts.

Helpline speaks docs/protocol.md (events with seqs, acknowledgements, subscriptions);
the bare relay and Django Channels forward the sender's JSON as it is; python-socketio
wraps it in Socket.IO packets. Each reader sorts a frame to the tally it belongs to:
``b|`` chat messages to ``ChatTally``, ``s|`` and ``p|`` storm messages to ``StormTally``,
seqs to the party's ``View``, and anything wrong to the error counts.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.clients import Clients
    from bench.party import Party


def readers(clients: Clients) -> dict[str, Callable[[Party, Any], None]]:
    """The frame reader of each target kind, bound to ``clients``."""

    def on_helpline(party: Party, message: Any) -> None:
        frame = json.loads(message)
        kind = frame.get("type")
        if kind == "event":
            session = frame["session"]
            event = frame["event"]
            seq = event["seq"]
            view = party.views.get(session)
            if view is None:
                return
            if seq <= view.last_seq:
                view.redelivered += 1
            else:
                view.last_seq = seq
            if seq in view.seen:
                clients.count("same_seq_twice")
            view.seen.add(seq)
            text = event.get("body", {}).get("text", "")
            if text.startswith("b|"):
                clients.chat.delivered(party, text)
            elif text.startswith(("s|", "p|")):
                clients.storm.seen(party, session, text, seq)
        elif kind == "ack":
            client_id = frame["client_id"]
            party.acked[client_id] = frame["seq"]
            party.outbox.pop(client_id, None)
            clients.count("acks")
            clients.chat.acked(party, client_id)
            clients.storm.acked(party, client_id)
        elif kind == "subscribed":
            session = frame["session"]["id"]
            view = party.views.get(session)
            if view is not None:
                view.server_last_seq = max(view.server_last_seq, frame["last_seq"])
            future = party.subscribed.get(session)
            if future is not None and not future.done():
                future.set_result(None)
        elif kind == "welcome":
            if party.welcome is not None and not party.welcome.done():
                party.welcome.set_result(None)
        elif kind == "error":
            clients.error(f"error frame: {frame.get('code')}: {frame.get('message')}")
            future = party.subscribed.get(frame.get("session", ""))
            if future is not None and not future.done():
                future.set_exception(RuntimeError(frame.get("message")))

    def on_raw(party: Party, message: Any) -> None:
        frame = json.loads(message)
        text = frame.get("text", "")
        if text.startswith("b|"):
            clients.chat.delivered(party, text)

    def on_socketio(party: Party, message: Any) -> None:
        if message.startswith("42"):
            _name, frame = json.loads(message[2:])
            text = frame.get("text", "")
            if text.startswith("b|"):
                clients.chat.delivered(party, text)
        elif message == "2":  # Engine.IO ping: answer or the server drops us
            asyncio.get_running_loop().create_task(party.send("3"))
        elif message.startswith(("0", "40")):
            if party.welcome is not None and not party.welcome.done():
                party.welcome.set_result(None)
        elif message.startswith("44"):
            clients.error(f"socket.io connect error: {message}")

    return {
        "helpline": on_helpline,
        "relay": on_raw,
        "channels": on_raw,
        "socketio": on_socketio,
    }
