"""The reconnect load of ``bench.compare``: the storm's work, a round at a time.

Apart from ``compare_load.py`` so each stays short. A round is what the storm asks of
the server for each of its sockets, on a scale that fits in a fraction of a second of
CPU: every customer sends one message (acknowledged), then every socket, customers'
and consoles', drops at once as a network failure would (no close handshake), and every
party comes straight back: the handshake, the welcome, a ``subscribe`` to each of its
sessions after the last seq it had, and the replay of what it missed, up to the
``replayed`` marker that says it is current. What is compared is server CPU per socket
that came back, the figure the storm's time is made of.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench.compare_load import PAD, WAIT_S


class Party:
    """One client: its credentials, its sessions, the last seq it saw of each, and the
    socket it has now."""

    def __init__(self, path: str, headers: list[tuple[str, str]], sessions: list[str]) -> None:
        self.path = path
        self.headers = headers
        self.sessions = sessions
        self.last_seq = dict.fromkeys(sessions, 0)
        self.connection: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.welcome: asyncio.Future[None] | None = None
        self.replayed: dict[str, asyncio.Future[None]] = {}
        self.acks: dict[str, asyncio.Future[None]] = {}

    async def open(self, base: str) -> None:
        """Connect, and follow every session after its last seq until it is current."""
        loop = asyncio.get_running_loop()
        self.welcome = loop.create_future()
        self.replayed = {s: loop.create_future() for s in self.sessions}
        self.connection = await connect(
            base + self.path,
            additional_headers=self.headers,
            compression=None,
            ping_interval=None,
            open_timeout=WAIT_S,
        )
        self.reader = asyncio.create_task(self._read(self.connection))
        await asyncio.wait_for(self.welcome, WAIT_S)
        for session in self.sessions:
            frame = {"type": "subscribe", "session": session, "after": self.last_seq[session]}
            await self.connection.send(json.dumps(frame))
        await asyncio.wait_for(asyncio.gather(*self.replayed.values()), WAIT_S)

    async def _read(self, connection: ClientConnection) -> None:
        try:
            async for message in connection:
                if isinstance(message, str):
                    self._heard(json.loads(message))
        except Exception:  # a dropped socket ends its reader; what matters is counted
            return

    def _heard(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "event":
            session = frame["session"]
            self.last_seq[session] = max(self.last_seq.get(session, 0), frame["event"]["seq"])
        elif kind == "replayed":
            _resolve(self.replayed.get(frame["session"]))
        elif kind == "welcome":
            _resolve(self.welcome)
        elif kind == "ack":
            _resolve(self.acks.pop(frame["client_id"], None))
        elif kind == "error":
            # Whatever this party waits for fails with the server's words.
            error = RuntimeError(f"refused: {frame.get('code')}: {frame.get('message')}")
            for future in [self.welcome, *self.replayed.values(), *self.acks.values()]:
                if future is not None and not future.done():
                    future.set_exception(error)

    async def send(self, session: str, client_id: str, text: str) -> None:
        assert self.connection is not None
        answer = asyncio.get_running_loop().create_future()
        self.acks[client_id] = answer
        frame = {"type": "send", "session": session, "client_id": client_id, "text": text}
        await self.connection.send(json.dumps(frame))
        await asyncio.wait_for(answer, WAIT_S)

    def drop(self) -> None:
        """Gone as in a network failure: the socket aborted, no close frame."""
        if self.connection is not None and self.connection.transport is not None:
            self.connection.transport.abort()
        if self.reader is not None:
            self.reader.cancel()
        self.connection = None

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


def _resolve(future: asyncio.Future[None] | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


class ReconnectLoad:
    """The customers and consoles of one server's seeded groups, dropped and back."""

    unit = "reconnect"

    def __init__(self, host: str, port: int, groups: list[dict[str, Any]]) -> None:
        self.base = f"ws://{host}:{port}"
        origin = f"http://{host}:{port}"
        self.customers: list[tuple[str, Party]] = []
        self.parties: list[Party] = []
        for group in groups:
            sessions = [s["id"] for s in group["sessions"]]
            cookie = f"helpline_console={group['consoles'][0]['cookie']}"
            headers = [("Origin", origin), ("Cookie", cookie)]
            self.parties.append(Party("/ws/console", headers, sessions))
            for session in group["sessions"]:
                bearer = [("Authorization", f"Bearer {session['token']}")]
                customer = Party("/ws/customer", bearer, [session["id"]])
                self.customers.append((session["id"], customer))
                self.parties.append(customer)

    async def connect(self) -> None:
        for party in self.parties:
            await party.open(self.base)

    async def round(self, _messages: int, tag: str) -> int:
        """One message from each customer, every socket dropped, every party back and
        current; returns how many sockets came back."""
        await asyncio.gather(
            *(
                customer.send(session, f"{tag}-{n}", f"{tag}|{n}|{PAD}")
                for n, (session, customer) in enumerate(self.customers)
            )
        )
        for party in self.parties:
            party.drop()
        await asyncio.gather(*(party.open(self.base) for party in self.parties))
        return len(self.parties)

    async def close(self) -> None:
        for party in self.parties:
            await party.close()
