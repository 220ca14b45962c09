"""After a subscribe's replay the server says so: ``replayed`` with the last seq.

The customer's seqs have holes (notes and private lines they never see), so a client
cannot tell from the seqs alone that it is current; the marker tells it.
"""

from __future__ import annotations

from tests.support.clients import Browser
from tests.support.server import ServerProcess


async def test_a_replay_ends_with_a_marker_after_the_last_replayed_event(
    server: ServerProcess,
) -> None:
    rep, customer = Browser(server), Browser(server)
    try:
        await rep.login("bob")
        session = (await customer.ask_for_help("acme", "Dana", "Marker"))["session"]["id"]
        assert (await rep.http.post(f"/api/sessions/{session}/pick-up")).status_code == 200
        console = await rep.socket("/ws/console")
        await console.wait_type("welcome")
        await console.follow(session)
        await console.say(session, "a line")
        await console.say(session, "a note the customer never sees", kind="note")

        chat = await customer.socket("/ws/customer")
        await chat.send({"type": "subscribe", "session": session, "after": 0})
        marker = await chat.wait_type("replayed", session=session)

        replayed = chat.frames[: chat.frames.index(marker)]
        events = [f["event"] for f in replayed if f.get("type") == "event"]
        assert events[-1]["body"]["text"] == "a line"
        # The note's seq is a hole at the end of what the customer gets: without the
        # marker the customer could not know that nothing more is coming.
        assert events[-1]["seq"] == 3
        assert marker["last_seq"] == 4
        assert all(e["kind"] != "note" for e in events)
        await chat.close()
        await console.close()
    finally:
        await rep.close()
        await customer.close()
