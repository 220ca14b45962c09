"""``helpline serve``: its options (every one also an environment variable, each in
README.md) and how it starts uvicorn.

Why this exists: the server's options are most of the command line, and the rate
limit options are made from one table; together they are a file of their own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from helpline.commands.common import data_dir_option, database_option, make_settings, with_store
from helpline.server.settings import DEFAULT_PORT, Settings

if TYPE_CHECKING:
    from helpline.server.bootstrap import Account
    from helpline.store.protocol import Store

# How often a thread waiting for the GIL may take it from a busy one (default 5 ms).
GIL_SWITCH_INTERVAL_SECONDS = 0.0005


# Rate limits: (option, setting, variable, default, what it counts). Each is a rate such
# as "10 per 10 minutes"; docs/protocol.md says what a client is answered past it.
RATE_LIMITS = (
    ("--login-limit", "login_limit", "HELPLINE_LOGIN_LIMIT", Settings.login_limit,
     "Wrong passwords for one username from one address."),
    ("--login-address-limit", "login_address_limit", "HELPLINE_LOGIN_ADDRESS_LIMIT",
     Settings.login_address_limit, "Wrong passwords from one address, any username."),
    ("--code-limit", "code_limit", "HELPLINE_CODE_LIMIT", Settings.code_limit,
     "Wrong session codes from one address (and, separately, wrong join links)."),
    ("--code-budget", "code_budget", "HELPLINE_CODE_BUDGET", Settings.code_budget,
     "Wrong session codes on the whole server; past it joining by code pauses for "
     "everyone, and join links still work."),
    ("--portal-session-limit", "portal_session_limit", "HELPLINE_PORTAL_SESSION_LIMIT",
     Settings.portal_session_limit, "Support sessions opened from one address."),
    ("--message-limit", "message_limit", "HELPLINE_MESSAGE_LIMIT", Settings.message_limit,
     "Chat messages and notes sent over one socket."),
)  # fmt: skip


def _check_rate(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from helpline.server.ratelimit import parse_rate

    try:
        parse_rate(value, param.name or "rate")
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    return value


def rate_limit_options(command: Callable[..., None]) -> Callable[..., None]:
    for flag, name, variable, default, what in reversed(RATE_LIMITS):
        command = click.option(
            flag,
            name,
            default=default,
            show_default=True,
            envvar=variable,
            callback=_check_rate,
            help=f"{what} A rate such as '10 per 10 minutes' or '60/minute'.",
        )(command)
    return command


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    envvar="HELPLINE_HOST",
    help="Address to listen on; 0.0.0.0 for every interface.",
)
@click.option("--port", default=DEFAULT_PORT, show_default=True, envvar="HELPLINE_PORT", type=int)
@data_dir_option
@database_option
@click.option(
    "--bus",
    default="memory",
    show_default=True,
    envvar="HELPLINE_BUS",
    help="'memory' for one process, or a redis:// URL to run several.",
)
@click.option(
    "--bus-namespace",
    default="helpline:",
    show_default=True,
    envvar="HELPLINE_BUS_NAMESPACE",
    help="Prefix of Redis channel names, so deployments can share one Redis.",
)
@click.option(
    "--public-url",
    envvar="HELPLINE_PUBLIC_URL",
    default=None,
    help="The address customers and representatives use, e.g. https://help.example.com. "
    "Used in join links and as the allowed browser origin.",
)
@click.option(
    "--allowed-origin",
    "allowed_origins",
    multiple=True,
    envvar="HELPLINE_ALLOWED_ORIGINS",
    help="Another exact origin (scheme://host:port) allowed to connect. Repeatable.",
)
@click.option(
    "--max-file-mb",
    default=2048,
    show_default=True,
    envvar="HELPLINE_MAX_FILE_MB",
    type=click.IntRange(1, 1024 * 1024),
    help="Largest file that can be transferred, in MiB (2048 = 2 GiB).",
)
@click.option(
    "--file-retention-days",
    default=30,
    show_default=True,
    envvar="HELPLINE_FILE_RETENTION_DAYS",
    type=click.IntRange(0, 3650),
    help="Delete transferred files this many days after their session ended.",
)
@click.option(
    "--customer-read-after-end-seconds",
    default=3600,
    show_default=True,
    envvar="HELPLINE_CUSTOMER_READ_AFTER_END_SECONDS",
    type=click.IntRange(0, 7 * 24 * 3600),
    help="After a session ends, its customer can still read it (to save the chat log) "
    "for this long; then their link stops working.",
)
@click.option(
    "--heartbeat-seconds",
    default=25.0,
    show_default=True,
    envvar="HELPLINE_HEARTBEAT_SECONDS",
    type=click.FloatRange(1, 3600),
    help="How often every socket hears from the server; a client silent for three "
    "intervals is disconnected. Lower it below the idle timeout of any proxy in front.",
)
@click.option(
    "--agent-link-seconds",
    default=600,
    show_default=True,
    envvar="HELPLINE_AGENT_LINK_SECONDS",
    type=click.IntRange(10, 24 * 3600),
    help="How long a link that attaches the Helpline agent to a session works (once).",
)
@click.option(
    "--backlog",
    default=2048,
    show_default=True,
    envvar="HELPLINE_BACKLOG",
    type=click.IntRange(64, 1_000_000),
    help="Connections the kernel queues before the server accepts them; raise it to "
    "ride out thousands of clients reconnecting at once (capped by net.core.somaxconn).",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    envvar="HELPLINE_TRUSTED_PROXIES",
    help="Address (or network, e.g. 10.0.0.0/8) of a reverse proxy in front, whose "
    "X-Forwarded-For names the real client: per-address limits then count each client, "
    "not the proxy. Repeatable; none by default.",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    envvar="HELPLINE_LOG_LEVEL",
    type=click.Choice(["debug", "info", "warning", "error"]),
)
@rate_limit_options
def serve(
    host: str,
    port: int,
    data_dir: Path,
    database_url: str | None,
    bus: str,
    bus_namespace: str,
    public_url: str | None,
    allowed_origins: tuple[str, ...],
    max_file_mb: int,
    file_retention_days: int,
    heartbeat_seconds: float,
    customer_read_after_end_seconds: int,
    agent_link_seconds: int,
    backlog: int,
    trusted_proxies: tuple[str, ...],
    log_level: str,
    **rate_limits: str,
) -> None:
    """Run the Helpline server.

    On a first start with no representative, creates the manager account 'admin' and
    the portal 'support', and prints the password once.
    """
    import uvicorn

    from helpline.server.app import create_app

    if not (bus == "memory" or bus.startswith(("redis://", "rediss://"))):
        raise click.BadParameter("use 'memory' or a redis:// URL", param_hint="--bus")
    settings = make_settings(
        data_dir,
        database_url,
        host=host,
        port=port,
        bus=bus,
        bus_namespace=bus_namespace,
        public_url=public_url,
        allowed_origins=allowed_origins,
        max_file_bytes=max_file_mb * 1024 * 1024,
        file_retention_days=file_retention_days,
        heartbeat_seconds=heartbeat_seconds,
        customer_read_after_end_seconds=customer_read_after_end_seconds,
        agent_link_lifetime_seconds=agent_link_seconds,
        **rate_limits,
    )
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
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        ws_max_size=1024 * 1024,
        ws_per_message_deflate=False,
        # The gateway's heartbeat is the keepalive: it sends every socket a frame each
        # interval and closes one silent for three. uvicorn's own pings (every 20 s by
        # default) would add a timer per socket, ~0.7 KiB of each idle connection, and
        # a frame each way per socket every 20 s.
        ws_ping_interval=None,
        # Only a trusted proxy's X-Forwarded-For is believed: anyone else could name
        # a fresh address in every request and escape the per-address limits.
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=list(trusted_proxies) or None,
        backlog=backlog,
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
