"""``helpline serve``: how the server starts, with an option for every setting.

Why this exists: starting the server (the first start's account, the addresses it
prints, uvicorn's own settings) is a file of its own; its options are made from the
settings (server/settings.py, commands/options.py), each also a variable in README.md.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from helpline.commands import collector
from helpline.commands.common import with_store
from helpline.commands.options import SettingsCommand, setting_options, settings_from
from helpline.domain.files import MIB

if TYPE_CHECKING:
    from helpline.server.bootstrap import Account
    from helpline.store.protocol import Store

# How often a thread waiting for the GIL may take it from a busy one (default 5 ms).
GIL_SWITCH_INTERVAL_SECONDS = 0.0005


@click.command(cls=SettingsCommand)
@setting_options()
def serve(**given: object) -> None:
    """Run the Helpline server.

    On a first start with no representative, creates the manager account 'admin' and
    the portal 'support', and prints the password once.

    Each setting comes from its option, else its HELPLINE_ variable, else its default.
    """
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from helpline.server.app import create_app, served
    from helpline.server.log_format import log_config

    settings = settings_from(given)
    account, portals = with_store(settings, _first_start_and_portals)
    if account is not None:
        click.secho("First start: created the manager account.", fg="green", bold=True)
        click.echo(f"  username: {account.username}")
        click.echo(
            f"  password: {account.password}   (shown once; change it with "
            "'helpline admin set-password admin --password-stdin')"
        )
    click.echo(f"Console:  {settings.base_url}/console")
    for line in customer_addresses(settings.base_url, portals):
        click.echo(line)
    app = create_app(settings, migrate=False)
    # The database driver works in its own thread and takes the GIL back after each
    # statement. With the default 5 ms switch interval, a busy event loop makes that
    # thread wait up to 5 ms per statement, and every acknowledgement waits behind
    # it: p99 at 1,000 messages/s fell from about 50 ms to under 10 ms with 0.5 ms
    # (docs/performance.md).
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_SECONDS)
    collector.tune()
    uvicorn.run(
        served(app),
        interface="asgi3",
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=log_config(settings.log_level)
        if settings.log_format == "json"
        else LOGGING_CONFIG,
        # A text frame is checked against --max-frame-bytes; this bounds any frame.
        ws_max_size=MIB,
        ws_per_message_deflate=False,
        # The gateway's heartbeat is the keepalive: it sends every socket a frame each
        # interval and closes one silent for three. uvicorn's own pings (every 20 s by
        # default) would add a timer per socket, ~0.7 KiB of each idle connection, and
        # a frame each way per socket every 20 s.
        ws_ping_interval=None,
        # Only a trusted proxy's X-Forwarded-For is believed: anyone else could name
        # a fresh address in every request and escape the per-address limits.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies) or None,
        backlog=settings.backlog,
    )


async def _first_start_and_portals(store: Store) -> tuple[Account | None, list[str]]:
    from helpline.server.bootstrap import first_start

    account = await first_start(store)
    return account, [portal.slug for portal in await store.list_portals()]


def customer_addresses(base_url: str, slugs: list[str]) -> list[str]:
    """Where customers ask for help: each portal's page (the ones there are, never a
    guess), then the page for a session code a representative gives them."""
    lines = [f"Customers: {base_url}/p/{slug}" for slug in slugs[:5]]
    if len(slugs) > 5:
        lines.append(f"           ...and {len(slugs) - 5} more portals")
    lines.append(f"Session code page: {base_url}/join")
    return lines
