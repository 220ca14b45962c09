"""What every part of ``SqlStore`` shares: the engines, the write lock, the reader and
the append writer, and the ways to read and write through them.

Why this exists: ``SqlStore`` is composed of one mixin per concern (``accounts.py``,
``sessions.py``, ``scripts.py``...), and each of them reads and writes by the same
rules, stated here once.

Every method is one transaction. SQLite allows a single writer per database, so write
transactions of one store wait for each other on an ``asyncio.Lock`` rather than on
SQLite's busy timeout; reads never take it.

Reads of one statement (the session and attendees every message reads, logins,
portals, the log...) are stated once as ``Query`` constants in the module of their
concern and run by the store's ``Reader`` (``helpline.store.reader``) without a
transaction around them: on SQLite one call into the driver's thread on a read
connection of their own, on PostgreSQL one ``AUTOCOMMIT`` round trip. A lone SELECT
sees everything committed before it began, as the transaction did. Reads of several
statements that must agree (the script libraries, the history page's count and rows)
keep a transaction of their own (``_reading``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from helpline.store.database import for_writes
from helpline.store.observer import AppendObserver
from helpline.store.reader import Reader
from helpline.store.writer import AppendWriter


class StoreBase:
    """The store's connections, over an engine made by
    ``helpline.store.database.create_engine``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._write_engine = for_writes(engine)
        self._dialect = engine.dialect.name
        self._write_lock = asyncio.Lock() if self._dialect == "sqlite" else None
        self._appends = AppendWriter(engine, self._write_engine, self._write_lock)
        # Single-statement reads: one hand-off to the driver, no BEGIN/ROLLBACK.
        self._reads = Reader(engine)

    def watch_appends(self, observer: AppendObserver) -> None:
        """Tell ``observer`` of every batch of appends committed (store/observer.py)."""
        self._appends.watch(observer)

    async def close(self) -> None:
        # Appends already queued are saved (and answered) before the engine goes.
        await self._appends.close()
        await self._reads.close()
        await self._engine.dispose()

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        if self._write_lock is None:
            async with self._write_engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self._write_engine.begin() as conn:
            yield conn

    def _insert(self, table: Any) -> Any:
        """The dialect's INSERT, which knows ``ON CONFLICT`` on both of ours."""
        if self._dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)
