"""Only the people in a session act on it; one who left hears no more of it; a
customer's link reads, and only for a while, once the session is over."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.support.clients import Browser
from tests.support.server import ServerProcess, running


async def _session_with_a_customer_file(
    browsers: Callable[[], Browser], pick_up: bool = True
) -> tuple[str, Browser, Browser, int]:
    bob, customer = browsers(), browsers()
    await bob.login("bob")
    session_id = (await customer.ask_for_help("acme", "Dana", "Printer"))["session"]["id"]
    if pick_up:
        assert (await bob.http.post(f"/api/sessions/{session_id}/pick-up")).status_code == 200
    sent = await customer.http.post(
        f"/api/sessions/{session_id}/files", params={"name": "log.txt"}, content=b"log"
    )
    assert sent.status_code == 201, sent.text
    return session_id, bob, customer, sent.json()["file"]["id"]


async def _joins_and_leaves(
    browsers: Callable[[], Browser], bob: Browser, session_id: str
) -> Browser:
    """Carol, brought into the session by Bob, leaves it again."""
    carol = browsers()
    await carol.login("carol")
    added = await bob.http.post(
        f"/api/sessions/{session_id}/attendees", json={"username": "carol", "masked": False}
    )
    assert added.status_code == 200, added.text
    assert (await carol.http.post(f"/api/sessions/{session_id}/leave")).status_code == 200
    return carol


async def _log_length(reader: Browser, session_id: str) -> int:
    events = await reader.http.get(f"/api/sessions/{session_id}/events?after=0")
    assert events.status_code == 200, events.text
    return len(events.json()["events"])


async def _cannot_touch_the_file(outsider: Browser, file_id: int) -> None:
    for answer in ("accept", "decline", "completed"):
        response = await outsider.http.post(f"/api/files/{file_id}/{answer}")
        assert response.status_code == 403, (answer, response.text)
        assert response.json()["error"]["code"] == "forbidden"


async def test_a_manager_who_is_not_in_the_session_cannot_answer_its_files(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, bob, _customer, file_id = await _session_with_a_customer_file(browsers)
    alice = browsers()
    assert (await alice.login("alice"))["role"] == "manager"
    before = await _log_length(bob, session_id)

    await _cannot_touch_the_file(alice, file_id)

    assert await _log_length(bob, session_id) == before
    files = (await bob.http.get(f"/api/sessions/{session_id}/files")).json()["files"]
    assert [f["state"] for f in files] == ["offered"]


async def test_a_portal_member_looking_at_a_waiting_session_cannot_answer_its_files(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, bob, _customer, file_id = await _session_with_a_customer_file(
        browsers, pick_up=False
    )
    before = await _log_length(bob, session_id)

    await _cannot_touch_the_file(bob, file_id)

    assert await _log_length(bob, session_id) == before


async def test_a_representative_who_left_hears_and_touches_nothing_more(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, bob, _customer, file_id = await _session_with_a_customer_file(browsers)
    carol = await _joins_and_leaves(browsers, bob, session_id)

    await _cannot_touch_the_file(carol, file_id)
    for tail in ("/events?after=0", "/transcript.txt", "/transcript.json", "", "/files"):
        response = await carol.http.get(f"/api/sessions/{session_id}{tail}")
        assert response.status_code == 403, (tail, response.text)
    console = await carol.socket("/ws/console")
    await console.send({"type": "subscribe", "session": session_id, "after": 0})
    refused = await console.wait_type("error")
    assert refused["code"] == "forbidden"
    await console.close()


async def test_a_representative_refused_a_session_hears_nothing_of_it_until_let_back_in(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, bob, _customer, _file_id = await _session_with_a_customer_file(browsers)
    carol = await _joins_and_leaves(browsers, bob, session_id)
    bobs = await bob.socket("/ws/console")
    await bobs.follow(session_id)
    carols = await carol.socket("/ws/console")
    await carols.wait_type("welcome")

    await carols.send({"type": "subscribe", "session": session_id, "after": 0})
    assert (await carols.wait_type("error"))["code"] == "forbidden"
    said = await bobs.say(session_id, "Only for those in the session")
    assert said["type"] == "ack", said
    added = await bob.http.post(
        f"/api/sessions/{session_id}/attendees", json={"username": "carol", "masked": False}
    )
    assert added.status_code == 200, added.text

    # Bob's line was published before Carol was let back in, on the same bus: had her
    # refused subscribe left her following the session, it would have come first.
    assigned = await carols.wait_type("assigned")
    before = carols.frames[: carols.frames.index(assigned)]
    assert [f for f in before if f.get("session") == session_id and f["type"] != "error"] == []
    assert [f["type"] for f in before if f["type"] == "subscribed"] == []
    await carols.follow(session_id)
    await carols.wait_event(
        session_id, lambda e: e["body"].get("text") == "Only for those in the session", "the line"
    )
    await carols.close()
    await bobs.close()


async def test_who_was_there_at_the_end_still_reads_the_log_and_who_left_does_not(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, bob, _customer, _file_id = await _session_with_a_customer_file(browsers)
    carol = await _joins_and_leaves(browsers, bob, session_id)
    assert (await bob.http.post(f"/api/sessions/{session_id}/end", json={})).status_code == 200

    assert (await bob.http.get(f"/api/sessions/{session_id}/transcript.txt")).status_code == 200
    assert (await carol.http.get(f"/api/sessions/{session_id}/transcript.txt")).status_code == 403


async def test_after_the_end_the_customer_can_save_the_chat_log_but_not_write(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    session_id, bob, customer, _file_id = await _session_with_a_customer_file(browsers)
    assert (await bob.http.post(f"/api/sessions/{session_id}/end", json={})).status_code == 200

    log = await customer.http.get(f"/api/sessions/{session_id}/transcript.txt")
    assert log.status_code == 200 and "The session was ended by Bob Chen." in log.text
    upload = await customer.http.post(
        f"/api/sessions/{session_id}/files", params={"name": "late.txt"}, content=b"late"
    )
    assert upload.status_code == 409, upload.text
    assert upload.json()["error"]["code"] == "session_ended"
    again = await customer.http.post(f"/api/sessions/{session_id}/end")
    assert again.json()["error"]["code"] == "session_ended"


@pytest.fixture
async def no_reading_after_the_end(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(
        tmp_path / "data", extra_env={"HELPLINE_CUSTOMER_READ_AFTER_END_SECONDS": "0"}
    )
    async with running(process) as started:
        yield started


async def test_the_customers_link_stops_working_when_the_reading_time_is_over(
    no_reading_after_the_end: ServerProcess,
) -> None:
    bob, customer = Browser(no_reading_after_the_end), Browser(no_reading_after_the_end)
    try:
        await bob.login("bob")
        session_id = (await customer.ask_for_help("acme", "Dana", "Printer"))["session"]["id"]
        assert (await bob.http.post(f"/api/sessions/{session_id}/pick-up")).status_code == 200
        assert (await customer.http.get(f"/api/sessions/{session_id}")).status_code == 200
        assert (await bob.http.post(f"/api/sessions/{session_id}/end", json={})).status_code == 200

        expired = await customer.http.get(f"/api/sessions/{session_id}/transcript.txt")
        assert expired.status_code == 401, expired.text
    finally:
        await bob.close()
        await customer.close()
