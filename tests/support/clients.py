"""Real clients for tests: HTTP as a browser would send it, and WebSocket peers that
keep what they received so tests can wait for a frame instead of sleeping."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from tests.support.server import ServerProcess, two_nodes

Frame = dict[str, Any]
WAIT_SECONDS = 10.0
# What an agent on tests.support.domain.DEBIAN reports when it joins or attaches.
DEBIAN_REPORT: Frame = {
    "os": "Debian GNU/Linux 12 (bookworm)",
    "kernel": "6.1.0-18-amd64",
    "arch": "x86_64",
    "host": "db-01",
    "user": "dana",
    "app": "agent",
}


class Browser:
    """An HTTP client with a cookie jar and the server's own Origin, like a web page.

    ``address``: the loopback address it connects from (any of 127.0.0.0/8), so that
    one test can be several people on several networks.
    """

    def __init__(self, server: ServerProcess, address: str | None = None) -> None:
        self.server = server
        self.http = httpx.AsyncClient(
            base_url=server.base_url,
            headers={"Origin": server.base_url},
            timeout=15.0,
            transport=httpx.AsyncHTTPTransport(local_address=address) if address else None,
        )

    async def close(self) -> None:
        await self.http.aclose()

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies.jar)

    async def login(self, username: str, password: str = "helpline-demo") -> Frame:
        response = await self.http.post(
            "/api/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        me: Frame = response.json()["me"]
        return me

    async def ask_for_help(
        self, portal: str = "acme", name: str = "Dana", query: str = "Help"
    ) -> Frame:
        response = await self.http.post(
            f"/api/portals/{portal}/sessions", json={"name": name, "query": query}
        )
        assert response.status_code == 201, response.text
        body: Frame = response.json()
        return body

    async def socket(self, path: str) -> Peer:
        connection = await connect(
            f"{self.server.ws_url}{path}",
            additional_headers={"Origin": self.server.base_url, "Cookie": self.cookie_header()},
            max_size=2 * 1024 * 1024,
        )
        peer = Peer(connection)
        peer.start()
        return peer


class Agent:
    """The Helpline agent as the server sees it: no browser, no cookies, no Origin;
    ``Authorization: Bearer <token>`` once it has joined or attached."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.token: str | None = None
        self.http = httpx.AsyncClient(
            base_url=server.base_url,
            headers={"User-Agent": "helpline-agent/0.1"},
            timeout=15.0,
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Agent:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    def _took(self, response: httpx.Response) -> Frame:
        assert response.status_code == 201, response.text
        body: Frame = response.json()
        self.token = body["token"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"
        # A browser would keep the cookie; the agent has none to keep.
        self.http.cookies.clear()
        return body

    async def join(self, code: str, name: str, client: Frame) -> Frame:
        response = await self.http.post(
            "/api/join", json={"code": code, "name": name, "client": client}
        )
        return self._took(response)

    async def attach(self, secret: str, client: Frame) -> Frame:
        response = await self.http.post("/api/attach", json={"secret": secret, "client": client})
        return self._took(response)

    async def socket(self) -> Peer:
        assert self.token is not None, "join or attach first"
        connection = await connect(
            f"{self.server.ws_url}/ws/customer",
            additional_headers={"Authorization": f"Bearer {self.token}"},
            max_size=2 * 1024 * 1024,
        )
        peer = Peer(connection)
        peer.start()
        return peer


@dataclass
class Peer:
    """A WebSocket client that records every frame it receives."""

    connection: ClientConnection
    frames: list[Frame] = field(default_factory=list)
    binary: list[bytes] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: int | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for message in self.connection:
                async with self._changed:
                    if isinstance(message, bytes):
                        self.binary.append(message)
                    else:
                        self.frames.append(json.loads(message))
                    self._changed.notify_all()
        except Exception:
            pass
        finally:
            self.close_code = self.connection.close_code
            self.closed.set()
            async with self._changed:
                self._changed.notify_all()

    async def send(self, frame: Frame) -> None:
        await self.connection.send(json.dumps(frame))

    async def send_raw(self, text: str) -> None:
        await self.connection.send(text)

    async def wait_for(
        self, match: Callable[[Frame], bool], what: str = "a frame", seconds: float = WAIT_SECONDS
    ) -> Frame:
        """The first recorded frame that matches, waiting for it if need be."""

        async def found() -> Frame:
            async with self._changed:
                while True:
                    for frame in self.frames:
                        if match(frame):
                            return frame
                    if self.closed.is_set():
                        raise AssertionError(
                            f"The socket closed ({self.close_code}) before {what}; "
                            f"got {self.frames}"
                        )
                    await self._changed.wait()

        try:
            return await asyncio.wait_for(found(), seconds)
        except TimeoutError:
            raise AssertionError(f"No {what} within {seconds}s; got {self.frames}") from None

    async def wait_type(self, kind: str, **fields: Any) -> Frame:
        return await self.wait_for(
            lambda f: f.get("type") == kind and all(f.get(k) == v for k, v in fields.items()),
            f"a {kind!r} frame with {fields}",
        )

    async def follow(self, session: str) -> None:
        """Subscribe to ``session`` from its first event; done when the server says so."""
        await self.send({"type": "subscribe", "session": session, "after": 0})
        await self.wait_type("subscribed")

    async def wait_binary(self, count: int = 1) -> list[bytes]:
        """Wait until at least ``count`` binary messages arrived; return them all."""

        async def arrived() -> list[bytes]:
            async with self._changed:
                while len(self.binary) < count:
                    if self.closed.is_set():
                        raise AssertionError(f"The socket closed before {count} binary frames")
                    await self._changed.wait()
                return list(self.binary)

        try:
            return await asyncio.wait_for(arrived(), WAIT_SECONDS)
        except TimeoutError:
            raise AssertionError(f"Fewer than {count} binary frames arrived") from None

    async def send_bytes(self, data: bytes) -> None:
        await self.connection.send(data)

    async def wait_closed(self) -> int | None:
        await asyncio.wait_for(self.closed.wait(), WAIT_SECONDS)
        return self.close_code

    def events(self, session: str) -> list[Frame]:
        return [
            f["event"] for f in self.frames if f.get("type") == "event" and f["session"] == session
        ]

    async def wait_event(
        self,
        session: str,
        match: Callable[[Frame], bool],
        what: str,
        seconds: float = WAIT_SECONDS,
    ) -> Frame:
        frame = await self.wait_for(
            lambda f: f.get("type") == "event" and f["session"] == session and match(f["event"]),
            what,
            seconds,
        )
        event: Frame = frame["event"]
        return event

    async def say(
        self, session: str, text: str, seconds: float = WAIT_SECONDS, **more: Any
    ) -> Frame:
        """Send a line and wait for its acknowledgement (or error)."""
        client_id = more.pop("client_id", None) or uuid.uuid4().hex
        await self.send(
            {"type": "send", "session": session, "client_id": client_id, "text": text, **more}
        )
        return await self.wait_for(
            lambda f: f.get("client_id") == client_id and f.get("type") in ("ack", "error"),
            f"an ack for {text!r}",
            seconds,
        )

    async def close(self) -> None:
        await self.connection.close()
        if self._task:
            await self._task


async def eventually(check: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS) -> None:
    """Wait until ``check()`` holds, for state with no event to wait on (files on disk)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"Still not true after {seconds}s: {what}")
        await asyncio.sleep(0.05)


async def picked_up(
    browsers: Callable[[], Browser], rep_name: str = "bob", query: str = "Printer jam"
) -> tuple[str, Browser, Peer, Browser, Peer]:
    """Dana asks for help on the acme portal and ``rep_name`` picks her up; his console
    and her chat follow the session. Returns the session ID, the representative, his
    console, the customer and her chat."""
    rep, customer = browsers(), browsers()
    await rep.login(rep_name)
    session_id = (await customer.ask_for_help("acme", "Dana", query))["session"]["id"]
    picked = await rep.http.post(f"/api/sessions/{session_id}/pick-up")
    assert picked.status_code == 200, picked.text
    console = await rep.socket("/ws/console")
    await console.follow(session_id)
    chat = await customer.socket("/ws/customer")
    await chat.follow(session_id)
    return session_id, rep, console, customer, chat


@asynccontextmanager
async def on_two_nodes(
    folder: Path, database_url: str, bus: str, **env: str
) -> AsyncIterator[tuple[ServerProcess, ServerProcess, Browser, Browser]]:
    """Two server processes started on one database and one bus (``two_nodes``), and a
    browser on each: the first's, then the second's. All closed and stopped after."""
    first, second = await two_nodes(folder, database_url, bus, **env)
    await first.start()
    await second.start()
    on_first, on_second = Browser(first), Browser(second)
    try:
        yield first, second, on_first, on_second
    finally:
        await on_first.close()
        await on_second.close()
        first.stop()
        second.stop()
