"""Bring a database's schema up to date, in-process, for the server and the CLI.

Alembic's command API is synchronous, so it runs inside ``AsyncConnection.run_sync``
on a connection this module opens, in one transaction: on both SQLite and PostgreSQL
a failed migration leaves the schema as it was. No ``alembic.ini`` is needed.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from helpline.store.database import create_engine, for_writes

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Several server processes may start at once against one PostgreSQL database.
_MIGRATION_LOCK = (0x48_4C_43, 0)


def alembic_config() -> Config:
    """Alembic's configuration for Helpline's migrations, without an ini file."""
    config = Config()
    # Config values go through ConfigParser interpolation, where "%" is special.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision this version of Helpline knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


async def upgrade(url: str) -> None:
    """Run every migration the database at ``url`` has not had yet.

    Safe to run on every start: an up-to-date database is left alone. For SQLite the
    folder of the database file must exist.
    """
    engine = create_engine(url)
    try:
        async with for_writes(engine).begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                    {"namespace": _MIGRATION_LOCK[0], "key": _MIGRATION_LOCK[1]},
                )
            await connection.run_sync(_upgrade_to_head)
    finally:
        await engine.dispose()


async def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at, or None if it was never migrated."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_revision)
    finally:
        await engine.dispose()


def _upgrade_to_head(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
