"""Everything that leaves one socket, in order, and the timing of the outbox's sends.

Why apart from the connection: one writer per socket keeps frames in the order they
were made (a chat line, then the screen frame after it), and the waits the protocol
asks for live here: after ``rate_limited`` nothing is sent until ``retry_after`` has
passed, then everything kept goes out in order; a send refused as ``unavailable`` is
tried again on its own after ``retry_after`` or a backoff. The sender also remembers
which sends the server has not answered, since after a server failure (1011) the
oldest of them is the one it was handling.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from helpline.agent import reconnect
from helpline.agent.frames import text_of
from helpline.agent.outbox import EntryState, Outbox, OutboxEntry
from helpline.protocol.client_frames import ClientFrame

# A screen frame is skipped while this much is still waiting to be written.
MAX_QUEUED_BINARY_BYTES = 1024 * 1024


class Sender:
    def __init__(self, outbox: Outbox, random: Callable[[], float]) -> None:
        self.outbox = outbox
        self.random = random
        # Sent and not answered yet, oldest first.
        self.unanswered: list[str] = []
        self.last_sent: str | None = None
        self._ready = False
        self._queue: asyncio.Queue[str | bytes] | None = None
        self._queued_binary = 0
        self._hold: asyncio.TimerHandle | None = None
        self._hold_until = 0.0
        # Transiently refused sends: the timer that sends each again, and its tries.
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tries: dict[str, int] = {}

    @property
    def ready(self) -> bool:
        return self._ready

    # -------------------------------------------------------------- a socket's life

    def open(self) -> asyncio.Queue[str | bytes]:
        """A new socket: a new queue, which ``write`` empties into it."""
        self._queue = asyncio.Queue()
        return self._queue

    async def write(self, socket: ClientConnection, queue: asyncio.Queue[str | bytes]) -> None:
        """The one writer of ``socket``, until it closes or this task is cancelled."""
        with contextlib.suppress(ConnectionClosed):
            while True:
                item = await queue.get()
                if isinstance(item, bytes):
                    self._queued_binary = max(0, self._queued_binary - len(item))
                await socket.send(item)

    def welcomed(self) -> None:
        """Frames may go out now."""
        self._ready = True

    def closed(self) -> None:
        """The socket is gone: forget its queue and its timers; a reconnect's flush
        sends everything still pending again."""
        self._ready = False
        self._queue = None
        self._queued_binary = 0
        self.unanswered = []
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        self._tries.clear()
        if self._hold is not None:
            self._hold.cancel()
            self._hold = None

    # -------------------------------------------------------------- putting frames out

    def put(self, item: str | bytes) -> bool:
        if not self._ready or self._queue is None:
            return False
        self._queue.put_nowait(item)
        return True

    def frame(self, frame: ClientFrame) -> bool:
        return self.put(text_of(frame))

    def binary(self, data: bytes) -> bool:
        if self._queued_binary + len(data) > MAX_QUEUED_BINARY_BYTES:
            return False
        if not self.put(data):
            return False
        self._queued_binary += len(data)
        return True

    def entry(self, entry: OutboxEntry) -> None:
        """Send one outbox entry now, unless sends are held."""
        if self._hold is not None or not self.put(text_of(entry.frame())):
            return
        self.last_sent = entry.client_id
        if entry.client_id not in self.unanswered:
            self.unanswered.append(entry.client_id)

    def flush(self) -> None:
        """Send, with their original client ids, the lines not yet acknowledged."""
        if not self._ready or self._hold is not None:
            return
        for entry in self.outbox.unacknowledged():
            if entry.client_id not in self._timers:
                self.entry(entry)

    # -------------------------------------------------------------- answers and waits

    def answered(self, client_id: str) -> None:
        self.unanswered = [c for c in self.unanswered if c != client_id]
        timer = self._timers.pop(client_id, None)
        if timer is not None:
            timer.cancel()

    def hold(self, seconds: float) -> None:
        """``rate_limited``: send nothing for ``seconds``, then everything kept, in order."""
        loop = asyncio.get_running_loop()
        until = loop.time() + max(1.0, seconds)
        if self._hold is not None and until <= self._hold_until:
            return
        if self._hold is not None:
            self._hold.cancel()
        self._hold_until = until

        def release() -> None:
            self._hold = None
            self.flush()

        self._hold = loop.call_at(until, release)

    def defer(self, client_id: str, retry_after: float | None) -> None:
        """Send a transiently refused entry again after ``retry_after`` or a backoff."""
        tries = self._tries.get(client_id, 0) + 1
        self._tries[client_id] = tries
        if retry_after is not None:
            delay = min(reconnect.BACKOFF_MAX_SECONDS, max(1.0, retry_after))
        else:
            delay = reconnect.backoff_delay(tries - 1, self.random)

        def again() -> None:
            self._timers.pop(client_id, None)
            entry = self.outbox.get(client_id)
            if entry is not None and entry.state is EntryState.PENDING and self._ready:
                self.entry(entry)  # or, while sends are held, with the next flush

        previous = self._timers.pop(client_id, None)
        if previous is not None:
            previous.cancel()
        self._timers[client_id] = asyncio.get_running_loop().call_later(delay, again)
