"""The bus for a single server process: publishing is local fan-out, nothing more.

It is the default of ``helpline serve``; several server processes need ``RedisBus``.
"""

from __future__ import annotations

from helpline.bus.base import BusClosed
from helpline.bus.fanout import Fanout, FanoutSubscription


class MemoryBus:
    """Implements ``helpline.bus.base.Bus`` inside one process."""

    def __init__(self) -> None:
        self._fanout = Fanout()

    async def start(self) -> None:
        if self._fanout.closed:
            raise BusClosed("the bus is closed")

    async def publish(self, channel: str, data: bytes) -> None:
        if self._fanout.closed:
            raise BusClosed("the bus is closed")
        self._fanout.publish(channel, data)

    @property
    def problem(self) -> str | None:
        return "The bus is closed." if self._fanout.closed else None

    def subscription(self, max_pending: int = 1000) -> FanoutSubscription:
        return self._fanout.subscription(max_pending)

    async def close(self) -> None:
        self._fanout.close()

    def __repr__(self) -> str:
        return f"<MemoryBus channels={len(self._fanout.channels())}>"
