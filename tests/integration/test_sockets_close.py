"""Sockets close when their representative logs out or their session ends."""

from __future__ import annotations

from collections.abc import Callable

from tests.support.clients import Browser, picked_up
from tests.support.server import ServerProcess


async def test_logging_out_closes_that_logins_console_sockets(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep = browsers()
    await rep.login("bob")
    console = await rep.socket("/ws/console")
    await console.wait_type("welcome")
    other_device = browsers()
    await other_device.login("bob")
    other_console = await other_device.socket("/ws/console")
    await other_console.wait_type("welcome")

    assert (await rep.http.post("/api/auth/logout")).status_code == 204
    assert await console.wait_closed() == 4001
    assert (await rep.http.get("/api/me")).status_code == 401
    await other_console.send({"type": "ping"})
    await other_console.wait_type("pong")
    await other_console.close()


async def test_ending_the_session_tells_everyone_and_closes_the_customers_socket(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, rep, console, _customer, chat = await picked_up(browsers)

    ended = await rep.http.post(f"/api/sessions/{session_id}/end")
    assert ended.status_code == 200 and ended.json()["session"]["status"] == "ended"
    note = await chat.wait_event(
        session_id, lambda e: e["body"].get("action") == "ended", "ended note"
    )
    assert note["body"]["text"] == "The session was ended by Bob Chen."
    final = await chat.wait_for(
        lambda f: f.get("type") == "session" and f["session"]["status"] == "ended", "ended state"
    )
    assert final["session"]["ended_by"] == "Bob Chen"
    assert await chat.wait_closed() == 4002
    await console.wait_for(
        lambda f: f.get("type") == "session" and f["session"]["status"] == "ended", "ended state"
    )

    late = await console.say(session_id, "anyone?")
    assert late["code"] == "session_ended"
    await console.close()
