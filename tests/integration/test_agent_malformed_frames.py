"""A server that sends the agent malformed frames: each is logged with what is wrong,
nothing of it is handled, and the socket goes on with the next frame.

The server here is a plain WebSocket server on a free port that says a fixed script,
since Helpline's own server never sends such frames.
"""

from __future__ import annotations

import asyncio
import logging

import msgspec
import pytest
from websockets.asyncio.server import ServerConnection, serve

from helpline.agent.api import Api
from helpline.agent.connection import Connection
from helpline.domain.visibility import Viewer
from helpline.protocol import server_frames as sent
from helpline.server import wire
from tests.support.agent import Recorder
from tests.support.domain import a_session
from tests.unit.test_transcript import TEAM

SESSION = "7KQM-2XPD"
EVENT = (
    '{"seq": %s, "at": "2026-12-03T09:00:00.000Z", "kind": "message", "audience": "everyone",'
    ' "author": {"kind": "representative", "name": "Bob"}, "body": {"text": "%s"}}'
)


def script() -> list[str]:
    session = wire.session_view(Viewer.customer(), a_session(), TEAM, None)
    welcome = wire.frame_text(sent.CustomerWelcome(session=session, heartbeat_seconds=25))
    return [
        welcome,
        '{"type": "event", "session": "S", "event": ' + EVENT % ('"1"', "seq as text") + "}",
        '{"type": "error", "code": "forbidden"}',
        '{"type": "ack", "session": "S", "client_id": "c1", "duplicate": false}',
        '{"type": "queue", "action": "added", "session": {}}',
        "not a frame",
        '{"type": "event", "session": "S", "event": ' + EVENT % ("2", "after them") + "}",
    ]


async def test_malformed_frames_from_the_server_are_logged_and_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    heard: list[str] = []

    async def say(socket: ServerConnection) -> None:
        welcome, *rest = script()
        await socket.send(welcome)
        # The rest once the agent subscribed, as the server does.
        heard.append(str(await socket.recv()))
        for text in rest:
            await socket.send(text)
        await socket.wait_closed()

    caplog.set_level(logging.INFO, logger="helpline.agent")
    recorder = Recorder()
    async with serve(say, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        api = Api(f"http://127.0.0.1:{port}", "a-token")
        connection = Connection(api, SESSION, recorder)
        running = asyncio.get_running_loop().create_task(connection.run())
        try:
            await recorder.wait(lambda: bool(recorder.events), "the event after the bad frames")
        finally:
            connection.stop()
            await running
            await api.aclose()
    assert recorder.welcomes == 1 and recorder.texts() == ["after them"]
    assert recorder.errors == [], "an error frame without its message was handled"
    assert msgspec.json.decode(heard[0]) == {"type": "subscribe", "session": SESSION, "after": 0}
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("helpline.agent")]
    assert len(logged) == 5, logged
    assert "`$.event.seq`" in logged[0]
    assert "`message`" in logged[1]
    assert "`seq`" in logged[2]
    assert "queue" in logged[3] and "does not read" in logged[3]
    assert "not JSON" in logged[4]
