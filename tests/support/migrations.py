"""Taking a test's database to one migration, up or down, for the tests of upgrades
from older schemas with data already in them and of downgrades that keep it; and
writing rows straight to it, as an older schema's data (or someone with the database
in hand) would be."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from helpline.store.database import create_engine, for_writes
from helpline.store.migrate import alembic_config
from helpline.store.tables import sessions


@asynccontextmanager
async def writing_to(url: str) -> AsyncIterator[AsyncConnection]:
    """One transaction on the database at ``url``, past the store: committed at the end
    of the block."""
    engine = create_engine(url)
    try:
        async with for_writes(engine).begin() as connection:
            yield connection
    finally:
        await engine.dispose()


async def _migrate(url: str, step: Callable[[Config, str], None], revision: str) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        step(config, revision)

    async with writing_to(url) as connection:
        await connection.run_sync(run)


async def migrate_to(url: str, revision: str) -> None:
    """Like ``helpline.store.migrate.upgrade``, but stopping at ``revision``."""
    await _migrate(url, command.upgrade, revision)


async def migrate_down(url: str, revision: str) -> None:
    """Downgrade to ``revision``."""
    await _migrate(url, command.downgrade, revision)


async def old_session(connection: AsyncConnection, started_at: datetime, **columns: object) -> int:
    """A session row with only the columns the first schemas have: Olga Oldtimer, whose
    fax machine jammed, waiting, on Windows XP in Internet Explorer 6, nothing logged;
    ``columns`` change those or add others of the first schema. Returns its id."""
    values: dict[str, object] = {
        "public_id": "OLD0-0001",
        "status": "waiting",
        "started_at": started_at,
        "customer_name": "Olga Oldtimer",
        "query": "Fax machine jammed",
        "client_os": "Windows XP",
        "client_browser": "Internet Explorer 6",
        "last_seq": 0,
        "extra": {},
    }
    session_id: int = await connection.scalar(
        insert(sessions).values({**values, **columns}).returning(sessions.c.id)
    )
    return session_id
