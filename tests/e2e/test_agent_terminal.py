"""The installed ``helpline agent`` in a real terminal (tmux), a whole session long.

A representative makes a code; the customer runs ``helpline agent join CODE`` and
they chat both ways, the representative in the console in Chromium; a pushed page
reaches the customer's ``$BROWSER``; a file goes each way (and one more with
``helpline agent send`` from a second command); the chat log is saved; the customer
ends the session after confirming, and quits.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
from asyncio.subprocess import PIPE
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.conftest import require_program
from tests.e2e.steps import NewPage, chat_tab, console_log, line, logged_in, say
from tests.support.agent import session_code
from tests.support.clients import Browser, eventually
from tests.support.server import ServerProcess
from tests.support.terminal import Terminal

pytestmark = pytest.mark.tmux
HELPLINE = str(Path(sys.executable).with_name("helpline"))


async def test_a_whole_session_in_the_terminal(
    server: ServerProcess, new_page: NewPage, tmp_path: Path
) -> None:
    terminal = Terminal(require_program("tmux", "apt-get install -y tmux"))
    rep = Browser(server)
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    downloads = tmp_path / "Downloads"
    env = {
        "BROWSER": str(browser),
        "XDG_RUNTIME_DIR": str(runtime),
        "HELPLINE_DOWNLOAD_DIR": str(downloads),
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
    }
    try:
        page = await logged_in(new_page, "bob")
        await rep.login("bob")
        console = await rep.socket("/ws/console")
        await console.wait_type("welcome")
        code = await session_code(rep)
        join = ["agent", "join", code["code"], "--server", server.base_url, "--name", "Dana"]
        terminal.start([HELPLINE, *join], env)
        await terminal.shows("Connected: session")
        assigned = await console.wait_type("assigned")
        session = assigned["session"]["id"]
        assert assigned["session"]["customer"]["name"] == "Dana"
        await console.follow(session)

        # Chat both ways, the representative in the console in Chromium, where the
        # session's chat box opened by itself.
        await expect(chat_tab(page, "Dana")).to_be_visible()
        await chat_tab(page, "Dana").click()
        await say(page, "Hello Dana, what is wrong?")
        await terminal.shows("Bob Chen: Hello Dana, what is wrong?")
        terminal.type("The printer prints blank pages")
        terminal.keys("Enter")
        await expect(
            line(console_log(page, "Dana"), "The printer prints blank pages")
        ).to_be_visible()
        await console.wait_event(
            session, lambda e: e["body"].get("text") == "The printer prints blank pages", "line"
        )
        await terminal.shows("Dana: The printer prints blank pages")
        await expect(page.get_by_test_id("customer-attendee")).to_have_attribute(
            "data-app", "agent"
        )
        await expect(page.get_by_test_id("customer-presence")).to_have_text("online")

        # A pushed page opens in the customer's browser.
        pushed = await rep.http.post(
            f"/api/sessions/{session}/push-url", json={"url": "https://example.com/drivers"}
        )
        assert pushed.status_code == 200
        await terminal.shows("Opened https://example.com/drivers")
        assert opened.read_text() == "https://example.com/drivers\n"

        # A file to the customer: offered, accepted with F4, saved and checked.
        driver = b"printer driver " * 5000
        offered = await rep.http.post(
            f"/api/sessions/{session}/files",
            params={"name": "driver.bin", "to": "customer"},
            content=driver,
        )
        assert offered.status_code == 201
        await terminal.shows("waiting for you")
        terminal.keys("F4")
        await terminal.shows("Saved driver.bin as")
        assert (downloads / "driver.bin").read_bytes() == driver
        await console.wait_event(
            session, lambda e: e["body"].get("action") == "file_completed", "received"
        )

        # A file from the customer: its path typed after F3.
        photo = tmp_path / "test page.jpg"
        photo.write_bytes(os.urandom(150_000))
        terminal.keys("F3")
        await terminal.shows("Send a file to the representatives")
        terminal.type(str(photo))
        terminal.keys("Enter")
        offer = await console.wait_event(
            session,
            lambda e: (
                e["body"].get("action") == "file_offered"
                and e["body"].get("name") == "test page.jpg"
            ),
            "the customer's file",
        )
        assert offer["body"]["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()

        # And one from a second command while the agent runs.
        log = tmp_path / "cups.log"
        log.write_text("E [03/Dec/2026] Unable to print\n")
        sender = await asyncio.create_subprocess_exec(
            HELPLINE, "agent", "send", str(log), env=env, stdout=PIPE, stderr=PIPE
        )
        out, err = await sender.communicate()
        assert sender.returncode == 0, err.decode()
        assert f"Sent cups.log to the representatives of session {session}" in out.decode()
        await console.wait_event(
            session, lambda e: e["body"].get("name") == "cups.log", "the file sent by command"
        )
        await terminal.shows("Dana offered the file cups.log")

        # Save chat log.
        terminal.keys("F2")
        await terminal.shows("Saved the chat log as")
        saved = (downloads / "chatlog.txt").read_text()
        assert saved.startswith("Helpline chat log\n")
        assert "Dana: The printer prints blank pages" in saved

        # End, after confirming; then quit.
        terminal.keys("F10")
        await terminal.shows("End this session?")
        terminal.keys("y")
        await console.wait_event(session, lambda e: e["body"].get("action") == "ended", "end")
        await terminal.shows(f"Session {session} ended.")
        # The note of the end comes before the server closes the socket, and the agent
        # forgets the session's file when it sees that close.
        await eventually(
            lambda: not list(runtime.glob("helpline/agent-*.json")), "the session's file is gone"
        )
        terminal.keys("C-q")
        screen = await terminal.shows("[exited with 0]")
        assert f"Session {session} has ended." in screen
        await console.close()
    finally:
        terminal.close()
        await rep.close()
