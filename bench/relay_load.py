"""The loads of ``bench.compare_stack``: the bare relay's rooms, chatting or dropped.

Apart from ``compare_stack.py`` so each stays short. The relay (``bench/relay.py``)
forwards each text frame to the other socket of its room, so a room of two is a
sender and a receiver; what a round does mirrors ``bench.compare``'s loads without
Helpline's protocol, so the figure is the stack's own cost:

- ``chat``: each room's first socket keeps ``IN_FLIGHT`` frames on their way to the
  second and sends the next when one arrives; CPU per frame relayed (one in, one out).
- ``reconnect``: one frame across each room, then every socket drops as a network
  failure would (no close handshake) and comes back (a handshake and a frame across
  its room again); CPU per socket that came back.
"""

from __future__ import annotations

import asyncio
import contextlib

from websockets.asyncio.client import ClientConnection, connect

IN_FLIGHT = 2
WAIT_S = 60.0
PAD = "x" * 120


class Room:
    """Two sockets of one room: ``sender`` writes, ``receiver`` hears."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sender: ClientConnection | None = None
        self.receiver: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.waiting: dict[str, asyncio.Future[None]] = {}

    async def open(self) -> None:
        """Both sockets connected, and one frame across to show the room is whole."""
        sender, receiver = await asyncio.gather(_open(self.url), _open(self.url))
        self.sender, self.receiver = sender, receiver
        self.reader = asyncio.create_task(self._read(receiver))
        await self.relay("hello")

    async def _read(self, receiver: ClientConnection) -> None:
        with contextlib.suppress(Exception):  # a dropped socket ends its reader
            async for message in receiver:
                tag = message.split("|", 1)[0] if isinstance(message, str) else ""
                future = self.waiting.pop(tag, None)
                if future is not None and not future.done():
                    future.set_result(None)

    async def relay(self, tag: str) -> None:
        """Send one frame from the sender and wait until the receiver has it."""
        assert self.sender is not None
        arrived = asyncio.get_running_loop().create_future()
        self.waiting[tag] = arrived
        await self.sender.send(f"{tag}|{PAD}")
        await asyncio.wait_for(arrived, WAIT_S)

    def drop(self) -> None:
        """Both sockets gone as in a network failure: aborted, no close frame."""
        for connection in (self.sender, self.receiver):
            if connection is not None and connection.transport is not None:
                connection.transport.abort()
        if self.reader is not None:
            self.reader.cancel()
        self.sender = self.receiver = None

    async def close(self) -> None:
        for connection in (self.sender, self.receiver):
            if connection is not None:
                await connection.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


async def _open(url: str) -> ClientConnection:
    return await connect(url, compression=None, ping_interval=None, open_timeout=WAIT_S)


class RelayLoad:
    """Rooms on one relay; ``unit`` names what a round's count is of."""

    def __init__(self, base: str, rooms: int, kind: str) -> None:
        self.base = base
        self.kind = kind
        self.unit = "socket back" if kind == "reconnect" else "frame"
        self.rooms = [Room(f"{base}/room/{n}") for n in range(rooms)]

    async def connect(self) -> None:
        await asyncio.gather(*(room.open() for room in self.rooms))

    async def round(self, frames: int, tag: str) -> int:
        if self.kind == "reconnect":
            return await self._reconnect(tag)
        return await self._chat(frames, tag)

    async def _chat(self, frames: int, tag: str) -> int:
        per_room = max(1, frames // len(self.rooms))

        async def lane(room: Room, numbers: list[int]) -> None:
            for n in numbers:
                await room.relay(f"{tag}-{n}")

        async def one_room(room: Room) -> None:
            numbers = list(range(per_room))
            await asyncio.gather(*(lane(room, numbers[i::IN_FLIGHT]) for i in range(IN_FLIGHT)))

        await asyncio.gather(*(one_room(room) for room in self.rooms))
        return per_room * len(self.rooms)

    async def _reconnect(self, tag: str) -> int:
        await asyncio.gather(*(room.relay(tag) for room in self.rooms))
        for room in self.rooms:
            room.drop()
        await asyncio.gather(*(room.open() for room in self.rooms))
        return 2 * len(self.rooms)

    async def close(self) -> None:
        for room in self.rooms:
            await room.close()


async def idle_sockets(base: str, count: int) -> list[ClientConnection]:
    """``count`` sockets open and idle, in rooms of two; closed by the caller."""
    sockets: list[ClientConnection] = []
    for start in range(0, count, 200):
        batch = range(start, min(count, start + 200))
        sockets += await asyncio.gather(*(_open(f"{base}/idle/{n // 2}") for n in batch))
    return sockets
