"""The customer's presence over a dropped connection, as the console shows it.

A customer whose connection drops and comes straight back (a train's Wi-Fi, a network
failure that drops thousands at once) never shows as offline; one who stays away goes
offline once the grace period is over. Real server process, real sockets.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.clients import Browser, Frame, Peer
from tests.support.server import ServerProcess, running

TOKEN = "scrape-the-sockets-4d1c"
# Long enough for the checks made inside it on a busy machine, short for the suite.
GRACE_SECONDS = 4.0


@pytest.fixture
async def graceful(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(
        tmp_path / "data",
        extra_env={
            "HELPLINE_PRESENCE_GRACE_SECONDS": str(GRACE_SECONDS),
            "HELPLINE_METRICS_TOKEN": TOKEN,
        },
    )
    async with running(process) as started:
        yield started


async def open_customer_sockets(server: ServerProcess) -> float:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        page = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    for family in text_string_to_metric_families(page.text):
        for sample in family.samples:
            if sample.name == "helpline_sockets" and sample.labels.get("kind") == "customer":
                return sample.value
    return 0.0


def presence_of(console: Peer, session_id: str) -> list[bool]:
    """Whether the customer was online, in each ``session`` frame of the session."""
    return [
        f["session"]["customer"]["online"]
        for f in console.frames
        if f.get("type") == "session" and f["session"]["id"] == session_id
    ]


def online(session_id: str, now: bool = True) -> Callable[[Frame], bool]:
    def matches(frame: Frame) -> bool:
        return (
            frame.get("type") == "session"
            and frame["session"]["id"] == session_id
            and frame["session"]["customer"]["online"] is now
        )

    return matches


async def test_a_customer_who_comes_straight_back_never_shows_as_offline(
    graceful: ServerProcess,
) -> None:
    bob, dana, eve = Browser(graceful), Browser(graceful), Browser(graceful)
    try:
        await bob.login("bob")
        dana_session = (await dana.ask_for_help("acme", "Dana", "Printer"))["session"]["id"]
        eve_session = (await eve.ask_for_help("acme", "Eve", "Scanner"))["session"]["id"]
        for session_id in (dana_session, eve_session):
            picked = await bob.http.post(f"/api/sessions/{session_id}/pick-up")
            assert picked.status_code == 200, picked.text
        console = await bob.socket("/ws/console")
        await console.follow(dana_session)
        await console.follow(eve_session)

        chat = await dana.socket("/ws/customer")
        await console.wait_for(online(dana_session), "Dana online")
        await chat.close()
        await eventually_no_customer_sockets(graceful)

        # Eve comes online after the server let Dana's socket go: once the console
        # hears of Eve, the presence writer has written everything before, and Dana,
        # inside her grace, is still online in the store too.
        eves = await eve.socket("/ws/customer")
        await console.wait_for(online(eve_session), "Eve online")
        found = (await bob.http.get(f"/api/sessions/{dana_session}")).json()["session"]
        assert found["customer"]["online"] is True

        back = await dana.socket("/ws/customer")
        await back.follow(dana_session)
        assert (await back.say(dana_session, "sorry, the Wi-Fi"))["type"] == "ack"
        await console.wait_event(
            dana_session, lambda e: e["body"].get("text") == "sorry, the Wi-Fi", "Dana's line"
        )
        assert presence_of(console, dana_session) == [True]

        # Gone for good: offline once the grace is over, and not before.
        await back.close()
        left_at = time.monotonic()
        await console.wait_for(
            online(dana_session, now=False),
            "Dana offline",
            seconds=GRACE_SECONDS + 15,
        )
        assert time.monotonic() - left_at >= GRACE_SECONDS - 0.5
        assert presence_of(console, dana_session) == [True, False]
        found = (await bob.http.get(f"/api/sessions/{dana_session}")).json()["session"]
        assert found["customer"]["online"] is False
        await eves.close()
        await console.close()
    finally:
        for browser in (bob, dana, eve):
            await browser.close()


async def eventually_no_customer_sockets(server: ServerProcess) -> None:
    """Until the server's own gauge says it let every customer socket go."""
    count = await open_customer_sockets(server)
    deadline = time.monotonic() + 15
    while count != 0:
        assert time.monotonic() < deadline, f"{count} customer sockets still open"
        count = await open_customer_sockets(server)
