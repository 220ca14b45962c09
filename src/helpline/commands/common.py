"""What the commands share: the data folder and database options, and running some
work against a migrated store with its errors turned into plain messages.

Why this exists: ``serve``, ``db``, ``admin`` and ``demo`` all open the same store
the same way; one copy here keeps their options and messages alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from helpline.commands.options import setting_option, settings_from
from helpline.domain.errors import HelplineError
from helpline.server.settings import Settings
from helpline.store.protocol import HelplineStore

T = TypeVar("T")

# The store's two settings, as the commands that open it take them (server/settings.py).
data_dir_option = setting_option("data_dir")
database_option = setting_option("database_url")


def make_settings(data_dir: str | None, database_url: str | None, **more: object) -> Settings:
    """Settings from these flags (``None``: not given), else the variables and defaults."""
    return settings_from({"data_dir": data_dir, "database_url": database_url, **more})


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
