"""A customer asks for help, a representative picks it up, and they talk."""

from __future__ import annotations

from collections.abc import Callable

from tests.support.clients import Browser
from tests.support.server import ServerProcess


async def test_customer_joins_by_portal_and_chats_with_the_representative_who_picks_up(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep, customer = browsers(), browsers()
    await rep.login("bob")
    console = await rep.socket("/ws/console")
    welcome = await console.wait_type("welcome")
    assert welcome["role"] == "representative" and welcome["queue"] == []

    joined = await customer.ask_for_help("acme", "Dana", "My printer is on fire")
    session_id = joined["session"]["id"]
    assert joined["session"]["status"] == "waiting"
    queued = await console.wait_type("queue", action="added")
    assert queued["session"]["id"] == session_id
    assert queued["session"]["query"] == "My printer is on fire"

    chat = await customer.socket("/ws/customer")
    assert (await chat.wait_type("welcome"))["session"]["id"] == session_id
    await chat.send({"type": "subscribe", "session": session_id, "after": 0})
    await chat.wait_event(
        session_id, lambda e: e["body"].get("action") == "customer_joined", "joined note"
    )

    picked = await rep.http.post(f"/api/sessions/{session_id}/pick-up")
    assert picked.status_code == 200, picked.text
    assigned = await console.wait_type("assigned")
    assert assigned["session"]["id"] == session_id
    await console.wait_type("queue", action="removed")
    await console.follow(session_id)

    await chat.wait_event(
        session_id, lambda e: e["body"].get("action") == "picked_up", "pick-up note"
    )
    update = await chat.wait_type("session")
    assert update["session"]["status"] == "active"
    assert [a["name"] for a in update["session"]["attendees"]] == ["Bob Chen"]

    ack = await chat.say(session_id, "Hello, anyone there?")
    assert ack["type"] == "ack" and ack["seq"] > 0
    line = await console.wait_event(
        session_id, lambda e: e["body"].get("text") == "Hello, anyone there?", "customer line"
    )
    assert line["author"] == {"kind": "customer", "name": "Dana"}

    reply = await console.say(session_id, "Yes, Bob here.")
    assert reply["type"] == "ack"
    seen = await chat.wait_event(
        session_id, lambda e: e["body"].get("text") == "Yes, Bob here.", "rep line"
    )
    assert seen["author"] == {"kind": "representative", "name": "Bob Chen"}
    assert "internal" not in seen

    # Each side received each event exactly once, in order.
    for peer in (chat, console):
        seqs = [e["seq"] for e in peer.events(session_id)]
        assert seqs == sorted(set(seqs))

    await console.close()
    await chat.close()


async def test_customer_with_a_session_code_lands_in_that_representatives_session(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep, customer = browsers(), browsers()
    await rep.login("carol")
    console = await rep.socket("/ws/console")
    await console.wait_type("welcome")

    created = await rep.http.post("/api/codes", json={})
    assert created.status_code == 201, created.text
    code = created.json()
    assert len(code["code"]) == 9 and code["join_url"].endswith(f"/join/{code['code']}")

    spaced = f"{code['code'][:3]} {code['code'][3:6]} {code['code'][6:]}"
    joined = await customer.http.post("/api/join", json={"code": spaced, "name": "Eve"})
    assert joined.status_code == 201, joined.text
    session = joined.json()["session"]
    assert session["status"] == "active"
    assert [a["name"] for a in session["attendees"]] == ["Carol Diaz"]

    assigned = await console.wait_type("assigned")
    assert assigned["session"]["id"] == session["id"]
    assert assigned["session"]["customer"]["name"] == "Eve"

    again = await browsers().http.post("/api/join", json={"code": code["code"], "name": "Mallory"})
    assert again.status_code == 410
    assert again.json()["error"]["code"] == "expired"
    assert (await rep.http.get("/api/codes")).json()["codes"] == []
    await console.close()


async def test_the_operating_system_and_browser_come_from_the_user_agent(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    customer = browsers()
    response = await customer.http.post(
        "/api/portals/acme/sessions",
        json={"name": "Dana", "query": "Hi"},
        headers={
            "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
        },
    )
    assert response.json()["session"]["customer"] == {
        "name": "Dana",
        "os": "Windows 10",
        "browser": "Chrome 131",
        "kernel": "",
        "arch": "",
        "host": "",
        "user": "",
        "app": "browser",
        "online": False,
    }
    reported = await browsers().http.post(
        "/api/portals/acme/sessions",
        json={"name": "Dana", "query": "Hi", "client": {"os": "Windows 11 Pro 24H2"}},
    )
    assert reported.json()["session"]["customer"]["os"] == "Windows 11 Pro 24H2"
