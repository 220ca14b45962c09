"""The ``helpline`` command: run the server, migrate, manage accounts, try a demo."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from helpline.agent.commands import agent
from helpline.domain.errors import HelplineError
from helpline.domain.people import Role
from helpline.domain.portals import PortalField, check_portal_name, check_slug
from helpline.server.settings import DEFAULT_PORT, Settings
from helpline.store.protocol import Store

T = TypeVar("T")

# How often a thread waiting for the GIL may take it from a busy one (default 5 ms).
GIL_SWITCH_INTERVAL_SECONDS = 0.0005

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


def _settings(data_dir: Path, database_url: str | None, **more: object) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, **more)  # type: ignore[arg-type]


def _with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="helpline")
def main() -> None:
    """Helpline: open-source remote support.

    \b
    Start here:
      helpline demo                 make a data folder with demo accounts and portals
      helpline serve                run the server on http://127.0.0.1:8000
    Then open http://127.0.0.1:8000/console and log in.

    \b
    Customers get help in a terminal with the agent (pip install 'helpline[agent]'):
      helpline agent join 123456789 --server https://help.example.com

    Every option can also be set as an environment variable: HELPLINE_PORT,
    HELPLINE_DATA_DIR, HELPLINE_DATABASE_URL, HELPLINE_BUS, and so on.
    """


main.add_command(agent)


@main.command()
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
    from helpline.server.bootstrap import first_start

    if not (bus == "memory" or bus.startswith(("redis://", "rediss://"))):
        raise click.BadParameter("use 'memory' or a redis:// URL", param_hint="--bus")
    settings = _settings(
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
    account = _with_store(settings, first_start)
    if account is not None:
        click.secho("First start: created the manager account.", fg="green", bold=True)
        click.echo(f"  username: {account.username}")
        click.echo(
            f"  password: {account.password}   (shown once; change it with "
            "'helpline admin set-password admin --password-stdin')"
        )
    click.echo(f"Console:  {settings.base_url}/console")
    click.echo(f"Customers: {settings.base_url}/p/support  or  {settings.base_url}/join")
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


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@data_dir_option
@database_option
def db_upgrade(data_dir: Path, database_url: str | None) -> None:
    """Apply every pending schema migration (serve does this too)."""

    async def nothing(store: Store) -> None:
        return None

    _with_store(_settings(data_dir, database_url), nothing)
    click.echo("The database schema is up to date.")


@main.group()
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
    data_dir: Path,
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

    _with_store(_settings(data_dir, database_url), work)
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
    username: str, password_stdin: bool, data_dir: Path, database_url: str | None
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

    _with_store(_settings(data_dir, database_url), work)
    click.echo(f"Changed the password of {username!r}.")


def check_password_or_exit(password: str, check: Callable[[str], str]) -> str:
    try:
        return check(password)
    except HelplineError as error:
        raise click.ClickException(error.message) from error


@admin.command("list-reps")
@data_dir_option
@database_option
def list_reps(data_dir: Path, database_url: str | None) -> None:
    """List representatives: username, role, display name."""

    async def work(store: Store) -> list[tuple[str, str, str]]:
        return [
            (r.username, r.role.value, r.display_name) for r in await store.list_representatives()
        ]

    rows = _with_store(_settings(data_dir, database_url), work)
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
    data_dir: Path,
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

    _with_store(_settings(data_dir, database_url), work)
    click.echo(f"Created portal {slug!r}.")


@main.command()
@data_dir_option
@database_option
@click.option("--port", default=DEFAULT_PORT, show_default=True, envvar="HELPLINE_PORT", type=int)
def demo(data_dir: Path, database_url: str | None, port: int) -> None:
    """Fill a data folder with two representatives and two portals to try Helpline."""
    from helpline.server.bootstrap import demo as make_demo

    accounts = _with_store(_settings(data_dir, database_url), make_demo)
    base = f"http://127.0.0.1:{port}"
    click.secho(f"Demo data is ready in {data_dir}/.", fg="green", bold=True)
    for account in accounts:
        click.echo(f"  {account.role.value:<14} {account.username} / {account.password}")
    click.echo(f"Start the server:  helpline serve --data-dir {data_dir} --port {port}")
    click.echo(f"Console:           {base}/console")
    click.echo(f"Customer portals:  {base}/p/acme   {base}/p/globex")
    click.echo(f"Session code page: {base}/join")
