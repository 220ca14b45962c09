"""How a Redis bus notices within seconds that its link may be missing messages.

A Redis that hangs (stopped, swapping, stuck on a slow command) keeps its TCP
connections open and says nothing: without a check, a subscriber would wait in
silence while other processes' publishes time out, and its sockets would miss those
messages until a later one showed the gap. So the subscribe-mode connection is read
with a short deadline; after ``interval`` seconds of silence it sends a PING, and a
PING unanswered within ``answer_within`` seconds ends the link (the bus then reconnects,
and tells every local subscription ``Lost`` once it is subscribed again).

While the link is down, ``DegradedWatch`` tells every local subscription ``Lost``
every ``poll_interval`` seconds, so that sockets read the store (the truth) and see
what other processes saved meanwhile, rather than waiting for Redis to return.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from redis.asyncio.connection import AbstractConnection
from redis.exceptions import TimeoutError as RedisTimeoutError


async def read_replies(
    conn: AbstractConnection,
    handle: Callable[[Any], None],
    *,
    interval: float,
    answer_within: float,
) -> None:
    """Hands every reply read from ``conn`` to ``handle``, forever. Raises
    ``redis.exceptions.TimeoutError`` when Redis leaves a PING unanswered."""
    loop = asyncio.get_running_loop()
    ping_sent_at: float | None = None
    while True:
        due = None if ping_sent_at is None else ping_sent_at + answer_within
        wait = interval if due is None else max(0.01, due - loop.time())
        reply = await conn.read_response(timeout=wait)
        if reply is None:
            if ping_sent_at is not None:
                raise RedisTimeoutError(f"Redis did not answer a PING within {answer_within:g}s")
            await conn.send_command("PING", check_health=False)
            ping_sent_at = loop.time()
            continue
        # Any reply shows that Redis is working through what this link sent it.
        ping_sent_at = None
        handle(reply)


class DegradedWatch:
    """While ``is_down()``, calls ``lose_all()`` every ``poll_interval`` seconds."""

    def __init__(
        self,
        is_down: Callable[[], bool],
        lose_all: Callable[[], None],
        poll_interval: float,
    ) -> None:
        self._is_down = is_down
        self._lose_all = lose_all
        self._poll_interval = poll_interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="helpline-redis-bus-watch")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._poll_interval)
            if self._is_down():
                self._lose_all()
