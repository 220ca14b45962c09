"""The customer's login credentials, for real: a local user with a password, sudo, and
a real server. A wrong password is refused here; the right one lets the
representatives restart a service and the computer through sudo (a stand-in command
records that it ran as root); revoking forgets it at once; and the password is in
nothing that left the agent: not in a byte it sent, the server's log, the session's
log, a file, or a child's arguments and environment."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from helpline.agent.credentials import CredentialError, Vault
from helpline.agent.session import AgentSession
from tests.support.agent import TcpProxy, running_agent
from tests.support.clients import Browser, Frame
from tests.support.local_user import LocalUser, local_user  # noqa: F401 (a fixture)
from tests.support.server import ServerProcess


@pytest.fixture
async def debug_server(tmp_path: Path) -> ServerProcess:
    server = ServerProcess(tmp_path / "server", log_level="debug")
    await server.seed()
    await server.start()
    yield server  # type: ignore[misc]
    server.stop()


async def _settle(pilot: Any, check: Callable[[], bool], what: str) -> None:
    """The app checks the password in the background (sudo takes a moment)."""
    for _ in range(300):
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"Not shown in time: {what}")


def _files_hold(folder: Path, secret: bytes) -> list[Path]:
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink() and secret in path.read_bytes()
    ]


def checks_passwords_with_sudo(agent: AgentSession, local_user: LocalUser) -> None:  # noqa: F811
    """The agent checks and uses the customer's password through the test's own sudo."""
    agent.computer.vault = agent.computer.runner.vault = Vault(sudo=local_user.sudo())


async def asks_for_credentials(rep: Browser, agent: AgentSession) -> str:
    """The representative asks for the customer's login credentials: the request's ID."""
    asked = await rep.http.post(
        f"/api/sessions/{agent.id}/consents", json={"consent": "credentials"}
    )
    assert asked.status_code == 201, asked.text
    request: str = asked.json()["request"]
    return request


async def test_a_wrong_password_is_refused_and_the_right_one_is_kept_encrypted(
    local_user: LocalUser,  # noqa: F811
) -> None:
    vault = Vault(sudo=local_user.sudo())
    wrong = local_user.password + "x"
    with pytest.raises(CredentialError) as refused:
        await vault.check(local_user.name, wrong)
    assert "not right" in refused.value.message
    assert wrong not in str(refused.value) and not vault.holds

    await vault.check(local_user.name, local_user.password)
    assert vault.holds and vault.user == local_user.name
    assert local_user.password.encode() not in repr(vars(vault)).encode()
    vault.erase()
    assert not vault.holds
    with pytest.raises(CredentialError):
        await vault.run([str(local_user.stand_in)])


def test_the_agent_cannot_be_dumped_or_leave_a_core_file() -> None:
    probe = (
        "import resource;"
        "from helpline.agent.credentials import harden_process, is_dumpable;"
        "print(is_dumpable());harden_process();"
        "print(is_dumpable(), resource.getrlimit(resource.RLIMIT_CORE))"
    )
    said = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert said.stdout.split("\n")[:2] == ["True", "False (0, 0)"], said.stderr


async def test_representatives_restart_a_service_and_the_computer_with_credentials_that_never_leave(
    debug_server: ServerProcess,
    tmp_path: Path,
    local_user: LocalUser,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HELPLINE_AGENT_SYSTEMCTL", str(local_user.stand_in))
    monkeypatch.setenv("HELPLINE_AGENT_REBOOT_COMMAND", f"{local_user.stand_in} reboot-now")
    secret = local_user.password.encode()
    proxy = TcpProxy(debug_server.port)
    await proxy.start()
    rep = Browser(debug_server)
    try:
        await rep.login("bob")
        async with running_agent(proxy.url, rep, tmp_path / "agent") as (agent, view):
            checks_passwords_with_sudo(agent, local_user)
            console = await rep.socket("/ws/console")
            await console.wait_type("welcome")
            await console.follow(agent.id)

            async def note(action: str) -> Frame:
                found: Frame = await console.wait_event(
                    agent.id, lambda e: e["body"].get("action") == action, action
                )
                return found

            request = await asks_for_credentials(rep, agent)

            with pytest.raises(CredentialError):
                await agent.computer.give_credentials(request, local_user.name, "not-it")
            await agent.computer.give_credentials(request, local_user.name, local_user.password)
            assert "may now use your login credentials" in view.text()

            made = await rep.http.post(
                f"/api/sessions/{agent.id}/tasks",
                json={"task": "restart_service", "service": "printer.service"},
            )
            assert made.status_code == 201, made.text
            done = await note("task_done")
            assert done["body"]["task"] == "restart_service"
            [run] = local_user.runs()
            assert run.startswith("0\n") and "argv=restart printer.service\n" in run

            made = await rep.http.post(f"/api/sessions/{agent.id}/tasks", json={"task": "reboot"})
            assert made.status_code == 201, made.text
            # No service to come back: "done" once the restart ran, and it says so.
            restarted = await console.wait_event(
                agent.id,
                lambda e: e["body"].get("action") == "task_done" and e["body"]["task"] == "reboot",
                "the restart, done",
            )
            assert restarted["body"]["reconnects"] is False
            assert local_user.runs()[1].startswith("0\nargv=reboot-now\n")
            await view.wait(
                lambda: "will not come back to this session by itself" in view.text(),
                "the customer is told the agent will not come back",
            )

            await agent.computer.revoke_credentials()
            assert not agent.computer.vault.holds
            await note("consent_revoked")

            # Nothing that left the agent holds the password.
            assert secret not in bytes(proxy.sent)
            assert secret not in json.dumps(console.events(agent.id)).encode()
            transcript = await rep.http.get(f"/api/sessions/{agent.id}/events")
            assert secret not in transcript.content
            await console.close()
        assert secret not in debug_server.log().encode()
        assert secret not in local_user.record.read_bytes()
        assert _files_hold(tmp_path, secret) == []
        assert _files_hold(local_user.home, secret) == []
    finally:
        await rep.close()
        await proxy.close()


async def test_the_customer_types_the_password_under_a_filled_in_user_name(
    local_user: LocalUser,  # noqa: F811
) -> None:
    from textual.app import App
    from textual.widgets import Input, Static

    from helpline.agent.consent_prompts import Answer
    from helpline.agent.credentials_prompt import CredentialsPrompt

    vault = Vault(sudo=local_user.sudo())

    async def check(user: str, password: str) -> str | None:
        try:
            await vault.check(user, password)
        except CredentialError as error:
            return error.message
        return None

    answers: list[Answer | None] = []
    app: App[None] = App()
    async with app.run_test() as pilot:
        app.push_screen(CredentialsPrompt("Bob Chen", local_user.name, check), answers.append)
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#credentials-user", Input).value == local_user.name
        password = screen.query_one("#credentials-password", Input)
        assert password.password  # what is typed is not shown
        await pilot.press(*"wrong", "enter")
        problem = screen.query_one("#credentials-problem", Static)
        await _settle(pilot, lambda: "not right" in str(problem.render()), "the refusal")
        assert answers == [] and password.value == ""
        await pilot.press(*local_user.password, "enter")
        await _settle(pilot, lambda: bool(answers), "the answer")
    assert answers == [Answer(True)] and vault.holds


async def test_the_sessions_end_erases_the_credentials(
    shared_server: ServerProcess,
    bob: Browser,
    tmp_path: Path,
    local_user: LocalUser,  # noqa: F811
) -> None:
    async with running_agent(shared_server.base_url, bob, tmp_path) as (agent, view):
        checks_passwords_with_sudo(agent, local_user)
        await agent.computer.give_credentials(
            await asks_for_credentials(bob, agent), local_user.name, local_user.password
        )
        assert agent.computer.vault.holds
        ended = await bob.http.post(f"/api/sessions/{agent.id}/end")
        assert ended.status_code in (200, 204), ended.text
        await view.wait(lambda: not agent.computer.vault.holds, "the password is forgotten")
        assert agent.ended


async def test_in_the_app_the_password_is_asked_checked_allowed_and_revoked_with_f7(
    shared_server: ServerProcess,
    bob: Browser,
    tmp_path: Path,
    local_user: LocalUser,  # noqa: F811
) -> None:
    from textual.widgets import Static

    from helpline.agent.credentials_prompt import CredentialsPrompt
    from tests.support.agent_app import app_for, shown, until

    async with app_for(shared_server.base_url, bob, tmp_path) as (app, pilot, console):
        agent = app.agent
        checks_passwords_with_sudo(agent, local_user)
        request = await asks_for_credentials(bob, agent)
        await until(pilot, lambda: isinstance(app.screen, CredentialsPrompt), "the question")
        await pilot.press(*"wrong", "enter")
        problem = app.screen.query_one("#credentials-problem", Static)
        await until(pilot, lambda: "not right" in str(problem.render()), "the refusal")
        await pilot.press(*local_user.password, "enter")
        answered = await console.wait_event(
            agent.id,
            lambda e: e["kind"] == "consent_answered" and e["body"]["request_id"] == request,
            "allowed",
        )
        assert answered["body"]["answer"] == "allowed"
        await until(pilot, lambda: "may now use your login credentials" in shown(app), "told")

        await pilot.press("f7")
        loop = asyncio.get_running_loop()
        started = loop.time()
        await until(pilot, lambda: not agent.computer.vault.holds, "the password forgotten")
        assert loop.time() - started < 1.0
        await console.wait_event(
            agent.id, lambda e: e["body"].get("action") == "consent_revoked", "revoked"
        )
        assert local_user.password not in shown(app)


async def test_elevated_system_information_runs_its_tools_through_sudo(
    shared_server: ServerProcess,
    bob: Browser,
    tmp_path: Path,
    local_user: LocalUser,  # noqa: F811
) -> None:
    async with running_agent(shared_server.base_url, bob, tmp_path) as (agent, _view):
        checks_passwords_with_sudo(agent, local_user)
        console = await bob.socket("/ws/console")
        try:
            await console.wait_type("welcome")
            await console.follow(agent.id)
            await agent.computer.give_credentials(
                await asks_for_credentials(bob, agent), local_user.name, local_user.password
            )
            made = await bob.http.post(
                f"/api/sessions/{agent.id}/tasks", json={"task": "elevated_diagnostics"}
            )
            assert made.status_code == 201, made.text
            done = await console.wait_event(
                agent.id, lambda e: e["body"].get("action") == "task_done", "done", 30
            )
            got = await bob.http.get(f"/api/diagnostics/{done['body']['diagnostics_id']}")
            assert got.status_code == 200, got.text
            assert got.json()["elevated"] is True
            sections = [s["id"] for s in got.json()["report"]["sections"]]
            assert "os" in sections and "memory" in sections
            # This login may run only the stand-in through sudo: the report says so.
            assert local_user.password not in got.text
        finally:
            await console.close()
