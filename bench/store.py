"""The store's SQLite fast paths alone, without the server: single-statement reads and
group-committed appends, timed in one process on a fresh database.

Why this exists: the chat scenario measures the whole server, and on a shared machine
its ladder moves with the neighbours' load; this measures only what the store adds
per read and per append, in a few seconds, so two trees can be compared in turns
(``PYTHONPATH=TREE/src python -m bench.store``, alternating, repeated).
"""

from __future__ import annotations

import argparse
import asyncio
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


async def measure(reads: int, appends: int, callers: int) -> dict[str, float]:
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
            started = time.perf_counter()
            for _ in range(reads):
                await store.get_session_by_public_id(session.public_id)
            one_by_one = (time.perf_counter() - started) / reads

            async def reader() -> None:
                for _ in range(reads // callers):
                    await store.list_attendees(session.id)

            started = time.perf_counter()
            await asyncio.gather(*(reader() for _ in range(callers)))
            together = (time.perf_counter() - started) / (reads // callers * callers)

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

            started = time.perf_counter()
            await asyncio.gather(*(writer(n) for n in range(callers)))
            written = appends // callers * callers
            appending = time.perf_counter() - started
        finally:
            await store.close()
    return {
        "read, one at a time (us)": one_by_one * 1e6,
        f"read, {callers} callers (us per read)": together * 1e6,
        f"appends/s, {callers} callers": written / appending,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__)
    parser.add_argument("--reads", type=int, default=5000)
    parser.add_argument("--appends", type=int, default=5000)
    parser.add_argument("--callers", type=int, default=50)
    args = parser.parse_args()
    figures = uvloop.run(measure(args.reads, args.appends, args.callers))
    print("; ".join(f"{name} {value:,.1f}" for name, value in figures.items()))


if __name__ == "__main__":
    main()
