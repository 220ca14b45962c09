"""The ``helpline`` command: run the server, migrate, manage accounts, try a demo.

``main`` is the entry point (``helpline.cli:main``); ``serve`` and ``admin`` live in
``helpline/commands/``, the agent's group in ``helpline/agent/commands.py``.
"""

from __future__ import annotations

import click

from helpline.agent.commands import agent
from helpline.commands.admin import admin
from helpline.commands.common import data_dir_option, database_option, make_settings, with_store
from helpline.commands.options import setting_option
from helpline.commands.serve import serve
from helpline.commands.verify import db_verify, verify_file
from helpline.store.protocol import HelplineStore, Store


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="helpline")
def main() -> None:
    """Helpline: open-source remote support.

    \b
    Start here:
      helpline demo                 make a data folder with demo accounts, portals,
                                    a greeting and scripted messages
      helpline serve                run the server on http://127.0.0.1:8000
    Then open http://127.0.0.1:8000/console and log in.

    \b
    Check that logs were not changed after they were written:
      helpline verify chatlog.json  a downloaded transcript.json
      helpline db verify            every session in the store

    \b
    Customers get help in a terminal with the agent (pip install 'helpline[agent]'):
      helpline agent join 123456789 --server https://help.example.com

    Every option can also be set as an environment variable: HELPLINE_PORT,
    HELPLINE_DATA_DIR, HELPLINE_DATABASE_URL, HELPLINE_BUS, and so on.
    """


main.add_command(agent)
main.add_command(serve)
main.add_command(admin)
main.add_command(verify_file)


@main.group()
def db() -> None:
    """Database commands: schema migrations, checking the logs' hash chains."""


@db.command("upgrade")
@data_dir_option
@database_option
def db_upgrade(data_dir: str | None, database_url: str | None) -> None:
    """Apply every pending schema migration (serve does this too)."""

    async def nothing(store: Store) -> None:
        return None

    with_store(make_settings(data_dir, database_url), nothing)
    click.echo("The database schema is up to date.")


db.add_command(db_verify)


@main.command()
@data_dir_option
@database_option
@setting_option("port")
def demo(data_dir: str | None, database_url: str | None, port: str | None) -> None:
    """Fill a data folder with two representatives, two portals, a greeting and a few
    scripted messages and URLs, to try Helpline."""
    from helpline.server.bootstrap import DEMO_PORTALS, Account, demo_library
    from helpline.server.bootstrap import demo as make_demo

    async def make(store: HelplineStore) -> list[Account]:
        accounts = await make_demo(store)
        await demo_library(store)
        return accounts

    settings = make_settings(data_dir, database_url, port=port)
    accounts = with_store(settings, make)
    base = f"http://127.0.0.1:{settings.port}"
    click.secho(f"Demo data is ready in {settings.data_dir}/.", fg="green", bold=True)
    for account in accounts:
        click.echo(f"  {account.role.value:<14} {account.username} / {account.password}")
    click.echo(
        f"Start the server:  helpline serve --data-dir {settings.data_dir} --port {settings.port}"
    )
    click.echo(f"Console:           {base}/console")
    portals = "   ".join(f"{base}/p/{slug}" for slug, _, _ in DEMO_PORTALS)
    click.echo(f"Customer portals:  {portals}")
    click.echo(f"Session code page: {base}/join")
    click.echo(
        "Picking up a session sends the team's greeting; the console's Library holds "
        "scripted messages and URLs to insert in a chat."
    )
