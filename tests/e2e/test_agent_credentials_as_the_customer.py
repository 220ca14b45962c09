"""Login credentials as a customer shares them: the agent runs as their own login in a
real terminal (tmux), not as root. The representative asks; the customer sees their
user name filled in and types the password; sudo checks it; the representative
restarts a service through sudo with it (a stand-in records that it ran as root);
quitting the agent revokes the credentials; and the password is in nothing the server
or the representative received, nor in anything the command saw."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import require_program
from tests.support.agent import session_code
from tests.support.as_user import readable_site, system_python_for  # noqa: F401 (a fixture)
from tests.support.clients import Browser, Frame
from tests.support.local_user import LocalUser, local_user  # noqa: F401 (a fixture)
from tests.support.server import ServerProcess, running
from tests.support.terminal import Terminal

pytestmark = pytest.mark.tmux


@pytest.fixture
async def debug_server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    """A server that logs every request at debug level: all of it is scanned."""
    async with running(ServerProcess(tmp_path / "data", log_level="debug")) as process:
        yield process


async def test_the_customers_own_login_shares_its_credentials_for_named_tasks_only(
    debug_server: ServerProcess,
    local_user: LocalUser,  # noqa: F811
    readable_site: Path,  # noqa: F811
) -> None:
    terminal = Terminal(require_program("tmux", "apt-get install -y tmux"))
    rep = Browser(debug_server)
    secret = local_user.password.encode()
    try:
        await rep.login("bob")
        console = await rep.socket("/ws/console")
        await console.wait_type("welcome")
        code = await session_code(rep)
        join = ["-m", "helpline", "agent", "join", code["code"]]
        join += ["--server", debug_server.base_url, "--name", "Dana"]
        env = {
            "HOME": str(local_user.home),
            "HELPLINE_AGENT_SYSTEMCTL": str(local_user.stand_in),
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        }
        command = system_python_for(local_user, readable_site)
        # env after runuser: runuser itself sets HOME and the like for the user.
        terminal.start(
            [*command[:-1], *(f"{k}={v}" for k, v in env.items()), command[-1], *join], {}
        )
        await terminal.shows("Connected: session")
        session = (await console.wait_type("assigned"))["session"]["id"]
        await console.follow(session)

        async def note(action: str, **body: str) -> Frame:
            found: Frame = await console.wait_event(
                session,
                lambda e: (
                    e["body"].get("action") == action
                    and all(e["body"].get(k) == v for k, v in body.items())
                ),
                action,
            )
            return found

        asked = await rep.http.post(
            f"/api/sessions/{session}/consents", json={"consent": "credentials"}
        )
        assert asked.status_code == 201, asked.text
        await terminal.shows("Share your login credentials?")
        await terminal.shows(local_user.name)  # the user name, filled in
        terminal.type("not my password")
        terminal.keys("Enter")
        await terminal.wait(lambda screen: "not right" in screen, "the refusal")
        terminal.type(local_user.password)
        terminal.keys("Enter")
        answered = await console.wait_event(
            session, lambda e: e["kind"] == "consent_answered", "the answer"
        )
        assert answered["body"]["answer"] == "allowed"
        await terminal.wait(
            lambda screen: "may now use your login" in " ".join(screen.split()), "told"
        )

        made = await rep.http.post(
            f"/api/sessions/{session}/tasks",
            json={"task": "restart_service", "service": "printer.service"},
        )
        assert made.status_code == 201, made.text
        await note("task_done", task="restart_service")
        [run] = local_user.runs()
        assert run.startswith("0\n") and "argv=restart printer.service\n" in run
        assert f"sudo -S -p  -k -- {local_user.stand_in} restart" in run  # sudo, by the user
        assert f"SUDO_USER={local_user.name}\n" in run

        # Quitting takes the credentials with it, and says so.
        terminal.keys("C-q")
        await terminal.shows("Quit the agent?")
        terminal.keys("y")
        await note("consent_revoked")
        await terminal.shows("[exited with 0]")

        transcript = await rep.http.get(f"/api/sessions/{session}/events")
        assert secret not in transcript.content
        assert secret not in json.dumps(console.events(session)).encode()
        await console.close()
        assert secret not in debug_server.log().encode()
        assert secret not in local_user.record.read_bytes()
        assert secret not in terminal.screen().encode()
    finally:
        terminal.close()
        await rep.close()
