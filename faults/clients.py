"""The fault suite's clients: customers that send with an outbox, and a representative
that reads every session, each reconnecting to whichever node is up.

They behave as docs/protocol.md tells real clients to: subscribe with the last seq
seen, resend the outbox (same client ids) after ``subscribed``, keep a send on
``unavailable`` or ``rate_limited``, reconnect with backoff. Everything they see is
recorded for the final tally (``faults.tally``).

``run`` is the suite's client, reconnecting by itself; the stateful model test
(tests/integration/test_fault_model.py) drives one socket at a time with
``connect_once`` and watches every frame through ``on_frame``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

Frame = dict[str, Any]


@dataclass
class Seen:
    """What one reading client received of one session."""

    last_seq: int = 0
    gaps: int = 0
    out_of_order: int = 0


@dataclass
class Client:
    """One socket's worth of client, moved from node to node as they die."""

    name: str
    path: str
    headers: Callable[[], dict[str, str]]
    urls: Callable[[], list[str]]
    sessions: list[str]
    # A representative sees every event, so a seq it skips is a gap.
    sees_everything: bool
    seen: dict[str, Seen] = field(default_factory=dict)
    # client_id -> (session, text, kind)
    outbox: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    acked: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    doubled: int = 0
    sends: int = 0
    reconnects: int = 0
    # Called with every text frame received, before the client acts on it.
    on_frame: Callable[[Frame], None] | None = None
    _socket: ClientConnection | None = None
    _stopping: bool = False

    def stop(self) -> None:
        self._stopping = True
        if self._socket is not None:
            asyncio.get_running_loop().create_task(self._socket.close())

    def stop_socket(self) -> None:
        """The network drops this client's socket; it reconnects and resumes."""
        if self._socket is not None:
            asyncio.get_running_loop().create_task(self._socket.close())

    @property
    def connected(self) -> bool:
        return self._socket is not None

    def follow(self, session: str) -> None:
        """Follow one more session, subscribing now if the socket is open."""
        self.sessions.append(session)
        socket = self._socket
        if socket is not None:
            frame = {"type": "subscribe", "session": session, "after": 0}
            asyncio.get_running_loop().create_task(_quiet(socket.send(json.dumps(frame))))

    async def connect_once(self, url: str) -> None:
        """One socket: subscribe to every session after the last seq seen, then take
        frames until the socket closes (a network or server failure ends it quietly)."""
        try:
            async with connect(
                url + self.path, additional_headers=self.headers(), open_timeout=5
            ) as socket:
                self._socket = socket
                await self._serve(socket)
        except (OSError, WebSocketException, TimeoutError):
            pass
        finally:
            self._socket = None

    async def run(self) -> None:
        delay = 0.2
        while not self._stopping:
            url = random.choice(self.urls())
            started = time.monotonic()
            await self.connect_once(url)
            if self._stopping:
                return
            self.reconnects += 1
            if time.monotonic() - started > 20:
                delay = 0.2
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, 2.0)

    async def _serve(self, socket: ClientConnection) -> None:
        for session in self.sessions:
            after = self.seen.setdefault(session, Seen()).last_seq
            await socket.send(json.dumps({"type": "subscribe", "session": session, "after": after}))
        async for raw in socket:
            if isinstance(raw, bytes):
                continue
            self._received(json.loads(raw))
            if self._stopping:
                return

    def _received(self, frame: Frame) -> None:
        if self.on_frame is not None:
            self.on_frame(frame)
        kind = frame.get("type")
        if kind == "event":
            seen = self.seen.setdefault(frame["session"], Seen())
            seq = frame["event"]["seq"]
            if seq <= seen.last_seq:
                seen.out_of_order += seq < seen.last_seq
                return
            if self.sees_everything and seq != seen.last_seq + 1:
                seen.gaps += 1
            seen.last_seq = seq
        elif kind == "replayed":
            seen = self.seen.setdefault(frame["session"], Seen())
            seen.last_seq = max(seen.last_seq, frame["last_seq"])
            # The protocol: after subscribed (and its replay), resend the outbox.
            for client_id, (session, text, kind) in list(self.outbox.items()):
                if session == frame["session"]:
                    self._send_now(session, client_id, text, kind)
        elif kind == "ack":
            client_id = frame["client_id"]
            self.outbox.pop(client_id, None)
            earlier = self.acked.setdefault(client_id, frame["seq"])
            # One line acknowledged under two seqs would be a line saved twice.
            self.doubled += earlier != frame["seq"]
            self.duplicates += bool(frame.get("duplicate"))
        elif (
            kind == "error"
            and frame.get("client_id") in self.outbox
            and frame.get("code") not in ("unavailable", "rate_limited")
        ):
            raise RuntimeError(f"{self.name}: a send was refused for good: {frame}")

    def _send_now(self, session: str, client_id: str, text: str, kind: str) -> None:
        socket = self._socket
        if socket is None:
            return
        frame = {"type": "send", "session": session, "client_id": client_id, "text": text}
        if kind != "message":
            frame["kind"] = kind
        asyncio.get_running_loop().create_task(_quiet(socket.send(json.dumps(frame))))

    def send(self, session: str, client_id: str, text: str, kind: str = "message") -> None:
        """A new line (or ``kind`` "note"): into the outbox, and onto the socket if
        there is one. Sending an acknowledged ``client_id`` again is a resend."""
        self.sends += 1
        self.outbox[client_id] = (session, text, kind)
        self._send_now(session, client_id, text, kind)

    def resend_outbox(self) -> None:
        """What a client does on a timer, besides after ``subscribed``."""
        for client_id, (session, text, kind) in list(self.outbox.items()):
            self._send_now(session, client_id, text, kind)


async def _quiet(sending: Any) -> None:
    with contextlib.suppress(OSError, WebSocketException):
        await sending
