"""The store alone, without the server: single-statement reads and group-committed
appends, timed in one process on a fresh database, SQLite or PostgreSQL.

Why this exists: the chat scenario measures the whole server, and on a shared machine
its ladder moves with the neighbours' load; this measures only what the store adds
per read and per append, in a few seconds, so two trees can be compared in turns
(``PYTHONPATH=TREE/src python -m bench.store``, alternating, repeated). Besides the
wall time it reports the process's CPU time (every thread's) per operation, which a
busy machine disturbs far less than it does latency, and on PostgreSQL the CPU of its
processes that work for the bench's database (bench/database_load.py) per operation.

On PostgreSQL (``--database-url postgresql+asyncpg://USER@HOST:PORT/DB``) the URL
names a database to connect to for administration; the bench creates a fresh
database beside it, migrated like the server's, and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import uvloop
from sqlalchemy.engine import make_url

from bench.database_load import cpu_between, postgres_cpu
from helpline.domain.events import Audience, Author, EventDraft, EventKind
from helpline.domain.sessions import Change, ClientInfo, SupportSession
from helpline.store.database import create_engine, sqlite_url_for
from helpline.store.migrate import upgrade
from helpline.store.protocol import NewSession
from helpline.store.sql import SqlStore

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def opened(session: SupportSession) -> Change:
    return Change(session, (), ())


class _Clock:
    """Wall and CPU time since it was made, this process's and (on PostgreSQL, when
    it runs on this machine) the database server's."""

    def __init__(self, database: str | None) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        self.name = database
        self.database = postgres_cpu(database) if database is not None else {}

    def per(self, count: int) -> tuple[float, float, float | None]:
        """Microseconds of wall, of CPU and of the database's CPU per operation."""
        count = max(count, 1)
        wall = (time.perf_counter() - self.wall) / count * 1e6
        cpu = (time.process_time() - self.cpu) / count * 1e6
        if self.name is None:
            return wall, cpu, None
        database = cpu_between(self.database, postgres_cpu(self.name))
        return wall, cpu, database / count * 1e6 if database is not None else None


@contextlib.asynccontextmanager
async def fresh_database(url: str | None) -> AsyncIterator[str]:
    """The URL of a fresh, empty database: a SQLite file in a temporary folder, or a
    PostgreSQL database created beside the one ``url`` names, dropped afterwards."""
    if url is None or make_url(url).get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield sqlite_url_for(Path(folder))
        return
    import asyncpg

    admin_url = make_url(url).set(drivername="postgresql")
    admin_dsn = admin_url.render_as_string(hide_password=False)
    name = f"helpline_bench_store_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        fresh = admin_url.set(drivername="postgresql+asyncpg", database=name)
        yield fresh.render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def open_sessions(store: SqlStore, count: int) -> list[int]:
    ids: list[int] = []
    for n in range(count):
        session, _ = await store.create_session(
            NewSession(
                public_id=f"BENCH-{n:04d}",
                portal_id=None,
                customer_name="Casey",
                query="bench",
                client=ClientInfo(os="Linux", browser="Firefox"),
                token_hash=f"bench-{n}".encode(),
                token_expires_at=NOW,
            ),
            NOW,
            opened,
        )
        ids.append(session.id)
    return ids


async def measure(
    url: str | None, reads: int, appends: int, alone: int, callers: int, sessions: int
) -> dict[str, tuple[float, float, float | None]]:
    async with fresh_database(url) as fresh:
        await upgrade(fresh)
        database = make_url(fresh).database if url is not None else None
        store = SqlStore(create_engine(fresh))
        try:
            ids = await open_sessions(store, sessions)
            first = await store.get_session(ids[0])  # opens the reads' connection
            assert first is not None
            clock = _Clock(database)
            for _ in range(reads):
                await store.get_session_by_public_id(first.public_id)
            one_by_one = clock.per(reads)

            async def reader() -> None:
                for _ in range(reads // callers):
                    await store.list_attendees(first.id)

            clock = _Clock(database)
            await asyncio.gather(*(reader() for _ in range(callers)))
            together = clock.per(reads // callers * callers)

            async def writer(n: int) -> None:
                # Each caller writes to one session, as a socket does; callers share
                # sessions when there are fewer sessions than callers.
                session_id = ids[n % len(ids)]
                for i in range(appends // callers):
                    draft = EventDraft(
                        EventKind.MESSAGE,
                        Audience.everyone(),
                        Author.customer("Casey"),
                        {"text": f"message {n}.{i}"},
                        client_id=f"{n}.{i}",
                    )
                    await store.append(session_id, draft, NOW)

            clock = _Clock(database)
            await asyncio.gather(*(writer(n) for n in range(callers)))
            appending = clock.per(appends // callers * callers)

            # One caller: every batch is one append, what a quiet server's are.
            clock = _Clock(database)
            for i in range(alone):
                draft = EventDraft(
                    EventKind.MESSAGE,
                    Audience.everyone(),
                    Author.customer("Casey"),
                    {"text": f"alone {i}"},
                    client_id=f"alone.{i}",
                )
                await store.append(ids[i % len(ids)], draft, NOW)
            one_append = clock.per(alone)
        finally:
            await store.close()
    return {
        "read, one at a time": one_by_one,
        f"read, {callers} callers": together,
        f"append, {callers} callers": appending,
        "append, one at a time": one_append,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__)
    parser.add_argument("--reads", type=int, default=5000)
    parser.add_argument("--appends", type=int, default=5000)
    parser.add_argument(
        "--alone", type=int, default=1000, help="appends made one after another, at the end"
    )
    parser.add_argument("--callers", type=int, default=50)
    parser.add_argument(
        "--sessions",
        type=int,
        default=1,
        help="sessions the callers append to (caller n writes to session n mod this)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL database to create a fresh one beside (default: a SQLite file)",
    )
    args = parser.parse_args()
    # As ``helpline serve`` sets it: the store's threads get the GIL back sooner.
    sys.setswitchinterval(0.0005)
    load = os.getloadavg()[0]
    figures = uvloop.run(
        measure(
            args.database_url,
            args.reads,
            args.appends,
            args.alone,
            args.callers,
            max(args.sessions, 1),
        )
    )
    print(
        "; ".join(
            f"{name}: wall {wall:,.1f} us, cpu {cpu:,.1f} us"
            + (f", postgres cpu {database:,.1f} us" if database is not None else "")
            for name, (wall, cpu, database) in figures.items()
        )
    )
    print(f"load average at start: {load:.1f}", file=sys.stderr)


if __name__ == "__main__":
    main()
