"""The tamper-evident log on real SQLite and PostgreSQL: a row edited with SQL behind
Helpline's back is named, session and seq, by ``helpline db verify``."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from sqlalchemy import text

from helpline.store.sql import SqlStore
from tests.integration import test_store as contract
from tests.integration.test_store import NOW, chat, open_session
from tests.support.migrations import writing_to

# The contract's fixtures: every test here runs on a fresh database of each kind.
store_url = contract.store_url
store = contract.store


async def test_db_verify_names_the_session_and_event_whose_row_was_edited(
    store: SqlStore, store_url: str
) -> None:
    # Each session's first event comes with its creation, the others through the
    # append writer: both ways of appending chain their events.
    kept = await open_session(store, "KEPT-0001")
    edited = await open_session(store, "EDIT-0001")
    for line in ("one", "two", "three"):
        await store.append(kept.id, chat(line), NOW)
        await store.append(edited.id, chat(line), NOW)
    async with writing_to(store_url) as conn:
        changed = await conn.execute(
            text("UPDATE events SET body = :body WHERE session_id = :id AND seq = 3"),
            {"body": '{"text":"TWO"}', "id": edited.id},
        )
        assert changed.rowcount == 1

    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "helpline", "db", "verify", "--database-url", store_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Session EDIT-0001: event 3 was changed after it was written" in result.stdout
    assert "KEPT-0001" not in result.stdout
    assert "1 of 2 sessions' logs do not hold" in result.stderr
