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


# Poison text, huge numbers, deep nesting: each frame gets its answer, the socket lives --


async def test_a_line_with_half_a_surrogate_pair_is_refused_alone_and_the_socket_stays_open(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, customer = await _customer_in_session(browsers)
    chat = await customer.socket("/ws/customer")
    await chat.wait_type("welcome")

    # json.dumps writes the lone surrogate as the escape "\ud800", as a browser would.
    refused = await chat.say(session_id, "half a pair \ud800 here", client_id="poison")
    assert refused["type"] == "error" and refused["code"] == "invalid_input"
    assert refused["client_id"] == "poison" and refused["session"] == session_id
    assert "cannot be stored" in refused["message"]
    nul = await chat.say(session_id, "a NUL \x00 here", client_id="nul")
    assert nul["code"] == "invalid_input" and nul["client_id"] == "nul"
    # A client id that cannot be stored is not echoed back (it could not be sent).
    await chat.send_raw(
        json.dumps({"type": "send", "session": session_id, "client_id": "\udfff", "text": "x"})
    )
    bad_id = await chat.wait_for(
        lambda f: f.get("code") == "invalid_input" and "client_id" not in f, "bad client id"
    )
    assert bad_id["session"] == session_id

    ok = await chat.say(session_id, "still here \U0001f600")
    assert ok["type"] == "ack" and not chat.closed.is_set()
    events = (await customer.http.get(f"/api/sessions/{session_id}/events")).json()["events"]
    assert [e["body"]["text"] for e in events if e["kind"] == "message"] == [
        "still here \U0001f600"
    ]


async def test_a_representative_s_poison_line_or_note_is_refused_and_the_console_stays_open(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, _ = await _customer_in_session(browsers)
    rep = browsers()
    await rep.login("bob")
    assert (await rep.http.post(f"/api/sessions/{session_id}/pick-up")).status_code == 200
    console = await rep.socket("/ws/console")
    await console.wait_type("welcome")
    await console.follow(session_id)

    line = await console.say(session_id, "\udc00", client_id="line")
    note = await console.say(session_id, "note \ud800", client_id="note", kind="note")
    assert (line["code"], note["code"]) == ("invalid_input", "invalid_input")
    assert (await console.say(session_id, "fine"))["type"] == "ack"


async def test_huge_numbers_and_deep_nesting_in_frames_are_invalid_frames_and_the_socket_stays_open(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, customer = await _customer_in_session(browsers)
    chat = await customer.socket("/ws/customer")
    await chat.wait_type("welcome")

    for after in (2**63, 2**64, 10**30, -1):
        await chat.send({"type": "subscribe", "session": session_id, "after": after})
        refused = await chat.wait_for(
            lambda f: f.get("code") == "invalid_frame" and f.get("session") == session_id,
            f"a refusal of after={after}",
        )
        assert "after" in refused["message"]
        chat.frames.clear()
    await chat.send_raw("[" * 30_000 + "]" * 30_000)
    deep = await chat.wait_type("error")
    assert deep["code"] == "invalid_frame" and "nested" in deep["message"]
    await chat.send_raw('{"type": "ping", "x": ' + "[" * 30_000 + "]" * 30_000 + "}")
    assert await chat.wait_for(lambda f: f.get("code") == "invalid_frame", "deep ping")

    await chat.send({"type": "subscribe", "session": session_id, "after": 2**63 - 1})
    subscribed = await chat.wait_type("subscribed")
    assert subscribed["session"]["id"] == session_id
    assert not chat.closed.is_set()


async def test_a_huge_after_on_the_events_route_is_refused_with_422(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, customer = await _customer_in_session(browsers)
    for after in (2**63, 2**64, 10**40):
        response = await customer.http.get(f"/api/sessions/{session_id}/events?after={after}")
        assert response.status_code == 422, (after, response.text)
        assert response.json()["error"]["code"] == "invalid_input"
    largest = await customer.http.get(f"/api/sessions/{session_id}/events?after={2**63 - 1}")
    assert largest.status_code == 200 and largest.json() == {"events": []}


async def test_bodies_that_cannot_be_stored_or_nest_too_deeply_are_refused_with_422(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    customer = browsers()
    for name in ("Dana \ud800", "Dana \x00"):
        response = await customer.http.post(
            "/api/portals/acme/sessions",
            content=json.dumps({"name": name, "query": "q"}),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "invalid_input" and "cannot be stored" in error["message"]
    deep = await customer.http.post(
        "/api/portals/acme/sessions",
        content=b"[" * 30_000 + b"]" * 30_000,
        headers={"Content-Type": "application/json"},
    )
    assert deep.status_code == 422 and "nested" in deep.json()["error"]["message"]
    fine = await customer.http.post(
        "/api/portals/acme/sessions",
        content=json.dumps({"name": "Dana \U0001f600", "query": "q"}),
        headers={"Content-Type": "application/json"},
    )
    assert fine.status_code == 201


async def test_ids_too_large_for_the_database_answer_422_and_the_largest_one_404(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    """Issue #17 item 1: every route with an integer id in its path or body."""
    manager = browsers()
    await manager.login("alice")
    made = await manager.http.post(
        "/api/scripts/categories", json={"kind": "message", "team": False, "name": "Mine"}
    )
    category = made.json()["id"]
    script = {"title": "t", "text": "x"}

    def routes(n: int) -> list[tuple[str, str, object]]:
        return [
            ("POST", f"/api/invitations/{n}/accept", None),
            ("POST", f"/api/invitations/{n}/decline", None),
            ("PATCH", f"/api/scripts/categories/{n}", {"name": "x"}),
            ("DELETE", f"/api/scripts/categories/{n}", None),
            ("POST", f"/api/scripts/categories/{n}/scripts", script),
            ("POST", f"/api/scripts/categories/{n}/order", {"ids": [1]}),
            ("PATCH", f"/api/scripts/{n}", script),
            ("DELETE", f"/api/scripts/{n}", None),
            ("POST", f"/api/files/{n}/accept", None),
            ("POST", f"/api/files/{n}/decline", None),
            ("POST", f"/api/files/{n}/completed", None),
            ("GET", f"/api/files/{n}", None),
        ]

    async def answer(method: str, path: str, body: object) -> tuple[int, str]:
        response = await manager.http.request(method, path, json=body)
        return response.status_code, response.json()["error"]["code"]

    for huge in (2**63, 2**64, 10**30):
        for method, path, body in routes(huge):
            assert await answer(method, path, body) == (422, "invalid_input"), (method, path)
        for path, body in (
            ("/api/scripts/categories/order", {"kind": "message", "ids": [category, huge]}),
            (f"/api/scripts/categories/{category}/order", {"ids": [huge]}),
        ):
            assert await answer("POST", path, body) == (422, "invalid_input"), path
        history = await manager.http.get(f"/api/history?offset={huge}")
        assert history.status_code == 422, history.text
    for method, path, body in routes(2**63 - 1):
        status, code = await answer(method, path, body)
        assert (status, code) == (404, "not_found"), (method, path, status, code)


async def test_nul_in_an_address_is_refused_with_422(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    customer = browsers()
    for path in ("/api/portals/ac%00me", "/api/sessions/AB%00C-DEFG"):
        response = await customer.http.get(path)
        assert response.status_code == 422, (path, response.text)
        assert "cannot be stored" in response.json()["error"]["message"]
