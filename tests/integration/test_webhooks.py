"""Webhooks, as a team's ticketing system receives them: a manager adds endpoints; a
session's start, end (with outcome, end notes and the chat log) and transfer reach
them, signed with the endpoint's secret; a failing endpoint is tried again until it
answers, a hanging one never holds up a session; the manager reads every attempt.
Against a real local HTTP receiver and a real server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from helpline.domain.webhooks import signature
from tests.support.agent import until
from tests.support.clients import Browser
from tests.support.receiver import Call, receiver
from tests.support.server import ServerProcess, running


@pytest.fixture
async def hooked(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    server = ServerProcess(
        tmp_path / "data",
        extra_env={
            "HELPLINE_WEBHOOK_TIMEOUT_SECONDS": "1",
            "HELPLINE_WEBHOOK_RETRY_SECONDS": "0.2",
        },
    )
    await server.seed()
    async with running(server) as process:
        yield process


async def add(manager: Browser, url: str, events: list[str], **more: Any) -> dict[str, Any]:
    made = await manager.http.post("/api/webhooks", json={"url": url, "events": events, **more})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def verified(call: Call, secret: str) -> dict[str, Any]:
    """The call's body, once its signature is checked the way a receiver checks it."""
    stamp = int(call.headers["X-Helpline-Signature"].split(",")[0].removeprefix("t="))
    assert call.headers["X-Helpline-Signature"] == signature(secret, stamp, call.body)
    body: dict[str, Any] = json.loads(call.body)
    return body


ALL = ["session.started", "session.ended", "session.transferred"]


async def settled(
    read: Callable[[], Awaitable[list[dict[str, Any]]]], state: str
) -> list[dict[str, Any]]:
    """The delivery log once its newest call is in ``state``: the server's dispatcher
    writes it after the receiver answered, so it is read again until then."""
    deadline = asyncio.get_running_loop().time() + 20
    while (rows := await read())[0]["state"] != state:
        assert asyncio.get_running_loop().time() < deadline, f"never {state}: {rows}"
        await asyncio.sleep(0.05)
    return rows


async def test_a_session_reaches_the_teams_ticketing_signed_and_retried(
    hooked: ServerProcess,
) -> None:
    alice, bob, customer = Browser(hooked), Browser(hooked), Browser(hooked)
    with receiver() as got:
        try:
            await alice.login("alice")
            await bob.login("bob")
            refused = await bob.http.post(
                "/api/webhooks", json={"url": got.url + "/ok", "events": ALL}
            )
            assert refused.status_code == 403
            bad = await alice.http.post(
                "/api/webhooks", json={"url": "javascript:alert(1)", "events": ALL}
            )
            assert bad.status_code == 422
            none = await alice.http.post("/api/webhooks", json={"url": got.url, "events": []})
            assert none.status_code == 422

            team = await add(alice, got.url + "/ok", ALL)
            flaky = await add(alice, got.url + "/flaky", ["session.ended"])
            hang = await add(alice, got.url + "/hang", ["session.started"], portal="acme")
            other_portal = await add(alice, got.url + "/ok-globex", ALL, portal="globex")
            off = await add(alice, got.url + "/ok-off", ALL)
            switch = f"/api/webhooks/{off['id']}"
            assert (await bob.http.patch(switch, json={"enabled": False})).status_code == 403
            switched = await alice.http.patch(switch, json={"enabled": False})
            assert switched.status_code == 200, switched.text
            assert switched.json()["enabled"] is False
            listed = (await alice.http.get("/api/webhooks")).json()["webhooks"]
            assert [w["id"] for w in listed] == [
                team["id"],
                flaky["id"],
                hang["id"],
                other_portal["id"],
                off["id"],
            ]
            assert [(w["portal"], w["enabled"]) for w in listed] == [
                (None, True),
                (None, True),
                ("acme", True),
                ("globex", True),
                (None, False),
            ]
            assert all("secret" not in w for w in listed)

            joined = await customer.ask_for_help("acme", "Dana", "The printer is on fire")
            session_id = joined["session"]["id"]
            chat = await customer.socket("/ws/customer")
            await chat.wait_type("welcome")
            await chat.send({"type": "subscribe", "session": session_id, "after": 0})
            assert (await bob.http.post(f"/api/sessions/{session_id}/pick-up")).status_code == 200
            await chat.say(session_id, "Smoke is coming out of it")
            ended = await bob.http.post(
                f"/api/sessions/{session_id}/end",
                json={"outcome": "resolved", "notes": "Unplugged; ordered a new fuser."},
            )
            # The hanging endpoint holds no one up: the session ended at once.
            assert ended.status_code == 200, ended.text
            await chat.close()

            await until(lambda: len(got.to("/ok")) == 2, "the start and the end")
            started, finished = (verified(c, team["secret"]) for c in got.to("/ok"))
            assert started["event"] == "session.started"
            assert started["session"]["id"] == session_id
            assert got.to("/ok")[0].headers["X-Helpline-Event"] == "session.started"
            assert finished["event"] == "session.ended"
            assert finished["session"]["outcome"] == "resolved"
            assert finished["session"]["end_notes"] == "Unplugged; ordered a new fuser."
            said = [e["body"].get("text") for e in finished["transcript"]]
            assert "Smoke is coming out of it" in said
            assert got.to("/ok-globex") == []  # another portal's endpoint hears nothing
            # A switched-off endpoint had nothing queued (queued before the answers).
            assert (await alice.http.get(f"{switch}/deliveries")).json()["deliveries"] == []

            rotated = await alice.http.post(f"/api/webhooks/{team['id']}/secret")
            assert rotated.status_code == 200, rotated.text
            assert rotated.json()["secret"] not in ("", team["secret"])
            assert (await bob.http.post(f"/api/webhooks/{team['id']}/secret")).status_code == 403

            # Failing twice, answered the third time; every attempt in the log.
            await until(lambda: len(got.to("/flaky")) == 3, "the flaky endpoint, thrice")

            async def log_of(hook: dict[str, Any]) -> list[dict[str, Any]]:
                answer = await alice.http.get(f"/api/webhooks/{hook['id']}/deliveries")
                assert answer.status_code == 200, answer.text
                rows: list[dict[str, Any]] = answer.json()["deliveries"]
                return rows

            delivered = await settled(lambda: log_of(flaky), "delivered")
            assert delivered[0]["attempts"] == 3 and delivered[0]["last_status"] == 204
            assert verified(got.to("/flaky")[-1], flaky["secret"])["event"] == "session.ended"

            await until(lambda: len(got.to("/hang")) >= 2, "the hanging endpoint, tried again")
            waiting = (await log_of(hang))[0]
            assert waiting["state"] == "pending"
            assert waiting["last_error"] == "no answer within 1 s"
            assert waiting["next_attempt_at"] is not None
            assert delivered[0]["next_attempt_at"] is None
            assert (await bob.http.get(f"/api/webhooks/{hang['id']}/deliveries")).status_code == 403

            # Switched off, its waiting call is given up at once.
            off_again = await alice.http.patch(
                f"/api/webhooks/{hang['id']}", json={"enabled": False}
            )
            assert off_again.status_code == 200, off_again.text
            given_up = (await log_of(hang))[0]
            assert (given_up["state"], given_up["last_error"]) == (
                "failed",
                "the endpoint was switched off",
            )
            assert given_up["next_attempt_at"] is None

            assert (await alice.http.delete(f"/api/webhooks/{hang['id']}")).status_code == 204
            left = (await alice.http.get("/api/webhooks")).json()["webhooks"]
            assert hang["id"] not in [w["id"] for w in left]
        finally:
            for browser in (alice, bob, customer):
                await browser.close()
