"""The session tools over the real server: push URL, invite and transfer, closing,
greetings, scripts, transcripts and history."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.support.clients import Browser, picked_up
from tests.support.server import ServerProcess


async def test_a_pushed_url_reaches_the_customer_and_bad_ones_are_refused(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, rep, _console, _customer, chat = await picked_up(browsers)
    pushed = await rep.http.post(
        f"/api/sessions/{session_id}/push-url", json={"url": "https://example.com/help?a=1"}
    )
    assert pushed.status_code == 200, pushed.text
    event = await chat.wait_event(
        session_id, lambda e: e["body"].get("action") == "url_pushed", "pushed url"
    )
    assert event["body"]["url"] == "https://example.com/help?a=1"
    assert event["body"]["text"] == "Bob Chen pushed https://example.com/help?a=1"

    for bad in (
        "javascript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
        "https://",
        "not a url",
        "https://example.com/" + "a" * 2048,
    ):
        refused = await rep.http.post(f"/api/sessions/{session_id}/push-url", json={"url": bad})
        assert refused.status_code == 422, bad
        assert refused.json()["error"]["code"] == "invalid_input"
    log = (await rep.http.get(f"/api/sessions/{session_id}/events")).json()["events"]
    assert [e["body"]["url"] for e in log if e["body"].get("action") == "url_pushed"] == [
        "https://example.com/help?a=1"
    ]


async def test_an_invited_representative_accepts_and_joins_masked(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, bob, _bob_console, customer, chat = await picked_up(browsers)
    alice = browsers()
    await alice.login("alice")
    alice_console = await alice.socket("/ws/console")
    await alice_console.wait_type("welcome")

    offered = await bob.http.post(
        f"/api/sessions/{session_id}/invitations",
        json={"kind": "invite", "username": "alice", "masked": True, "comment": "VIP customer"},
    )
    assert offered.status_code == 201, offered.text
    alert = await alice_console.wait_type("invitation")
    assert alert["invitation"]["comment"] == "VIP customer"
    assert alert["invitation"]["masked"] is True

    accepted = await alice.http.post(f"/api/invitations/{alert['invitation']['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    await alice_console.wait_type("invitation_closed", id=alert["invitation"]["id"])
    assert (await alice_console.wait_type("assigned"))["session"]["id"] == session_id
    again = await alice.http.post(f"/api/invitations/{alert['invitation']['id']}/accept")
    assert again.status_code in (404, 409)

    await alice_console.follow(session_id)
    assert (await alice_console.say(session_id, "I am watching"))["type"] == "ack"
    await chat.say(session_id, "done")
    everything = json.dumps(chat.frames)
    for secret in ("Alice", "VIP customer", "I am watching", "invited"):
        assert secret not in everything
    details = (await customer.http.get(f"/api/sessions/{session_id}")).json()["session"]
    assert [a["name"] for a in details["attendees"]] == ["Bob Chen"]


async def test_a_portal_invitation_goes_to_the_first_who_accepts(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, bob, _console, _customer, _chat = await picked_up(browsers)
    alice, carol = browsers(), browsers()
    await alice.login("alice")
    await carol.login("carol")
    offered = await bob.http.post(
        f"/api/sessions/{session_id}/invitations", json={"kind": "invite", "portal": "acme"}
    )
    assert offered.status_code == 201, offered.text
    invitation_id = offered.json()["invitation"]["id"]
    assert [i["id"] for i in (await alice.http.get("/api/invitations")).json()["invitations"]] == [
        invitation_id
    ]
    declined = await carol.http.post(f"/api/invitations/{invitation_id}/decline")
    assert declined.status_code == 204
    first = await alice.http.post(f"/api/invitations/{invitation_id}/accept")
    second = await carol.http.post(f"/api/invitations/{invitation_id}/accept")
    assert first.status_code == 200 and second.status_code == 409
    assert (await carol.http.get("/api/invitations")).json()["invitations"] == []


async def test_a_transfer_hands_the_whole_history_to_the_new_primary(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, bob, bob_console, _customer, chat = await picked_up(browsers)
    await chat.say(session_id, "my printer is jammed")
    carol = browsers()
    await carol.login("carol")
    offered = await bob.http.post(
        f"/api/sessions/{session_id}/invitations",
        json={"kind": "transfer", "username": "carol", "comment": "needs hardware team"},
    )
    assert offered.status_code == 201, offered.text
    accepted = await carol.http.post(
        f"/api/invitations/{offered.json()['invitation']['id']}/accept"
    )
    assert accepted.status_code == 200, accepted.text
    roles = {a["name"]: (a["role"], a["present"]) for a in accepted.json()["session"]["attendees"]}
    assert roles == {"Carol Diaz": ("primary", True), "Bob Chen": ("invited", False)}

    note = await chat.wait_event(
        session_id, lambda e: e["body"].get("action") == "transferred", "transfer note"
    )
    assert note["body"]["text"] == "Carol Diaz took over the session from Bob Chen."
    left = await bob_console.wait_for(
        lambda f: (
            f.get("type") == "session"
            and any(a["name"] == "Bob Chen" and not a["present"] for a in f["session"]["attendees"])
        ),
        "bob has left",
    )
    assert left["session"]["status"] == "active"

    history = (await carol.http.get(f"/api/sessions/{session_id}/events")).json()["events"]
    assert "my printer is jammed" in [e["body"].get("text") for e in history]
    # Bob handed the session over: he reads and writes nothing more of it.
    assert (await bob.http.get(f"/api/sessions/{session_id}/events")).status_code == 403
    late = await bob_console.say(session_id, "still here?")
    assert late["code"] == "forbidden"


async def test_closing_records_the_outcome_and_notes_for_representatives_only(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, bob, _console, customer, chat = await picked_up(browsers)
    closed = await bob.http.post(
        f"/api/sessions/{session_id}/end",
        json={"outcome": "resolved", "notes": "Replaced the toner"},
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["session"]["outcome"] == "resolved"
    assert closed.json()["session"]["end_notes"] == "Replaced the toner"
    assert await chat.wait_closed() == 4002
    customer_view = (await customer.http.get(f"/api/sessions/{session_id}")).json()["session"]
    assert customer_view["ended_by"] == "Bob Chen"
    assert "outcome" not in customer_view and "Replaced" not in json.dumps(customer_view)
    customer_json = (await customer.http.get(f"/api/sessions/{session_id}/transcript.json")).text
    assert "Replaced the toner" not in customer_json
    rep_json = (await bob.http.get(f"/api/sessions/{session_id}/transcript.json")).json()
    assert rep_json["session"]["outcome"] == "resolved"


async def test_the_greeting_of_the_portal_or_the_team_is_sent_on_pick_up(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    alice = browsers()
    await alice.login("alice")
    team = await alice.http.put(
        "/api/team/greeting", json={"text": "Hi {customer.name}, {representative.name} here."}
    )
    assert team.status_code == 200
    too_long = await alice.http.put("/api/team/greeting", json={"text": "x" * 1001})
    assert too_long.status_code == 422
    bob_only = browsers()
    await bob_only.login("bob")
    assert (await bob_only.http.put("/api/team/greeting", json={"text": "no"})).status_code == 403

    session_id, _bob, _console, _customer, chat = await picked_up(browsers)
    greeting = await chat.wait_event(
        session_id, lambda e: e["body"].get("greeting") is True, "greeting"
    )
    assert greeting["body"]["text"] == "Hi Dana, Bob Chen here."
    assert greeting["author"]["name"] == "Bob Chen"

    portal = await alice.http.put(
        "/api/portals/acme/greeting", json={"text": "Welcome to Acme, {customer.name}!"}
    )
    assert portal.status_code == 200
    session_id, _bob, _console, _customer, chat = await picked_up(browsers)
    greeting = await chat.wait_event(
        session_id, lambda e: e["body"].get("greeting") is True, "greeting"
    )
    assert greeting["body"]["text"] == "Welcome to Acme, Dana!"


async def test_managers_keep_team_scripts_and_everyone_keeps_personal_ones(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    alice, bob = browsers(), browsers()
    await alice.login("alice")
    await bob.login("bob")
    team = await alice.http.post(
        "/api/scripts/categories", json={"kind": "message", "team": True, "name": "Openers"}
    )
    assert team.status_code == 201, team.text
    category = team.json()["id"]
    first = await alice.http.post(
        f"/api/scripts/categories/{category}/scripts",
        json={"title": "Hello", "text": "Hello {customer.name}, I am {representative.name}."},
    )
    second = await alice.http.post(
        f"/api/scripts/categories/{category}/scripts", json={"title": "Bye", "text": "Goodbye!"}
    )
    assert first.status_code == 201 and second.status_code == 201
    reorder = await alice.http.post(
        f"/api/scripts/categories/{category}/order",
        json={"ids": [second.json()["id"], first.json()["id"]]},
    )
    assert reorder.status_code == 204
    assert (
        await bob.http.post(
            "/api/scripts/categories", json={"kind": "message", "team": True, "name": "X"}
        )
    ).status_code == 403
    assert (
        await bob.http.patch(f"/api/scripts/{first.json()['id']}", json={"title": "t", "text": "x"})
    ).status_code == 403
    mine = await bob.http.post(
        "/api/scripts/categories", json={"kind": "message", "team": False, "name": "Mine"}
    )
    assert mine.status_code == 201
    listing = (await bob.http.get("/api/scripts?kind=message")).json()["categories"]
    assert [(c["name"], c["team"], c["editable"]) for c in listing] == [
        ("Openers", True, False),
        ("Mine", False, True),
    ]
    assert [s["title"] for s in listing[0]["scripts"]] == ["Bye", "Hello"]
    assert (await alice.http.get("/api/scripts?kind=message")).json()["categories"][0]["editable"]
    assert [
        c["name"] for c in (await alice.http.get("/api/scripts?kind=message")).json()["categories"]
    ] == ["Openers"]

    urls = await alice.http.post(
        "/api/scripts/categories", json={"kind": "url", "team": True, "name": "Docs"}
    )
    bad = await alice.http.post(
        f"/api/scripts/categories/{urls.json()['id']}/scripts",
        json={"title": "x", "text": "javascript:alert(1)"},
    )
    assert bad.status_code == 422


async def test_history_finds_a_past_session_by_a_word_from_its_chat(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, bob, _console, _customer, chat = await picked_up(browsers, query="Wifi trouble")
    await chat.say(session_id, "The router blinks orange like a pumpkin")
    await bob.http.post(f"/api/sessions/{session_id}/end", json={"outcome": "unresolved"})
    other_id, _bob2, _c, _cu, _ch = await picked_up(browsers, query="Billing")
    alice = browsers()
    await alice.login("alice")
    found = (await alice.http.get("/api/history", params={"q": "pumpkin"})).json()
    assert [s["id"] for s in found["sessions"]] == [session_id] and found["total"] == 1
    assert found["sessions"][0]["outcome"] == "unresolved"
    by_outcome = (await alice.http.get("/api/history", params={"outcome": "unresolved"})).json()
    assert [s["id"] for s in by_outcome["sessions"]] == [session_id]
    by_rep = (await alice.http.get("/api/history", params={"representative": "bob"})).json()
    assert {s["id"] for s in by_rep["sessions"]} == {session_id, other_id}
    nothing = (await alice.http.get("/api/history", params={"q": '"*)(!'})).json()
    assert nothing["sessions"] == []
    assert (await bob.http.get("/api/history")).status_code == 403
    html = await alice.http.get(f"/api/sessions/{session_id}/transcript.html")
    assert html.status_code == 200 and "pumpkin" in html.text
    assert html.headers["content-disposition"] == 'attachment; filename="chatlog.html"'


async def test_an_inviter_neither_sees_nor_accepts_their_own_portal_offer(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, bob, _console, _customer, _chat = await picked_up(browsers)
    carol = browsers()
    await carol.login("carol")
    offered = await bob.http.post(
        f"/api/sessions/{session_id}/invitations", json={"kind": "invite", "portal": "acme"}
    )
    invitation_id = offered.json()["invitation"]["id"]
    assert (await bob.http.get("/api/invitations")).json()["invitations"] == []
    own = await bob.http.post(f"/api/invitations/{invitation_id}/accept")
    assert own.status_code == 409
    assert (await carol.http.post(f"/api/invitations/{invitation_id}/decline")).status_code == 204
    assert (await carol.http.get("/api/invitations")).json()["invitations"] == []
    console = await carol.socket("/ws/console")
    assert (await console.wait_type("welcome"))["invitations"] == []
    details = (await bob.http.get(f"/api/sessions/{session_id}")).json()["session"]
    assert [(a["name"], a["role"]) for a in details["attendees"]] == [("Bob Chen", "primary")]
    await console.close()


async def test_a_downloaded_transcript_verifies_and_an_edited_line_in_it_is_caught(
    shared_browsers: Callable[[], Browser], tmp_path: Path
) -> None:
    session_id, carol, console, _customer_browser, chat = await picked_up(
        shared_browsers, "carol", "Toner everywhere"
    )
    assert (await chat.say(session_id, "It is all over the carpet"))["type"] == "ack"
    note = await console.say(session_id, "Offer a vacuum cleaner", kind="note")
    assert note["type"] == "ack"
    assert (await console.say(session_id, "I will send a new cartridge"))["type"] == "ack"
    ended = await carol.http.post(f"/api/sessions/{session_id}/end", json={"outcome": "resolved"})
    assert ended.status_code == 200, ended.text
    # The server is shared: leave no socket open on it.
    await console.close()
    await chat.close()
    rep_copy = tmp_path / "rep.json"
    rep_copy.write_bytes(
        (await carol.http.get(f"/api/sessions/{session_id}/transcript.json")).content
    )
    customer_copy = tmp_path / "customer.json"
    customer_copy.write_bytes(
        (await _customer_browser.http.get(f"/api/sessions/{session_id}/transcript.json")).content
    )

    both = verify(rep_copy, customer_copy)
    assert both.returncode == 0, both.stdout + both.stderr
    whole, filtered = both.stdout.split(f"{customer_copy}: ")
    assert f"{rep_copy}: Session {session_id}: the chain holds" in whole
    assert "Left out" not in whole
    assert f"Session {session_id}: the chain holds" in filtered
    note_seq = note["seq"]
    assert f"Left out of this copy (not shown to its reader): {note_seq}." in filtered

    document = json.loads(customer_copy.read_text())
    line = next(
        e for e in document["events"] if e["body"].get("text") == "I will send a new cartridge"
    )
    line["body"]["text"] = "Buy a new printer"
    customer_copy.write_text(json.dumps(document))
    edited = verify(customer_copy)
    assert edited.returncode == 1
    assert f"event {line['seq']} was changed" in edited.stdout


def verify(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "helpline", "verify", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
