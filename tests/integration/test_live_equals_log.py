"""The delivery invariant: what each viewer received live is exactly the part of the
stored log that viewer may see, in order, once each."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from tests.support.clients import Browser, Peer
from tests.support.server import ServerProcess


@pytest.mark.parametrize("seed", [1, 2])
async def test_every_viewer_receives_live_exactly_their_visible_log(
    server: ServerProcess, browsers: Callable[[], Browser], seed: int
) -> None:
    rng = random.Random(seed)
    bob, alice, carol, customer = browsers(), browsers(), browsers(), browsers()
    ids = {"bob": (await bob.login("bob"))["id"], "alice": (await alice.login("alice"))["id"]}
    ids["carol"] = (await carol.login("carol"))["id"]
    session_id = (await customer.ask_for_help("acme", "Dana", "Invariant"))["session"]["id"]
    assert (await bob.http.post(f"/api/sessions/{session_id}/pick-up")).status_code == 200
    for name, masked in (("alice", True), ("carol", False)):
        added = await bob.http.post(
            f"/api/sessions/{session_id}/attendees", json={"username": name, "masked": masked}
        )
        assert added.status_code == 200

    peers: dict[str, Peer] = {}
    for name, browser in (("bob", bob), ("alice", alice), ("carol", carol)):
        peers[name] = await browser.socket("/ws/console")
    peers["customer"] = await customer.socket("/ws/customer")
    for peer in peers.values():
        await peer.follow(session_id)

    reps = ["bob", "alice", "carol"]
    for n in range(40):
        sender = rng.choice([*reps, "customer"])
        frame: dict[str, object] = {}
        if sender != "customer":
            kind = rng.choice(["everyone", "representatives", "private", "note"])
            if kind == "note":
                frame["kind"] = "note"
            elif kind == "private":
                frame["to"] = ids[rng.choice([r for r in reps if r != sender])]
            else:
                frame["to"] = kind
        ack = await peers[sender].say(session_id, f"line {n} from {sender}", **frame)
        assert ack["type"] == "ack", ack
    last = max(
        e["seq"]
        for e in (await bob.http.get(f"/api/sessions/{session_id}/events")).json()["events"]
    )

    for name, browser in (("bob", bob), ("alice", alice), ("carol", carol), ("customer", customer)):
        visible = (await browser.http.get(f"/api/sessions/{session_id}/events")).json()["events"]
        peer = peers[name]
        if visible:
            await peer.wait_event(
                session_id, lambda e, s=visible[-1]["seq"]: e["seq"] == s, "the last visible event"
            )
        received = peer.events(session_id)
        assert [e["seq"] for e in received] == [e["seq"] for e in visible], name
        assert received == visible, name
        assert all(e["seq"] <= last for e in received)
    for peer in peers.values():
        await peer.close()
