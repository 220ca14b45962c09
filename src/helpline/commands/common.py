"""What the commands share: the data folder and database options, and running some
work against a migrated store with its errors turned into plain messages.

Why this exists: ``serve``, ``db``, ``admin`` and ``demo`` all open the same store
the same way; one copy here keeps their options and messages alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from helpline.domain.errors import HelplineError
from helpline.server.settings import Settings
from helpline.store.protocol import HelplineStore

T = TypeVar("T")

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("helpline-data"),
    show_default=True,
    envvar="HELPLINE_DATA_DIR",
    help="Folder for the SQLite database and uploaded files.",
)
database_option = click.option(
    "--database-url",
    envvar="HELPLINE_DATABASE_URL",
    default=None,
    help="Use PostgreSQL instead of SQLite, e.g. postgresql+asyncpg://user@host/helpline.",
)


def make_settings(data_dir: Path, database_url: str | None, **more: object) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, **more)  # type: ignore[arg-type]


def with_store(settings: Settings, work: Callable[[HelplineStore], Awaitable[T]]) -> T:
    """Migrate, open the store, run ``work(store)``, close; errors become plain messages."""
    from helpline.store.database import create_engine
    from helpline.store.migrate import upgrade
    from helpline.store.sql import SqlStore

    async def run() -> T:
        url = settings.resolved_database_url
        if url.startswith("sqlite"):
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        await upgrade(url)
        store = SqlStore(create_engine(url))
        try:
            return await work(store)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except HelplineError as error:
        raise click.ClickException(error.message) from error
    except OSError as error:
        raise click.ClickException(
            f"Could not reach the database ({error}). Check --database-url or --data-dir."
        ) from error
