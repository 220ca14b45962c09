"""What the agent does in a session besides files, without its UI, against a real
server: pushed pages opened once and never on replay, the request to see a screen on a
computer without one, the chat log saved like the browser saves it, and ending.
(Files through the agent: test_agent_files.py.)"""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest

from helpline.agent import state
from helpline.agent.session import AgentSession
from tests.support.agent import RecordingView, running_agent
from tests.support.clients import Browser
from tests.support.server import ServerProcess


async def test_a_pushed_page_opens_in_the_browser_once_and_never_on_replay(
    shared_server: ServerProcess,
    bob: Browser,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(script))
    async with running_agent(shared_server.base_url, bob, tmp_path) as (agent, view):
        pushed = await bob.http.post(
            f"/api/sessions/{agent.id}/push-url", json={"url": "https://example.com/help?a=1"}
        )
        assert pushed.status_code == 200
        await view.wait(lambda: "Opened https://example.com/help?a=1" in view.text(), "opened")
        assert opened.read_text() == "https://example.com/help?a=1\n"

        # The agent started again on the same session replays the push: it is shown in
        # the log and not opened again.
        replayed = RecordingView()
        again = AgentSession(
            agent.credentials, tmp_path / "again", replayed, state_folder=tmp_path / "s2"
        )
        task = asyncio.create_task(again.run())
        await replayed.wait(lambda: "https://example.com/help?a=1" in replayed.text(), "replay")
        await replayed.wait(again.caught_up, "the replay is over")
        await again.close()
        await task
    assert opened.read_text() == "https://example.com/help?a=1\n"
    assert "Opened" not in replayed.text()


async def test_without_a_browser_the_link_is_shown_and_the_server_told(
    shared_server: ServerProcess,
    bob: Browser,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    async with running_agent(shared_server.base_url, bob, tmp_path) as (agent, view):
        await bob.http.post(
            f"/api/sessions/{agent.id}/push-url", json={"url": "https://a.example/"}
        )
        await view.wait(lambda: "Open this link yourself" in view.text(), "the link")
        assert view.problems() == [
            next(t for t in view.problems() if "Open this link yourself: https://a.example/" in t)
        ]
        # The socket stays up whether or not this server knows url_opened.
        agent.send("still here")
        await view.wait(lambda: "Dana: still here" in view.text(), "a line after it")


async def test_a_request_for_the_screen_without_a_display_is_declined_at_once(
    shared_server: ServerProcess, bob: Browser, tmp_path: Path
) -> None:
    async with running_agent(shared_server.base_url, bob, tmp_path, display=lambda: False) as (
        agent,
        view,
    ):
        console = await bob.socket("/ws/console")
        await console.wait_type("welcome")
        await console.follow(agent.id)
        asked = await bob.http.post(f"/api/sessions/{agent.id}/screen/request")
        assert asked.status_code == 201
        await view.wait(lambda: "has no display to share" in view.text(), "declined")
        answer = await console.wait_event(
            agent.id, lambda e: e["kind"] == "consent_answered", "the answer"
        )
        assert answer["body"]["answer"] == "declined"
        assert agent.waiting_consent() is None
        await console.close()


async def test_the_chat_log_is_saved_like_the_browser_saves_it_and_ending_cleans_up(
    shared_server: ServerProcess, bob: Browser, tmp_path: Path
) -> None:
    async with running_agent(shared_server.base_url, bob, tmp_path) as (agent, view):
        agent.send("x" * 4001)
        await view.wait(lambda: view.problems(), "the refusal")
        assert view.problems()[0].endswith(
            "* Not sent (A message has at most 4000 characters.): " + "x" * 4001
        )
        assert agent.connection.outbox.all() == []
        state_file = state.path_for(agent.id, tmp_path / "state")
        assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
        agent.send("Thanks for the help")
        await view.wait(lambda: "Dana: Thanks for the help" in view.text(), "the line")
        first = await agent.save_chatlog()
        assert first == agent.download_dir / "chatlog.txt"
        browser_copy = (await bob.http.get(f"/api/sessions/{agent.id}/transcript.txt")).text
        assert first.read_text().splitlines()[0] == browser_copy.splitlines()[0]
        assert "Dana: Thanks for the help" in first.read_text()

        await agent.end()
        await view.wait(lambda: agent.ended, "ended")
        await view.wait(lambda: not state_file.exists(), "the state file is removed")
        second = await agent.save_chatlog()
        assert second == agent.download_dir / "chatlog (1).txt"
        assert "ended" in second.read_text()
        assert agent.send("too late") is None
        assert "The session has ended" in view.problems()[-1]
