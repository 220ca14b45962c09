"""What the stateful fault model (tests/integration/test_fault_model.py) needs around
the fault suite's client: every frame a client received, waits on those frames, and
the server's own log of a session to compare them with.

A ``Viewer`` is one ``faults.clients.Client`` (the same protocol code ``make faults``
runs) driven one socket at a time, so the model decides when a socket drops, when it
comes back and what is in flight meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from faults.clients import Client

from tests.support.server import ServerProcess

Frame = dict[str, Any]
WAIT_SECONDS = 15.0


@dataclass(frozen=True)
class Line:
    """One line the model sent: its text is unique, so any copy of it can be found."""

    session: str
    sender: str  # the viewer's name
    kind: str  # "message" or "note"
    text: str


@dataclass
class Viewer:
    """A client of the model and all it received, per session."""

    name: str
    client: Client
    url: Callable[[], str]
    sees_everything: bool
    # The events it kept, in arrival order: each seq once, as the protocol says
    # (an event whose seq it has seen is dropped).
    kept: dict[str, list[Frame]] = field(default_factory=dict)
    out_of_order: int = 0
    markers: dict[str, list[int]] = field(default_factory=dict)  # replayed last_seqs
    acks: dict[str, list[tuple[int, bool]]] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.client.on_frame = self._frame

    def _frame(self, frame: Frame) -> None:
        kind = frame.get("type")
        if kind == "event":
            kept = self.kept.setdefault(frame["session"], [])
            seq = frame["event"]["seq"]
            last = kept[-1]["seq"] if kept else 0
            if seq > last:
                kept.append(frame["event"])
            elif seq < last:
                self.out_of_order += 1
        elif kind == "replayed":
            self.markers.setdefault(frame["session"], []).append(frame["last_seq"])
        elif kind == "ack":
            self.acks.setdefault(frame["client_id"], []).append(
                (frame["seq"], bool(frame.get("duplicate")))
            )
        self._changed.set()

    def seqs(self, session: str) -> list[int]:
        return [event["seq"] for event in self.kept.get(session, [])]

    @property
    def connected(self) -> bool:
        return self.task is not None and not self.task.done()

    def failure(self) -> BaseException | None:
        """What ended its socket other than a close: a send refused for good."""
        if self.task is None or not self.task.done() or self.task.cancelled():
            return None
        return self.task.exception()

    async def until(self, check: Callable[[], bool], what: str) -> None:
        """Waits for ``check()`` to hold, waking on each frame or socket close."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_SECONDS
        while not check():
            failed = self.failure()
            if failed is not None:
                raise AssertionError(f"{self.name}: {what}: the client failed") from failed
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{self.name}: {what}, not within {WAIT_SECONDS:g} s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def connect(self) -> None:
        """A new socket; returns once every session's replay is over (``replayed``)."""
        before = {s: len(self.markers.get(s, [])) for s in self.client.sessions}
        self.task = asyncio.create_task(self.client.connect_once(self.url()))
        self.task.add_done_callback(lambda _: self._changed.set())
        await self.until(
            lambda: (
                self.connected and all(len(self.markers.get(s, [])) > n for s, n in before.items())
            ),
            "replayed after subscribing",
        )

    async def follow(self, session: str) -> None:
        """Follows one more session; if online, returns once its replay is over."""
        self.client.follow(session)
        if self.connected:
            await self.until(lambda: session in self.markers, f"replayed of {session}")

    async def drop(self) -> None:
        """The network drops the socket; returns once the client has seen it close."""
        self.client.stop_socket()
        await self.until(lambda: not self.connected, "the socket closed")

    async def flushed(self) -> None:
        """Once online, everything in the outbox is answered."""
        await self.until(lambda: not self.client.outbox, "every send acknowledged")

    async def close(self) -> None:
        self.client.stop()
        if self.task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self.task, WAIT_SECONDS)


class Api:
    """The HTTP side the model needs, each call on a fresh connection (the server is
    killed and restarted under it)."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.rep_cookie = ""

    def _http(self, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
        origin = {"Origin": self.server.base_url}
        return httpx.AsyncClient(
            base_url=self.server.base_url, headers={**origin, **(headers or {})}, timeout=15.0
        )

    def rep_headers(self) -> dict[str, str]:
        return {"Origin": self.server.base_url, "Cookie": self.rep_cookie}

    async def login(self) -> None:
        async with self._http() as http:
            answer = await http.post(
                "/api/auth/login", json={"username": "bob", "password": "helpline-demo"}
            )
            answer.raise_for_status()
            self.rep_cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies.jar)

    async def open_session(self, name: str) -> tuple[str, str]:
        """A customer asks for help and bob picks it up: (public id, customer token)."""
        async with self._http() as http:
            answer = await http.post(
                "/api/portals/acme/sessions", json={"name": name, "query": "help"}
            )
            answer.raise_for_status()
            body = answer.json()
        session: str = body["session"]["id"]
        async with self._http(self.rep_headers()) as rep:
            (await rep.post(f"/api/sessions/{session}/pick-up")).raise_for_status()
        return session, body["token"]

    async def end(self, session: str) -> None:
        async with self._http(self.rep_headers()) as rep:
            answer = await rep.post(
                f"/api/sessions/{session}/end", json={"outcome": "resolved", "notes": ""}
            )
            answer.raise_for_status()

    async def events(self, session: str, token: str | None = None) -> list[Frame]:
        """The session's log as the representative (everything: the store's log) or,
        with the customer's ``token``, as the customer may see it."""
        headers = self.rep_headers() if token is None else {"Authorization": f"Bearer {token}"}
        events: list[Frame] = []
        async with self._http(headers) as http:
            while True:
                after = events[-1]["seq"] if events else 0
                answer = await http.get(f"/api/sessions/{session}/events?after={after}")
                answer.raise_for_status()
                page: list[Frame] = answer.json()["events"]
                events += page
                if len(page) < 500:
                    return events
