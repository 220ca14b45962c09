"""The generator's parties: one socket each, and what each knows of its sessions.

A party is a customer (one session), a console (the sessions of its group) or, on a
peer relay, the representative's socket of one session. This module holds how a party
reaches each kind of target (address, credentials, the handshake before it may send)
and how its socket is opened, read, written and dropped. What the frames it reads mean
to the counts is ``bench.inbound``'s business; the party only hands them on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection, connect


class Owner(Protocol):
    """What a party needs of the process that holds it."""

    target: dict[str, Any]
    handlers: dict[str, Callable[[Party, Any], None]]

    def note_closed(self, party: Party, error: BaseException | None) -> None: ...


CLOSE_TRY_AGAIN_LATER = 1013  # docs/protocol.md: the reason is milliseconds to wait


class TryLater(Exception):
    """The server turned the socket away (1013) and said when to come back."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"try again in {seconds:.3f} s")
        self.seconds = seconds


class View:
    """What one party knows of one session."""

    __slots__ = ("last_seq", "redelivered", "seen", "server_last_seq")

    def __init__(self) -> None:
        self.last_seq = 0
        self.seen: set[int] = set()
        self.redelivered = 0
        self.server_last_seq = 0


class Party:
    """A customer (one session) or a console (several sessions): one socket at a time."""

    def __init__(self, owner: Owner, role: str, tag: str, sessions: list[str], **auth: Any) -> None:
        self.owner = owner
        self.role = role  # "customer" | "console" | "peer-rep"
        self.tag = tag
        self.sessions = sessions
        self.auth = auth
        self.views = {s: View() for s in sessions}
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.welcome: asyncio.Future[None] | None = None
        self.subscribed: dict[str, asyncio.Future[None]] = {}
        self.address = "127.0.0.1"
        self.outbox: dict[str, tuple[str, str]] = {}  # client_id -> (session, frame)
        self.acked: dict[str, int] = {}  # client_id -> seq
        self.connects = 0

    # Connecting -------------------------------------------------------------------

    async def open(self) -> None:
        target = self.owner.target
        kind = target["kind"]
        base = f"ws://{target['host']}:{target['port']}"
        headers: list[tuple[str, str]] = []
        if kind == "helpline":
            if self.role == "customer":
                uri = f"{base}/ws/customer"
                headers.append(("Authorization", f"Bearer {self.auth['token']}"))
            else:
                uri = f"{base}/ws/console"
                headers.append(("Origin", f"http://127.0.0.1:{target['port']}"))
                headers.append(("Cookie", f"helpline_console={self.auth['cookie']}"))
        elif kind == "relay":
            uri = f"{base}/relay/{quote(self.sessions[0])}"
        elif kind == "channels":
            uri = f"{base}/ws/relay/{quote(self.sessions[0])}/"
        elif kind == "socketio":
            uri = f"{base}/socket.io/?EIO=4&transport=websocket"
        else:
            raise ValueError(kind)
        loop = asyncio.get_running_loop()
        self.welcome = loop.create_future()
        self.subscribed = {s: loop.create_future() for s in self.sessions}
        self.ws = await connect(
            uri,
            additional_headers=headers,
            compression=None,
            ping_interval=None,
            max_size=4 * 1024 * 1024,
            open_timeout=60,
            close_timeout=2,
            local_addr=(self.address, 0),
        )
        self.connects += 1
        self.reader = asyncio.create_task(self._read(self.ws))
        if kind == "helpline":
            await asyncio.wait_for(self.welcome, 60)
            for session in self.sessions:
                after = self.views[session].last_seq
                await self.ws.send(
                    json.dumps({"type": "subscribe", "session": session, "after": after})
                )
            await asyncio.wait_for(asyncio.gather(*self.subscribed.values()), 120)
        elif kind == "socketio":
            await asyncio.wait_for(self.welcome, 30)  # the Engine.IO open packet
            loop = asyncio.get_running_loop()
            self.welcome = loop.create_future()
            await self.ws.send("40" + json.dumps({"room": self.sessions[0]}))
            await asyncio.wait_for(self.welcome, 30)  # the namespace connect answer

    def abort(self) -> None:
        """Drop the connection as a network failure would: no close handshake."""
        if self.ws is not None:
            transport = self.ws.transport
            if transport is not None:
                transport.abort()
        self.ws = None

    def drop(self) -> None:
        """Abort the connection and stop reading it, at once."""
        self.abort()
        if self.reader is not None:
            self.reader.cancel()

    async def close(self) -> None:
        ws, self.ws = self.ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 3)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(BaseException):
                await self.reader

    # Reading and writing ----------------------------------------------------------

    async def _read(self, ws: ClientConnection) -> None:
        handle = self.owner.handlers[self.owner.target["kind"]]
        try:
            async for message in ws:
                handle(self, message)
        except Exception as error:
            if not self._turned_away(ws):
                self.owner.note_closed(self, error)
        else:
            if not self._turned_away(ws):
                self.owner.note_closed(self, None)

    def _turned_away(self, ws: ClientConnection) -> bool:
        """Whether the server closed with 1013 before the welcome: ``open`` then
        raises ``TryLater`` with the time the server gave, and nothing failed."""
        welcome = self.welcome
        if welcome is None or welcome.done():
            return False
        reason = ws.close_reason or ""
        if ws.close_code == CLOSE_TRY_AGAIN_LATER and reason.isdigit():
            welcome.set_exception(TryLater(int(reason) / 1000))
            return True
        welcome.set_exception(ConnectionError(f"closed before the welcome ({ws.close_code})"))
        return False

    async def send(self, text: str) -> bool:
        ws = self.ws
        if ws is None:
            return False
        try:
            await ws.send(text)
        except Exception:
            return False
        return True
