"""The closed-loop chat load of ``bench.compare``: customers send, consoles receive.

Apart from ``compare.py`` so each stays short. Each customer of a seeded session keeps
``IN_FLIGHT`` messages on its way and sends the next when one is acknowledged; each
session's console must receive every message before the round ends. A closed loop, not
the ladder's open one: what is compared is CPU per message, which does not depend on
the pace, and a closed loop cannot fall behind and queue without end.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

IN_FLIGHT = 2
WAIT_S = 60.0
PAD = "x" * 60


class Socket:
    """One client socket and the answers it waits for."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.answers: dict[str, asyncio.Future[None]] = {}
        # Per round's tag: how many of its messages are still to come, and the future
        # that is done when none is.
        self.expected: dict[str, tuple[int, asyncio.Future[None]]] = {}
        self.welcome: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.subscribed: dict[str, asyncio.Future[None]] = {}
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.connection:
            frame = json.loads(message)
            kind = frame.get("type")
            if kind == "event":
                text = frame["event"].get("body", {}).get("text", "")
                tag = text.split("|", 1)[0]
                counting = self.expected.get(tag)
                if counting is not None:
                    left, done = counting
                    self.expected[tag] = (left - 1, done)
                    if left == 1 and not done.done():
                        done.set_result(None)
            elif kind == "ack":
                future = self.answers.pop(frame["client_id"], None)
                if future is not None and not future.done():
                    future.set_result(None)
            elif kind == "error":
                error = RuntimeError(f"refused: {frame.get('code')}: {frame.get('message')}")
                future = self.answers.pop(frame.get("client_id", ""), None)
                if future is not None and not future.done():
                    future.set_exception(error)
            elif kind == "welcome" and not self.welcome.done():
                self.welcome.set_result(None)
            elif kind == "subscribed":
                waiting = self.subscribed.get(frame["session"]["id"])
                if waiting is not None and not waiting.done():
                    waiting.set_result(None)

    async def follow(self, sessions: list[str]) -> None:
        await asyncio.wait_for(self.welcome, WAIT_S)
        loop = asyncio.get_running_loop()
        self.subscribed = {s: loop.create_future() for s in sessions}
        for session in sessions:
            await self.connection.send(
                json.dumps({"type": "subscribe", "session": session, "after": 0})
            )
        await asyncio.wait_for(asyncio.gather(*self.subscribed.values()), WAIT_S)

    async def send(self, session: str, client_id: str, text: str) -> None:
        answer = asyncio.get_running_loop().create_future()
        self.answers[client_id] = answer
        frame = {"type": "send", "session": session, "client_id": client_id, "text": text}
        await self.connection.send(json.dumps(frame))
        await asyncio.wait_for(answer, WAIT_S)

    async def close(self) -> None:
        await self.connection.close()
        await asyncio.gather(self.reader, return_exceptions=True)


class Load:
    """The customers and consoles of one server's seeded groups."""

    unit = "message"

    def __init__(self, host: str, port: int, groups: list[dict[str, Any]]) -> None:
        self.base = f"ws://{host}:{port}"
        self.origin = f"http://{host}:{port}"
        self.groups = groups
        self.customers: list[tuple[str, Socket]] = []
        # Each console and how many sessions it follows.
        self.consoles: list[tuple[Socket, int]] = []

    async def connect(self) -> None:
        for group in self.groups:
            sessions = [s["id"] for s in group["sessions"]]
            console = await self._open(
                "/ws/console",
                [
                    ("Origin", self.origin),
                    ("Cookie", f"helpline_console={group['consoles'][0]['cookie']}"),
                ],
            )
            await console.follow(sessions)
            self.consoles.append((console, len(sessions)))
            for session in group["sessions"]:
                customer = await self._open(
                    "/ws/customer", [("Authorization", f"Bearer {session['token']}")]
                )
                await customer.follow([session["id"]])
                self.customers.append((session["id"], customer))

    async def _open(self, path: str, headers: list[tuple[str, str]]) -> Socket:
        connection = await connect(
            self.base + path,
            additional_headers=headers,
            compression=None,
            ping_interval=None,
            open_timeout=WAIT_S,
        )
        return Socket(connection)

    async def round(self, messages: int, tag: str) -> int:
        """About ``messages`` messages spread evenly over the customers, each
        acknowledged and each delivered to its session's console; returns how many."""
        per_customer = max(1, messages // len(self.customers))
        loop = asyncio.get_running_loop()
        delivered = []
        for console, sessions in self.consoles:
            done = loop.create_future()
            console.expected[tag] = (per_customer * sessions, done)
            delivered.append(done)

        async def one_customer(index: int, session: str, customer: Socket) -> None:
            numbers = iter(range(per_customer))

            async def lane() -> None:
                for n in numbers:
                    client_id = f"{tag}-{index}-{n}"
                    await customer.send(session, client_id, f"{tag}|{n}|{PAD}")

            await asyncio.gather(*(lane() for _ in range(IN_FLIGHT)))

        await asyncio.gather(*(one_customer(i, s, c) for i, (s, c) in enumerate(self.customers)))
        # Deliveries follow their acks by a moment.
        try:
            await asyncio.wait_for(asyncio.gather(*delivered), WAIT_S)
        except TimeoutError:
            left = [console.expected[tag][0] for console, _ in self.consoles]
            raise RuntimeError(f"round {tag}: messages never delivered: {left}") from None
        for console, _ in self.consoles:
            del console.expected[tag]
        return per_customer * len(self.customers)

    async def close(self) -> None:
        for _session, customer in self.customers:
            await customer.close()
        for console, _ in self.consoles:
            await console.close()
