"""``helpline agent ...``: join a session, attach to a browser's, send a file.

Why this module imports so little: ``helpline`` loads it for every command, and the
server must run without the agent's extra installed. Textual is imported only when
the app starts; a missing extra is a sentence that says what to install.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from helpline.agent import state

if TYPE_CHECKING:
    from helpline.agent.joining import Credentials

T = TypeVar("T")
DEFAULT_DOWNLOAD_DIR = Path("~/Downloads/Helpline")
INSTALL_HINT = "pip install 'helpline[agent]'"

download_dir_option = click.option(
    "--download-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DOWNLOAD_DIR,
    show_default=True,
    envvar="HELPLINE_DOWNLOAD_DIR",
    help="Where files you accept and saved chat logs go. Existing files are never "
    "replaced: a second report.pdf is saved as 'report (1).pdf'.",
)
service_manager_option = click.option(
    "--service-manager",
    type=click.Choice(["systemd", "process"]),
    default=None,
    envvar="HELPLINE_AGENT_SERVICE_MANAGER",
    help="How the agent runs as a service when you allow it: a systemd unit (default), or "
    "a detached process running the unit's command (where systemd does not run).",
)
name_option = click.option(
    "--name",
    default=None,
    help="Your name as the representative sees it (default: your full name on this computer).",
)


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run one step before the app starts; its errors become plain messages."""
    from helpline.agent.api import ApiError
    from helpline.agent.joining import JoinInputError

    try:
        return asyncio.run(work)
    except (ApiError, JoinInputError) as error:
        raise click.ClickException(str(error)) from None


def _parsed(parse: Callable[[], T]) -> T:
    from helpline.agent.joining import JoinInputError

    try:
        return parse()
    except JoinInputError as error:
        raise click.ClickException(str(error)) from None


def _require(*modules: str) -> None:
    """The agent's extra packages, or a sentence that says how to install them."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            raise click.ClickException(
                f"The agent needs its extra packages ({module} is missing). "
                f"Install them with: {INSTALL_HINT}"
            ) from None


def _require_app() -> None:
    _require("httpx", "textual", "mss", "PIL")


def _start(
    credentials: Credentials, download_dir: Path, service_manager: str | None = None
) -> None:
    from helpline.agent.app import AgentApp
    from helpline.agent.credentials import harden_process
    from helpline.agent.session import AgentSession

    # Before any password is typed: no core file, no ptrace by the user's other programs.
    harden_process()
    agent = AgentSession(credentials, download_dir=download_dir.expanduser())
    agent.computer.service_choice = service_manager
    AgentApp(agent).run()
    ended = agent.ended
    click.echo(
        f"Session {credentials.session} "
        + ("has ended." if ended else "is still open; this agent left it.")
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def agent() -> None:
    """The Helpline agent: get help on this computer, in this terminal.

    A representative gives you a session code or a join link; the agent joins their
    session and is a complete chat window: messages, files both ways, pages they
    push (opened in your browser), your screen if you allow it, Save chat log and
    End session. It works over SSH too.

    \b
    Examples:
      helpline agent join 123456789 --server https://help.example.com
      helpline agent join 'https://help.example.com/join/123456789#link=...'
      helpline agent join --portal https://help.example.com/p/support \\
          --question "The printer prints blank pages"
      helpline agent send ~/Desktop/error.png     (into the running session)
    """


@agent.command()
@click.argument("code_or_link", required=False)
@click.option(
    "--server",
    envvar="HELPLINE_SERVER",
    default=None,
    help="The Helpline server's address, e.g. https://help.example.com (needed with a "
    "bare code; a join link names its server).",
)
@click.option(
    "--portal",
    default=None,
    help="Ask for help on a portal instead of joining with a code: its address, e.g. "
    "https://help.example.com/p/support. Say what you need with --question.",
)
@name_option
@click.option("--question", default="", help="With --portal: what you need help with.")
@click.option(
    "--field",
    "fields",
    multiple=True,
    metavar="KEY=VALUE",
    help="With --portal: a field the portal asks for, e.g. --field email=dana@example.com. "
    "Repeatable.",
)
@download_dir_option
@service_manager_option
def join(
    code_or_link: str | None,
    server: str | None,
    portal: str | None,
    name: str | None,
    question: str,
    fields: tuple[str, ...],
    download_dir: Path,
    service_manager: str | None,
) -> None:
    """Join a support session with a code or a join link, or ask on a portal.

    \b
    Examples:
      helpline agent join 123456789 --server https://help.example.com
      helpline agent join 123-456-789 --server help.example.com --name "Dana Whitfield"
      helpline agent join 'https://help.example.com/join/123456789#link=SECRET'
      helpline agent join --portal https://help.example.com/p/support \\
          --question "VPN drops every hour" --field email=dana@example.com

    Keys in the app: Enter sends, Ctrl+J starts a new line, F2 saves the chat log,
    F3 sends a file, F4/F5 accept or decline a file, F7 revokes your login
    credentials, F8 stops sharing your screen, F10 ends the session, Ctrl+Q quits.
    """
    from helpline.agent import joining
    from helpline.agent.system import client_report, full_name

    _require_app()
    who = name or full_name()
    if portal is not None:
        if code_or_link is not None:
            raise click.UsageError("Give a code or link, or --portal, not both.")
        pairs = {}
        for field in fields:
            key, equals, value = field.partition("=")
            if not equals or not key:
                raise click.BadParameter(f"{field!r} is not KEY=VALUE", param_hint="--field")
            pairs[key] = value
        where, slug = _parsed(lambda: joining.parse_portal(portal))
        credentials = _run(
            joining.open_portal_session(where, slug, who, question, pairs, client_report())
        )
        click.echo(f"Asked for help on {portal}: session {credentials.session}.")
    elif code_or_link is not None:
        target = _parsed(lambda: joining.parse_join(code_or_link, server))
        credentials = _run(joining.join(target, who, client_report()))
    else:
        raise click.UsageError(
            "Give the session code or join link your representative sent, e.g. "
            "'helpline agent join 123456789 --server https://help.example.com', "
            "or ask on a portal with --portal URL."
        )
    _start(credentials, download_dir, service_manager)


@agent.command()
@click.argument("link")
@download_dir_option
@service_manager_option
def attach(link: str, download_dir: Path, service_manager: str | None) -> None:
    """Bring the agent into a session you have open in your browser.

    The chat window in your browser shows this command with its link; the agent then
    joins that same session, and the representative can use what needs the agent
    (files to and from your disk, your screen).

    \b
    Example:
      helpline agent attach 'https://help.example.com/attach#SECRET'
    """
    from helpline.agent import joining
    from helpline.agent.system import client_report

    _require_app()
    server, secret = _parsed(lambda: joining.parse_attach(link))
    credentials = _run(joining.attach(server, secret, client_report()))
    _start(credentials, download_dir, service_manager)


@agent.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--session",
    "session_id",
    default=None,
    help="Which session, when agents run in several (its ID, e.g. 7KQM-2XPD).",
)
def send(path: Path, session_id: str | None) -> None:
    """Send a file to the representatives of the session the agent is running.

    Run it in another terminal while 'helpline agent join' runs; the file shows up
    in the chat for the representatives to accept.

    \b
    Examples:
      helpline agent send ~/Desktop/error.png
      helpline agent send /var/log/syslog --session 7KQM-2XPD
    """
    _require("httpx")
    from helpline.agent import transfers
    from helpline.agent.api import Api

    found = state.running()
    if session_id is not None:
        found = [s for s in found if s.session.upper() == session_id.upper()]
    if not found:
        raise click.ClickException(
            "No Helpline agent is running a session here. Start one with "
            "'helpline agent join CODE --server URL', then send files from it (F3) or "
            "with this command."
        )
    if len(found) > 1:
        ids = ", ".join(s.session for s in found)
        raise click.ClickException(
            f"Agents run several sessions ({ids}); choose one with --session."
        )
    running = found[0]
    source = path.expanduser()
    try:
        handle, _ = transfers.open_to_send(source)  # say what is wrong before anything else
    except transfers.TransferError as error:
        raise click.ClickException(error.message) from None
    handle.close()

    async def upload() -> dict[str, Any]:
        api = Api(running.server, running.token)
        try:
            with click.progressbar(length=1, label=f"Sending {path.name}") as bar:

                def moved(done: int, total: int) -> None:
                    bar.length = max(total, 1)
                    bar.update(done - bar.pos)

                return await transfers.upload(api, running.session, source, moved)
        finally:
            await api.aclose()

    try:
        file = asyncio.run(upload())
    except transfers.TransferError as error:
        raise click.ClickException(error.message) from None
    click.echo(
        f"Sent {file.get('name', path.name)} to the representatives of session "
        f"{running.session}; they can accept or decline it."
    )


@agent.command()
@click.option(
    "--state",
    "state_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The service's state file (written when you allowed the agent to run as a service).",
)
def service(state_file: Path) -> None:
    """Run the session of a state file without a window: what the service runs.

    You do not normally run this yourself: when you allow the representative to run
    the agent as a service, the agent installs a systemd unit whose ExecStart is this
    command. It resumes the same session after a logout, a crash or a restart of the
    computer, and stops when the session ends. Stop it with 'helpline agent stop'.
    """
    _require("httpx", "websockets", "cryptography")
    from helpline.agent.headless import run_service

    try:
        record = state.read_service(state_file)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    asyncio.run(run_service(record, state_file))


@agent.command()
@click.option(
    "--session",
    "session_id",
    default=None,
    help="Stop only this session's service (its ID, e.g. 7KQM-2XPD).",
)
def stop(session_id: str | None) -> None:
    """Stop the agent running as a service, and remove the service.

    When you allowed a representative to run the agent as a service, it keeps the
    session open across logouts and restarts. This stops it: the systemd unit is
    disabled and removed, and its state file (which holds the session's token) is
    erased. The session itself stays open; join it again with 'helpline agent join'.

    \b
    Examples:
      helpline agent stop
      helpline agent stop --session 7KQM-2XPD
    """
    from helpline.agent.service import ServiceError, manager_for

    found = state.services()
    stopped = 0
    for path in found:
        try:
            record = state.read_service(path)
        except ValueError:
            continue
        if session_id is not None and record.session.upper() != session_id.upper():
            continue
        path.unlink(missing_ok=True)
        try:
            manager_for(record.manager, record.session, path.parent).uninstall()
        except ServiceError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Stopped the agent's service for session {record.session}.")
        stopped += 1
    if stopped == 0:
        raise click.ClickException(
            "No Helpline agent runs as a service here"
            + (f" for session {session_id}." if session_id else ".")
        )
