"""``helpline agent`` on the command line: every way in that fails says why, in a
sentence, before any screen opens; what the agent reports about the computer reaches
the representative."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from helpline.agent import state
from helpline.agent.joining import JoinTarget, join, open_portal_session, parse_join
from helpline.agent.system import client_report, os_name
from helpline.cli import main
from tests.support.server import ServerProcess, free_port


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["agent", *args], env=env, catch_exceptions=False)


@contextmanager
def rep_client(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers={"Origin": server.base_url}) as client:
        client.post("/api/auth/login", json={"username": "alice", "password": "helpline-demo"})
        yield client


def plain_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: ")
    return result.output


def test_a_wrong_code_says_to_check_it(shared_server: ServerProcess) -> None:
    output = plain_error(run("join", "000 000 001", "--server", shared_server.base_url))
    assert "There is no session code with these digits." in output


def test_a_used_code_says_to_ask_for_a_new_one(shared_server: ServerProcess) -> None:
    with rep_client(shared_server) as rep:
        code = rep.post("/api/codes", json={}).json()["code"]
        assert rep.post("/api/join", json={"code": code, "name": "Eve"}).status_code == 201
    output = plain_error(run("join", code, "--server", shared_server.base_url))
    assert "This session code was already used. Ask your representative for a new one." in output


def test_an_unreachable_server_says_what_to_check() -> None:
    server = f"http://127.0.0.1:{free_port()}"
    output = plain_error(run("join", "123456789", "--server", server))
    assert f"Cannot reach the Helpline server at {server}" in output
    assert "Check the address (--server) and your network connection" in output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["123456789"], "Which server? Give its address with --server"),
        (["hello"], "is neither a session code (nine digits) nor a join link"),
        (["https://help.example.com/p/acme"], "is not a join link"),
        (["--portal", "https://help.example.com/join/1"], "is not a portal address"),
    ],
)
def test_what_is_not_a_code_or_link_is_explained(args: list[str], says: str) -> None:
    assert says in plain_error(run("join", *args))


def test_no_code_at_all_shows_how_to_use_it() -> None:
    result = run("join")
    assert result.exit_code == 2
    assert "helpline agent join 123456789 --server https://help.example.com" in result.output


def test_an_attach_link_that_does_not_work_is_a_plain_error(shared_server: ServerProcess) -> None:
    output = plain_error(run("attach", f"{shared_server.base_url}/attach#not-a-secret"))
    # A server without POST /api/attach, or one whose links do not know this secret.
    assert "cannot attach the agent" in output or "This agent link does not work" in output
    assert "is not an attach link" in plain_error(run("attach", "no link"))


def test_send_without_a_running_agent_says_how_to_start_one(tmp_path: Path) -> None:
    output = plain_error(run("send", str(tmp_path), env={"XDG_RUNTIME_DIR": str(tmp_path)}))
    assert "No Helpline agent is running a session here" in output


def test_send_into_the_running_session_refuses_a_missing_file(
    shared_server: ServerProcess, tmp_path: Path
) -> None:
    with rep_client(shared_server) as rep:
        code = rep.post("/api/codes", json={}).json()["code"]
    credentials = asyncio.run(
        join(JoinTarget(shared_server.base_url, code=code), "Dana", client_report())
    )
    state.write(
        state.RunningSession(
            credentials.server, credentials.session, credentials.token, os.getpid(), "."
        ),
        tmp_path / "helpline",
    )
    env = {"XDG_RUNTIME_DIR": str(tmp_path)}
    output = plain_error(run("send", str(tmp_path / "gone.txt"), env=env))
    assert f"There is no file {tmp_path / 'gone.txt'}. Check the path and try again." in output
    (tmp_path / "there.txt").write_text("hello")
    result = run("send", str(tmp_path / "there.txt"), env=env)
    assert result.exit_code == 0, result.output
    assert f"Sent there.txt to the representatives of session {credentials.session}" in (
        result.output
    )


async def test_the_representative_sees_the_exact_operating_system(
    shared_server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(
        base_url=shared_server.base_url, headers={"Origin": shared_server.base_url}
    ) as rep:
        await rep.post("/api/auth/login", json={"username": "bob", "password": "helpline-demo"})
        code = (await rep.post("/api/codes", json={})).json()["code"]
        joined = await join(JoinTarget(shared_server.base_url, code=code), "Dana", client_report())
        seen = (await rep.get(f"/api/sessions/{joined.session}")).json()["session"]
        assert seen["customer"]["os"] == os_name()
        assert seen["customer"]["browser"].startswith("Helpline agent ")

        asked = await open_portal_session(
            shared_server.base_url, "acme", "Evan", "The VPN drops", {}, client_report()
        )
        queue = (await rep.get("/api/console/queue")).json()["sessions"]
        waiting = next(s for s in queue if s["id"] == asked.session)
        assert waiting["query"] == "The VPN drops"
        assert waiting["customer"]["os"] == os_name()


async def test_a_join_link_joins_without_the_digits(shared_server: ServerProcess) -> None:
    async with httpx.AsyncClient(
        base_url=shared_server.base_url, headers={"Origin": shared_server.base_url}
    ) as rep:
        await rep.post("/api/auth/login", json={"username": "bob", "password": "helpline-demo"})
        link = (await rep.post("/api/codes", json={})).json()["join_link"]
        target = parse_join(link, None)
        assert target.code is None and target.link is not None
        joined = await join(target, "Dana", client_report())
        seen = (await rep.get(f"/api/sessions/{joined.session}")).json()["session"]
        assert seen["customer"]["name"] == "Dana" and seen["status"] == "active"
