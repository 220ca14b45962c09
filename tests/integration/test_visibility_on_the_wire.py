"""The customer's socket never carries a private line, a note or a masked representative."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.support.clients import Browser, picked_up
from tests.support.server import ServerProcess


async def test_private_lines_notes_and_masked_colleagues_stay_off_the_customers_socket(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, bob, bob_console, customer, chat = await picked_up(browsers)
    alice = browsers()
    me = await alice.login("alice")
    alice_console = await alice.socket("/ws/console")
    await alice_console.wait_type("welcome")
    added = await bob.http.post(
        f"/api/sessions/{session_id}/attendees", json={"username": "alice", "masked": True}
    )
    assert added.status_code == 200, added.text
    await alice_console.wait_type("assigned")
    await alice_console.follow(session_id)

    assert (await bob_console.say(session_id, "Checking the logs", to="representatives"))[
        "type"
    ] == "ack"
    assert (await bob_console.say(session_id, "Psst Alice", to=me["id"]))["type"] == "ack"
    assert (await bob_console.say(session_id, "Customer is on Windows 7", kind="note"))[
        "type"
    ] == "ack"
    assert (await alice_console.say(session_id, "Masked hello to everyone"))["type"] == "ack"
    assert (await bob_console.say(session_id, "Public line"))["type"] == "ack"

    await chat.wait_event(
        session_id, lambda e: e["body"].get("text") == "Public line", "public line"
    )
    private = await alice_console.wait_event(
        session_id, lambda e: e["body"].get("text") == "Psst Alice", "private line"
    )
    assert private["audience"] == "one" and private["to"] == {
        "id": me["id"],
        "name": "Alice Martin",
    }
    await bob_console.wait_event(
        session_id, lambda e: e["body"].get("text") == "Masked hello to everyone", "masked line"
    )

    everything_the_customer_got = json.dumps(chat.frames)
    for secret in (
        "Checking the logs",
        "Psst Alice",
        "Windows 7",
        "Masked hello",
        "Alice",
        "masked",
    ):
        assert secret not in everything_the_customer_got

    details = (await customer.http.get(f"/api/sessions/{session_id}")).json()["session"]
    assert details["attendees"] == [{"name": "Bob Chen", "role": "primary"}]
    customer_log = (await customer.http.get(f"/api/sessions/{session_id}/transcript.txt")).text
    rep_log = (await bob.http.get(f"/api/sessions/{session_id}/transcript.txt")).text
    assert "Public line" in customer_log and "Public line" in rep_log
    for secret in ("Checking the logs", "Psst Alice", "Windows 7", "Masked hello", "Alice"):
        assert secret not in customer_log
        assert secret in rep_log
    rep_view = (await bob.http.get(f"/api/sessions/{session_id}")).json()["session"]
    assert {(a["name"], a["masked"]) for a in rep_view["attendees"]} == {
        ("Bob Chen", False),
        ("Alice Martin", True),
    }


async def test_a_representative_does_not_see_other_pairs_private_lines(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, bob, bob_console, _customer, _chat = await picked_up(browsers)
    ids = {}
    consoles = {}
    for name in ("alice", "carol"):
        browser = browsers()
        ids[name] = (await browser.login(name))["id"]
        added = await bob.http.post(
            f"/api/sessions/{session_id}/attendees", json={"username": name, "masked": False}
        )
        assert added.status_code == 200
        consoles[name] = await browser.socket("/ws/console")
        await consoles[name].follow(session_id)
    await bob_console.say(session_id, "For Alice only", to=ids["alice"])
    await bob_console.say(session_id, "For everyone")
    await consoles["carol"].wait_event(
        session_id, lambda e: e["body"].get("text") == "For everyone", "public line"
    )
    await consoles["alice"].wait_event(
        session_id, lambda e: e["body"].get("text") == "For Alice only", "private line"
    )
    assert "For Alice only" not in json.dumps(consoles["carol"].frames)


async def test_customers_cannot_write_notes_or_private_lines(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, bob, _console, _customer, chat = await picked_up(browsers)
    note = await chat.say(session_id, "I am a note", kind="note")
    assert note["type"] == "error" and note["code"] == "forbidden"
    private = await chat.say(session_id, "to reps", to="representatives")
    assert private["type"] == "error" and private["code"] == "forbidden"
    rep_log = (await bob.http.get(f"/api/sessions/{session_id}/transcript.txt")).text
    assert "I am a note" not in rep_log and "to reps" not in rep_log
