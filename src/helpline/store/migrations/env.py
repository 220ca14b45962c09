"""Alembic's entry point: runs the revisions on a connection Helpline hands over.

``helpline.store.migrate`` passes an open connection in ``config.attributes``, so the
migrations share its transaction and engine settings. Run by hand (``alembic`` with a
``sqlalchemy.url``), this file makes its own async engine with the same settings.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from helpline.store.database import create_engine, for_writes
from helpline.store.search_table import is_described
from helpline.store.tables import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # The search index is made per dialect by hand; autogenerate must not drop it.
        include_name=is_described,
        # SQLite cannot ALTER most things in place; batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine(url: str) -> None:
    engine = create_engine(url)
    try:
        async with for_writes(engine).begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def _run_offline(url: str) -> None:
    context.configure(
        url=url,
        target_metadata=metadata,
        include_name=is_described,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


_connection = config.attributes.get("connection")
if _connection is not None:
    _run(_connection)
elif context.is_offline_mode():
    _run_offline(config.get_main_option("sqlalchemy.url") or "")
else:
    asyncio.run(_run_with_own_engine(config.get_main_option("sqlalchemy.url") or ""))
