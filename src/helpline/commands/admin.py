"""``helpline admin``: representatives and portals from the command line.

Why this exists: account and portal management is a group of its own, used by
operators before anyone can log in; it needs none of ``serve``'s options.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from helpline.commands.common import data_dir_option, database_option, make_settings, with_store
from helpline.domain.errors import HelplineError
from helpline.domain.people import Role
from helpline.domain.portals import PortalField, check_portal_name, check_slug
from helpline.store.protocol import Store


@click.group()
def admin() -> None:
    """Manage representatives and portals."""


@admin.command("create-rep")
@click.argument("username")
@click.option("--name", default=None, help="Display name shown to customers (default: USERNAME).")
@click.option("--manager", is_flag=True, help="Give manager rights.")
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="Read the password from standard input (keeps it out of shell history).",
)
@click.option("--portal", "portals", multiple=True, help="Add to this portal's queue. Repeatable.")
@data_dir_option
@database_option
def create_rep(
    username: str,
    name: str | None,
    manager: bool,
    password_stdin: bool,
    portals: tuple[str, ...],
    data_dir: str | None,
    database_url: str | None,
) -> None:
    """Create a representative account.

    \b
    Example:
      echo 'a long password' | helpline admin create-rep carol --name "Carol Diaz" \\
          --password-stdin --portal support
    """
    from helpline.server.bootstrap import create_rep as create

    password = sys.stdin.readline().rstrip("\n")
    role = Role.MANAGER if manager else Role.REPRESENTATIVE

    async def work(store: Store) -> None:
        await create(store, username, name or username, password, role)
        found = await store.find_login(username)
        assert found is not None
        for slug in portals:
            portal = await store.get_portal_by_slug(slug)
            if portal is None:
                raise click.ClickException(f"There is no portal {slug!r}; create it first.")
            await store.add_portal_member(portal.id, found[0].id)

    with_store(make_settings(data_dir, database_url), work)
    click.echo(f"Created {role.value} {username!r}.")


@admin.command("set-password")
@click.argument("username")
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="Read the new password from standard input.",
)
@data_dir_option
@database_option
def set_password(
    username: str, password_stdin: bool, data_dir: str | None, database_url: str | None
) -> None:
    """Set a representative's password."""
    from helpline.domain.people import check_password
    from helpline.server.security import hash_password

    password = check_password_or_exit(sys.stdin.readline().rstrip("\n"), check_password)

    async def work(store: Store) -> None:
        found = await store.find_login(username)
        if found is None:
            raise click.ClickException(f"There is no representative {username!r}.")
        await store.set_password_hash(found[0].id, hash_password(password))

    with_store(make_settings(data_dir, database_url), work)
    click.echo(f"Changed the password of {username!r}.")


def check_password_or_exit(password: str, check: Callable[[str], str]) -> str:
    try:
        return check(password)
    except HelplineError as error:
        raise click.ClickException(error.message) from error


@admin.command("list-reps")
@data_dir_option
@database_option
def list_reps(data_dir: str | None, database_url: str | None) -> None:
    """List representatives: username, role, display name."""

    async def work(store: Store) -> list[tuple[str, str, str]]:
        return [
            (r.username, r.role.value, r.display_name) for r in await store.list_representatives()
        ]

    rows = with_store(make_settings(data_dir, database_url), work)
    if not rows:
        click.echo("No representatives yet. Create one with 'helpline admin create-rep'.")
        return
    width = max(len(r[0]) for r in rows)
    for username, role, name in rows:
        click.echo(f"{username:<{width}}  {role:<14}  {name}")


@admin.command("create-portal")
@click.argument("slug")
@click.argument("name")
@click.option(
    "--field",
    "fields",
    multiple=True,
    type=click.Choice([f.value for f in PortalField]),
    help="An extra field the customer fills. Repeatable.",
)
@click.option("--member", "members", multiple=True, help="A representative's username. Repeatable.")
@data_dir_option
@database_option
def create_portal(
    slug: str,
    name: str,
    fields: tuple[str, ...],
    members: tuple[str, ...],
    data_dir: str | None,
    database_url: str | None,
) -> None:
    """Create a customer portal, served at /p/SLUG, with its own queue."""
    try:
        check_slug(slug)
        name = check_portal_name(name)
    except HelplineError as error:
        raise click.ClickException(error.message) from error

    async def work(store: Store) -> None:
        portal = await store.create_portal(slug, name, [PortalField(f) for f in fields], "")
        for username in members:
            found = await store.find_login(username)
            if found is None:
                raise click.ClickException(f"There is no representative {username!r}.")
            await store.add_portal_member(portal.id, found[0].id)

    with_store(make_settings(data_dir, database_url), work)
    click.echo(f"Created portal {slug!r}.")
