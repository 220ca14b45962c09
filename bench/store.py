"""The store's SQLite fast paths alone, without the server: single-statement reads and
group-committed appends, timed in one process on a fresh database.

Why this exists: the chat scenario measures the whole server, and on a shared machine
its ladder moves with the neighbours' load; this measures only what the store adds
per read and per append, in a few seconds, so two trees can be compared in turns
(``PYTHONPATH=TREE/src python -m bench.store``, alternating, repeated). Besides the
wall time it reports the process's CPU time (every thread's) per operation, which a
busy machine disturbs far less than it does latency.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import uvloop

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
    """Wall and CPU time since it was made."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def per(self, count: int) -> tuple[float, float]:
        """Microseconds of wall and of CPU time per operation."""
        return (
            (time.perf_counter() - self.wall) / count * 1e6,
            (time.process_time() - self.cpu) / count * 1e6,
        )


async def measure(reads: int, appends: int, callers: int) -> dict[str, tuple[float, float]]:
    with tempfile.TemporaryDirectory() as folder:
        url = sqlite_url_for(Path(folder))
        await upgrade(url)
        store = SqlStore(create_engine(url))
        try:
            session, _ = await store.create_session(
                NewSession(
                    public_id="BENCH-0001",
                    portal_id=None,
                    customer_name="Casey",
                    query="bench",
                    client=ClientInfo(os="Linux", browser="Firefox"),
                    token_hash=b"bench",
                    token_expires_at=NOW,
                ),
                NOW,
                opened,
            )
            await store.get_session(session.id)  # opens the reads' connection
            clock = _Clock()
            for _ in range(reads):
                await store.get_session_by_public_id(session.public_id)
            one_by_one = clock.per(reads)

            async def reader() -> None:
                for _ in range(reads // callers):
                    await store.list_attendees(session.id)

            clock = _Clock()
            await asyncio.gather(*(reader() for _ in range(callers)))
            together = clock.per(reads // callers * callers)

            async def writer(n: int) -> None:
                for i in range(appends // callers):
                    draft = EventDraft(
                        EventKind.MESSAGE,
                        Audience.everyone(),
                        Author.customer("Casey"),
                        {"text": f"message {n}.{i}"},
                        client_id=f"{n}.{i}",
                    )
                    await store.append(session.id, draft, NOW)

            clock = _Clock()
            await asyncio.gather(*(writer(n) for n in range(callers)))
            appending = clock.per(appends // callers * callers)
        finally:
            await store.close()
    return {
        "read, one at a time": one_by_one,
        f"read, {callers} callers": together,
        f"append, {callers} callers": appending,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__)
    parser.add_argument("--reads", type=int, default=5000)
    parser.add_argument("--appends", type=int, default=5000)
    parser.add_argument("--callers", type=int, default=50)
    args = parser.parse_args()
    # As ``helpline serve`` sets it: the store's threads get the GIL back sooner.
    sys.setswitchinterval(0.0005)
    figures = uvloop.run(measure(args.reads, args.appends, args.callers))
    print(
        "; ".join(
            f"{name}: wall {wall:,.1f} us, cpu {cpu:,.1f} us"
            for name, (wall, cpu) in figures.items()
        )
    )


if __name__ == "__main__":
    main()
