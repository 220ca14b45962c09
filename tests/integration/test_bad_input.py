"""Bad input gets a clear, typed error and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.support.clients import Browser
from tests.support.server import ServerProcess


async def _customer_in_session(browsers: Callable[[], Browser]) -> tuple[str, Browser]:
    customer = browsers()
    joined = await customer.ask_for_help("acme", "Dana", "Help")
    return joined["session"]["id"], customer


async def test_malformed_and_oversized_frames_get_typed_errors_and_the_socket_stays_open(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, customer = await _customer_in_session(browsers)
    chat = await customer.socket("/ws/customer")
    await chat.wait_type("welcome")

    await chat.send_raw("this is not json")
    assert (await chat.wait_type("error"))["code"] == "invalid_frame"
    await chat.send_raw(json.dumps({"type": "teleport"}))
    await chat.wait_for(
        lambda f: f.get("code") == "invalid_frame" and "teleport" in f["message"], "unknown type"
    )
    await chat.send_raw(
        json.dumps({"type": "send", "session": session_id, "client_id": "x" * 65, "text": "hi"})
    )
    await chat.wait_for(lambda f: f.get("code") == "invalid_input", "bad client id")
    await chat.send_raw(
        json.dumps(
            {"type": "send", "session": session_id, "client_id": "big", "text": "x" * 70_000}
        )
    )
    await chat.wait_for(
        lambda f: f.get("code") == "too_large" and "frame" in f["message"], "oversized frame"
    )
    too_long = await chat.say(session_id, "y" * 4001)
    assert too_long["code"] == "too_large" and "4000" in too_long["message"]
    empty = await chat.say(session_id, "   ")
    assert empty["code"] == "invalid_input"

    ok = await chat.say(session_id, "still here")
    assert ok["type"] == "ack"
    events = (await customer.http.get(f"/api/sessions/{session_id}/events")).json()["events"]
    assert [e["body"]["text"] for e in events if e["kind"] == "message"] == ["still here"]


async def test_a_customer_token_opens_its_own_session_only(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    own_id, customer = await _customer_in_session(browsers)
    other_id, _ = await _customer_in_session(browsers)
    chat = await customer.socket("/ws/customer")
    await chat.send({"type": "subscribe", "session": other_id, "after": 0})
    refused = await chat.wait_type("error")
    assert refused["code"] == "forbidden" and refused["session"] == other_id
    sent = await chat.say(other_id, "hello neighbour")
    assert sent["code"] == "forbidden"
    response = await customer.http.get(f"/api/sessions/{other_id}/events")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert (await customer.http.get(f"/api/sessions/{own_id}")).status_code == 200
    unknown = await customer.http.get("/api/sessions/ZZZZ-ZZZZ")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"


async def test_sockets_without_credentials_or_from_a_foreign_origin_are_refused(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"{server.ws_url}/ws/console", additional_headers={"Origin": server.base_url})
    assert refused.value.response.status_code == 403

    rep = browsers()
    await rep.login("bob")
    with pytest.raises(InvalidStatus) as foreign:
        await connect(
            f"{server.ws_url}/ws/console",
            additional_headers={"Origin": "https://evil.example", "Cookie": rep.cookie_header()},
        )
    assert foreign.value.response.status_code == 403

    with pytest.raises(InvalidStatus):
        await connect(
            f"{server.ws_url}/ws/customer",
            additional_headers={"Authorization": "Bearer not-a-real-token"},
        )

    forged = await rep.http.post("/api/codes", json={}, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403


async def test_the_desktop_agent_connects_with_a_bearer_token_and_no_origin(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    joined = await browsers().ask_for_help("acme", "Dana", "From the agent")
    socket = await connect(
        f"{server.ws_url}/ws/customer",
        additional_headers={"Authorization": f"Bearer {joined['token']}"},
    )
    welcome = json.loads(await socket.recv())
    assert welcome["type"] == "welcome" and welcome["session"]["id"] == joined["session"]["id"]
    await socket.close()


async def test_wrong_logins_and_code_guesses_are_rate_limited_per_address(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    guesser = browsers()
    statuses = []
    for attempt in range(11):
        response = await guesser.http.post(
            "/api/join", json={"code": f"{attempt:09d}", "name": "Eve"}
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [404] * 10
    assert statuses[10] == 429
    limited = await guesser.http.post("/api/join", json={"code": "000000000", "name": "Eve"})
    assert int(limited.headers["Retry-After"]) > 0
    assert "try again" in limited.json()["error"]["message"]

    statuses = []
    for _ in range(11):
        response = await guesser.http.post(
            "/api/auth/login", json={"username": "bob", "password": "wrong password"}
        )
        statuses.append(response.status_code)
    assert statuses == [401] * 10 + [429]


async def test_unknown_portals_sessions_and_bad_forms_say_what_is_wrong(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    customer = browsers()
    missing = await customer.http.post(
        "/api/portals/nope/sessions", json={"name": "D", "query": "q"}
    )
    assert missing.status_code == 404 and "nope" in missing.json()["error"]["message"]
    no_name = await customer.http.post(
        "/api/portals/acme/sessions", json={"name": " ", "query": "q"}
    )
    assert no_name.status_code == 422 and no_name.json()["error"]["code"] == "invalid_input"
    wrong_field = await customer.http.post(
        "/api/portals/acme/sessions", json={"name": "D", "query": "q", "fields": {"phone": "1"}}
    )
    assert wrong_field.status_code == 422
    garbage = await customer.http.post(
        "/api/portals/acme/sessions",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert garbage.status_code == 422 and garbage.json()["error"]["code"] == "invalid_input"
    bad_code = await customer.http.post("/api/join", json={"code": "12", "name": "D"})
    assert bad_code.status_code == 422
    assert bad_code.json()["error"]["message"] == "A session code has 9 digits."
