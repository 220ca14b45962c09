"""The agent as a service: the systemd unit it writes, and the agent started from that
unit's own ExecStart line, killed with SIGKILL and started again from the same line,
back in the same session with nothing lost, then gone when the session ends."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from helpline.agent import state
from helpline.agent.api import Api
from helpline.agent.service import ProcessManager, SystemdManager, render_unit, unit_name
from tests.conftest import IN_CI
from tests.support.agent import running_agent, service_to_be, until
from tests.support.clients import Browser, Frame
from tests.support.server import ServerProcess

WAIT_SECONDS = 20.0


def test_the_unit_runs_the_agent_from_its_state_file_and_restarts_it_on_failure(
    tmp_path: Path,
) -> None:
    state_file = tmp_path / "state" / "service-7KQM-2XPD.json"
    unit = render_unit("7KQM-2XPD", state_file, system=True, python="/usr/bin/python3")
    assert unit == (
        "[Unit]\n"
        "Description=Helpline agent for support session 7KQM-2XPD\n"
        "After=network-online.target\n"
        "Wants=network-online.target\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        f"ExecStart=/usr/bin/python3 -m helpline agent service --state {state_file}\n"
        "Restart=on-failure\n"
        "RestartSec=5\n"
        "UMask=0077\n"
        "\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n"
    )
    user_unit = render_unit("7KQM-2XPD", Path("/home/dana/x y.json"), system=False, python="/p")
    assert "ExecStart=/p -m helpline agent service --state '/home/dana/x y.json'\n" in user_unit
    assert "WantedBy=default.target\n" in user_unit and "network-online" not in user_unit
    assert SystemdManager("7KQM-2XPD", root=False, home=Path("/home/dana")).unit_path == Path(
        "/home/dana/.config/systemd/user/helpline-agent-7KQM-2XPD.service"
    )
    assert SystemdManager("7KQM-2XPD", root=True).unit_path == Path(
        "/etc/systemd/system/helpline-agent-7KQM-2XPD.service"
    )


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    verify = shutil.which("systemd-analyze")
    if verify is None:
        message = "systemd-analyze is not installed (apt-get install -y systemd)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    path = tmp_path / unit_name("7KQM-2XPD")
    path.write_text(render_unit("7KQM-2XPD", tmp_path / "s.json", system=True))
    checked = subprocess.run([verify, "verify", str(path)], capture_output=True, text=True)
    problems = [
        line
        for line in (checked.stdout + checked.stderr).splitlines()
        if path.name in line or "ExecStart" in line
    ]
    assert checked.returncode == 0 and problems == [], checked.stdout + checked.stderr


async def test_the_service_survives_a_kill_and_resumes_the_session_with_nothing_lost(
    shared_server: ServerProcess, bob: Browser, tmp_path: Path
) -> None:
    joined, state_file, manager = await service_to_be(shared_server.base_url, bob, tmp_path)
    assert state_file.stat().st_mode & 0o777 == 0o600
    assert state_file.parent.stat().st_mode & 0o777 == 0o700
    log = manager.pid_file.with_suffix(".log")
    console = await bob.socket("/ws/console")
    await console.wait_type("welcome")
    await console.follow(joined.session)

    def saved_seq() -> int:
        return state.read_service(state_file).last_seq

    async def rep_says(text: str) -> int:
        frame = await console.say(joined.session, text)
        seq: int = frame["seq"]
        return seq

    try:
        manager.install(state_file)
        assert manager.is_installed()
        first = await rep_says("Hello from Bob")
        await until(lambda: saved_seq() >= first, "the service saw the first line")

        killed = manager.child
        assert killed is not None and killed.pid == manager.pid()
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        assert not manager.is_installed()

        # While it is down: a line, and a restart it began before "the computer" went.
        asked = await bob.http.post(
            f"/api/sessions/{joined.session}/consents", json={"consent": "service"}
        )
        request = asked.json()["request"]
        customer = Api(joined.server, joined.token)
        try:
            await customer.call("POST", f"/api/consents/{request}", {"allow": True})
            made = await bob.http.post(
                f"/api/sessions/{joined.session}/tasks", json={"task": "reboot"}
            )
            task = made.json()["task"]
            await customer.call("POST", f"/api/tasks/{task}", {"state": "restarting"})
        finally:
            await customer.aclose()
        requested = await console.wait_event(
            joined.session, lambda e: e["body"].get("action") == "task_restarting", "restarting"
        )
        data = json.loads(state_file.read_text())
        data.update(last_seq=requested["seq"], pending_reboot=str(task))
        state.write_private(state_file, data)
        missed = await rep_says("Sent while the agent was down")

        manager.start(state_file)
        await until(lambda: saved_seq() >= missed, "the restarted service saw the line")
        back: Frame = await console.wait_event(
            joined.session, lambda e: e["body"].get("action") == "task_done", "reconnected"
        )
        assert back["body"]["task"] == "reboot"
        shown = log.read_text()
        assert shown.count("Sent while the agent was down") == 1
        assert shown.count("Hello from Bob") == 1  # resumed, not replayed from the start

        ended = await bob.http.post(f"/api/sessions/{joined.session}/end")
        assert ended.status_code in (200, 204), ended.text
        await until(lambda: not state_file.exists(), "the state is erased at the end")
        assert manager.child is not None
        assert await asyncio.to_thread(manager.child.wait, WAIT_SECONDS) == 0
        assert not manager.is_installed()
    finally:
        await console.close()
        manager.uninstall()
        if manager.child is not None and manager.child.poll() is None:
            manager.child.kill()
            manager.child.wait()


def test_helpline_agent_stop_ends_the_service_and_erases_its_state(tmp_path: Path) -> None:
    home = tmp_path / "home"
    folder = home / ".local" / "state" / "helpline"
    env = {**os.environ, "HOME": str(home)}
    state_file = state.service_path("7KQM-2XPD", folder)
    record = state.ServiceState("http://127.0.0.1:9", "7KQM-2XPD", "t", str(tmp_path), "process")
    state.write_private(state_file, asdict(record))
    manager = ProcessManager("7KQM-2XPD", folder, env)
    manager.start(state_file)  # a server that is not there: it keeps trying to connect
    assert manager.child is not None and manager.is_installed()
    try:
        stopped = subprocess.run(
            [sys.executable, "-m", "helpline", "agent", "stop"],
            capture_output=True,
            text=True,
            env=env,
        )
        assert stopped.returncode == 0, stopped.stderr
        assert "Stopped the agent's service for session 7KQM-2XPD." in stopped.stdout
        assert manager.child.wait(WAIT_SECONDS) == -signal.SIGTERM
        assert not state_file.exists() and not manager.is_installed()

        again = subprocess.run(
            [sys.executable, "-m", "helpline", "agent", "stop"],
            capture_output=True,
            text=True,
            env=env,
        )
        assert again.returncode == 1 and "No Helpline agent runs as a service" in again.stderr
    finally:
        if manager.child.poll() is None:
            manager.child.kill()
            manager.child.wait()


async def test_allowing_the_service_installs_it_and_the_sessions_end_removes_it(
    shared_server: ServerProcess,
    bob: Browser,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    async with running_agent(shared_server.base_url, bob, tmp_path / "agent") as (agent, view):
        console = await bob.socket("/ws/console")
        manager: ProcessManager | None = None
        try:
            await console.wait_type("welcome")
            await console.follow(agent.id)
            asked = await bob.http.post(
                f"/api/sessions/{agent.id}/consents", json={"consent": "service"}
            )
            request = asked.json()["request"]
            agent.computer.service_choice = "process"
            chosen = agent.computer.new_manager()
            assert isinstance(chosen, ProcessManager)
            manager = chosen
            record = agent.computer.service_record(
                agent.api.server, agent.credentials.token, agent.download_dir
            )
            path = await agent.computer.allow_service(request, manager, record)
            assert path.parent == tmp_path / "home" / ".local" / "state" / "helpline"
            assert "helpline agent stop" in view.text()
            await console.wait_event(
                agent.id, lambda e: e["body"].get("answer") == "allowed", "allowed"
            )
            line = await console.say(agent.id, "Both of you see this")
            await until(
                lambda: state.read_service(path).last_seq >= line["seq"], "the service runs"
            )
            ended = await bob.http.post(f"/api/sessions/{agent.id}/end")
            assert ended.status_code in (200, 204), ended.text
            assert manager.child is not None
            # It ends itself, or the agent that installed it removes it first.
            exit_status = await asyncio.to_thread(manager.child.wait, WAIT_SECONDS)
            assert exit_status in (0, -signal.SIGTERM)
            assert not path.exists() and not manager.is_installed()
            assert "Both of you see this" in manager.pid_file.with_suffix(".log").read_text()
        finally:
            await console.close()
            if manager is not None and manager.child is not None and manager.child.poll() is None:
                manager.child.kill()
                manager.child.wait()
