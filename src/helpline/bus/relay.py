"""Publishing to Redis without making anyone wait for it.

``RedisBus.publish`` hands a message to this process's own subscribers at once and
queues it here; one task sends what is queued to Redis, in order, as one pipeline per
batch. A sender (and its acknowledgement) never waits for Redis, so a hung or dead
Redis cannot freeze a chat.

A batch that Redis does not take within ``timeout`` seconds (hung, dead, unreachable)
is not lost without a word: ``on_failure`` is called (the bus then tells every local
subscription ``Lost``, so each reads the store), and the newest message of each of the
batch's channels is kept and published again once Redis answers, so that a node whose
own link to Redis stayed up sees the gap and reads the store too. The queue is
bounded: past ``max_pending`` a message is kept only as its channel's newest.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Sequence

log = logging.getLogger(__name__)

# One queued message: its Redis channel name and the bytes to publish.
Outgoing = tuple[bytes, bytes]

MAX_BATCH = 500


class Relay:
    """The ordered, bounded queue of messages on their way to Redis, and its sender."""

    def __init__(
        self,
        send: Callable[[Sequence[Outgoing]], Awaitable[None]],
        on_failure: Callable[[BaseException], None],
        *,
        where: str,
        timeout: float = 2.0,
        max_pending: int = 10_000,
        min_delay: float = 0.1,
        max_delay: float = 2.0,
        link_errors: tuple[type[BaseException], ...] = (OSError, TimeoutError),
    ) -> None:
        self._send = send
        self._on_failure = on_failure
        self._where = where
        self._timeout = timeout
        self._max_pending = max_pending
        self._min_delay = min_delay
        self._max_delay = max_delay
        self._link_errors: tuple[type[BaseException], ...] = (*link_errors, TimeoutError)
        self._queue: deque[Outgoing] = deque()
        # Channels whose messages did not reach Redis: the newest one of each, to be
        # published again (before anything newer) once Redis answers.
        self._unsent: OrderedDict[bytes, bytes] = OrderedDict()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failing = False
        # Checked as well as cancelling: redis-py can swallow the cancellation of a
        # pipeline that is being sent, and the relay would then wait forever.
        self._closed = False

    @property
    def failing(self) -> bool:
        """Whether the last attempt to publish failed (and nothing has got through since)."""
        return self._failing

    @property
    def pending(self) -> int:
        return len(self._queue) + len(self._unsent)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="helpline-redis-bus-relay")

    def put(self, name: bytes, data: bytes) -> None:
        if len(self._queue) >= self._max_pending:
            # Only the newest message of a channel is needed to show its subscribers
            # elsewhere that they missed something.
            self._keep_unsent([(name, data)])
        else:
            self._queue.append((name, data))
        self._wakeup.set()

    async def close(self) -> None:
        self._closed = True
        self._wakeup.set()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def _keep_unsent(self, messages: Sequence[Outgoing]) -> None:
        for name, data in messages:
            self._unsent.pop(name, None)
            self._unsent[name] = data
        while len(self._unsent) > self._max_pending:
            self._unsent.popitem(last=False)

    def _next_batch(self) -> list[Outgoing]:
        batch: list[Outgoing] = []
        while self._unsent and len(batch) < MAX_BATCH:
            batch.append(self._unsent.popitem(last=False))
        while self._queue and len(batch) < MAX_BATCH:
            batch.append(self._queue.popleft())
        return batch

    async def _run(self) -> None:
        delay = self._min_delay
        while not self._closed:
            if not self._queue and not self._unsent:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            batch = self._next_batch()
            try:
                # Not wait_for: in Python 3.11 it can swallow a cancellation that
                # lands as the send fails, and the relay would never stop.
                async with asyncio.timeout(self._timeout):
                    await self._send(batch)
            except self._link_errors as exc:
                self._keep_unsent(batch)
                if not self._failing:
                    log.warning(
                        "bus: could not publish %d message(s) to Redis at %s (%s); this "
                        "process's sockets re-read the store, and the other processes are "
                        "told again once Redis answers. Check that Redis is running.",
                        len(batch),
                        self._where,
                        exc or type(exc).__name__,
                    )
                self._failing = True
                self._on_failure(exc)
                # Jitter, so the processes of a cluster do not all retry at once.
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                delay = min(delay * 2, self._max_delay)
                continue
            delay = self._min_delay
            if self._failing:
                self._failing = False
                log.info("bus: publishing to Redis at %s works again", self._where)
