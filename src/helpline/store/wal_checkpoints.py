"""SQLite's WAL checkpoints, in a thread of their own instead of the append writer's.

In WAL mode every commit appends pages to the ``-wal`` file, and a checkpoint copies
them back into the database file and syncs it. By default SQLite does that inside the
commit that takes the WAL past 1,000 pages, on the committing connection: for the
append writer that is a pause of several milliseconds every few hundred batches, while
every message behind it waits, which shows up as the p99 of a busy chat. The writer's
connection therefore does not checkpoint (``wal_autocheckpoint=0``, see
``without_autocheckpoint``), and after its batches this runs a PASSIVE
checkpoint on a connection and thread of its own, at most every ``every_s`` seconds
while batches commit. PASSIVE never waits for readers or writers: it copies what no
reader still needs, and the next one copies the rest. The engine's other connections
keep SQLite's default, so the WAL stays bounded even when this one is not running
(a command that writes without the writer), and closing the last connection
checkpoints what is left, as always.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from functools import partial

from helpline.store.sqlite_thread import SqliteThread

log = logging.getLogger(__name__)

# Often enough that a busy WAL stays a few MiB; rare enough that the sync it costs
# the disk is small beside the commits' own.
CHECKPOINT_EVERY_S = 0.5


def without_autocheckpoint(
    connect: Callable[[], sqlite3.Connection],
) -> Callable[[], sqlite3.Connection]:
    """``connect``, with SQLite's automatic checkpoints off on the connection it opens."""
    return partial(_opened_without_autocheckpoint, connect)


def _opened_without_autocheckpoint(connect: Callable[[], sqlite3.Connection]) -> sqlite3.Connection:
    connection = connect()
    connection.execute("PRAGMA wal_autocheckpoint=0")
    return connection


def _checkpoint(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()


class WalCheckpoints:
    """Checkpoints after the writer's batches, one checkpoint at a time."""

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        every_s: float = CHECKPOINT_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._thread = SqliteThread(connect, "helpline-sqlite-checkpoints")
        self._every_s = every_s
        self._clock = clock
        self._last = clock()
        self._running: asyncio.Task[None] | None = None
        self.checkpoints = 0

    def batch_committed(self) -> None:
        """The writer committed a batch: start a checkpoint if one is due."""
        if self._running is not None and not self._running.done():
            return
        now = self._clock()
        if now - self._last < self._every_s:
            return
        self._last = now
        self._running = asyncio.get_running_loop().create_task(
            self._checkpoint(), name="helpline-sqlite-checkpoint"
        )

    async def _checkpoint(self) -> None:
        try:
            await self._thread.call(_checkpoint)
        except sqlite3.Error:
            # Nothing is lost: the pages stay in the WAL for the next checkpoint.
            log.warning("A WAL checkpoint failed; the next one will try again.", exc_info=True)
        else:
            self.checkpoints += 1

    async def settled(self) -> None:
        """Wait for the checkpoint in progress, if any."""
        running = self._running
        if running is not None:
            await asyncio.shield(running)

    async def close(self) -> None:
        await self.settled()
        await self._thread.close()
