"""The customer's screen from the agent, on a real (virtual) display: Xvfb.

The representative asks, the customer allows in the app, a thumbnail reaches the
representative's console socket, a Viewer window gets frames at five a second or
more, and stopping says so in the log.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpline.agent.screen import THUMBNAIL, VIEWER_EVERY_SECONDS, VIEWER_FRAME, has_display
from tests.conftest import require_program
from tests.support.agent_app import app_for, until
from tests.support.clients import Browser, Peer
from tests.support.server import ServerProcess

pytestmark = pytest.mark.xvfb
XVFB_INSTALL = "apt-get install -y xvfb"


@pytest.fixture
def display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh X display; Xvfb says its number on a pipe once it accepts clients."""
    xvfb = require_program("Xvfb", XVFB_INSTALL)
    reader, writer = os.pipe()
    process = subprocess.Popen(
        [xvfb, "-displayfd", str(writer), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
        pass_fds=(writer,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(writer)
    try:
        with os.fdopen(reader) as ready:
            number = ready.readline().strip()
        assert number, "Xvfb did not start"
        monkeypatch.setenv("DISPLAY", f":{number}")
        yield f":{number}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def frames(peer: Peer, kind: int) -> list[dict[str, object]]:
    """The headers of the screen frames of one kind the peer received."""
    found = []
    for data in list(peer.binary):
        if data[0] == kind:
            (length,) = struct.unpack_from(">H", data, 1)
            header = json.loads(data[3 : 3 + length])
            assert data[3 + length : 3 + length + 3] == b"\xff\xd8\xff"  # a JPEG
            found.append(header)
    return found


def test_a_display_is_found_only_where_there_is_one(
    display: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert has_display()
    monkeypatch.delenv("DISPLAY")
    assert not has_display()


async def test_allowed_in_the_app_the_screen_reaches_the_representative(
    display: str,
    shared_server: ServerProcess,
    carol: Browser,
    tmp_path: Path,
) -> None:
    async with app_for(shared_server.base_url, carol, tmp_path) as (app, pilot, console):
        session = app.agent.id
        asked = await carol.http.post(f"/api/sessions/{session}/screen/request")
        assert asked.status_code == 201
        await until(pilot, lambda: app.agent.waiting_consent() is not None, "the question")
        await pilot.press("y")
        await console.wait_event(
            session, lambda e: e["body"].get("action") == "screen_started", "sharing started"
        )
        await until(pilot, lambda: frames(console, THUMBNAIL), "a thumbnail")
        thumbnail = frames(console, THUMBNAIL)[0]
        assert thumbnail == {"session": session, "width": 320, "height": 180}

        await console.send({"type": "watch", "session": session})
        await until(pilot, lambda: frames(console, VIEWER_FRAME), "the first viewer frame")
        first = len(frames(console, VIEWER_FRAME))
        # The viewer keeps streaming. How fast is the agent's schedule (six a second,
        # at least five); a rate measured here would only measure a busy test machine.
        await until(pilot, lambda: len(frames(console, VIEWER_FRAME)) >= first + 10, "ten more")
        assert 1 / VIEWER_EVERY_SECONDS >= 5
        assert frames(console, VIEWER_FRAME)[0]["width"] == 1280

        await pilot.press("f8")
        await console.wait_event(
            session, lambda e: e["body"].get("action") == "screen_stopped", "sharing stopped"
        )
        assert "You stopped sharing your screen." in "\n".join(app.lines)
