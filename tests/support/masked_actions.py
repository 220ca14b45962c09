"""A session with a masked representative in it, and every action a representative
can take, done by that masked one: the steps of tests/integration/test_masked_stays_masked.py.

The masked representative's display name and username are random markers, so a test
can look for them in anything the customer receives.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tests.support.clients import Agent, Browser, Peer
from tests.support.server import ServerProcess

MARK = uuid.uuid4().hex[:10]
MASKED_USERNAME = f"mu{MARK}"
MASKED_NAME = f"Zq{MARK[::-1]}"


@dataclass
class Scene:
    session_id: str
    bob: Browser
    bob_id: int
    bob_console: Peer
    masked: Browser
    masked_console: Peer
    customer: Browser
    chat: Peer
    ended: bool = False
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def url(self, tail: str = "") -> str:
        return f"/api/sessions/{self.session_id}{tail}"

    async def end_if_open(self) -> None:
        """Bob holds a few sessions at once: each test ends its own."""
        if not self.ended:
            await self.bob.http.post(self.url("/end"), json={})

    async def customer_file(self, name: str = "screenshot.png") -> int:
        sent = await self.customer.http.post(
            self.url("/files"), params={"name": name}, content=b"pixels"
        )
        assert sent.status_code == 201, sent.text
        file_id: int = sent.json()["file"]["id"]
        return file_id


async def open_scene(server: ServerProcess) -> Scene:
    bob, masked, customer = Browser(server), Browser(server), Browser(server)
    bob_id = (await bob.login("bob"))["id"]
    await masked.login(MASKED_USERNAME)
    session_id = (await customer.ask_for_help("acme", "Dana", "Printer on fire"))["session"]["id"]
    assert (await bob.http.post(f"/api/sessions/{session_id}/pick-up")).status_code == 200
    added = await bob.http.post(
        f"/api/sessions/{session_id}/attendees",
        json={"username": MASKED_USERNAME, "masked": True},
    )
    assert added.status_code == 200, added.text
    consoles = []
    for browser in (bob, masked):
        console = await browser.socket("/ws/console")
        await console.follow(session_id)
        consoles.append(console)
    chat = await customer.socket("/ws/customer")
    await chat.follow(session_id)
    scene = Scene(session_id, bob, bob_id, consoles[0], masked, consoles[1], customer, chat)
    scene.closers = [
        *(b.close for b in (bob, masked, customer)),
        *(c.close for c in (*consoles, chat)),
        scene.end_if_open,
    ]
    return scene


# What a representative can do, done by the masked one ------------------------------


async def message_to_everyone(s: Scene) -> None:
    assert (await s.masked_console.say(s.session_id, f"{MASKED_NAME} here"))["type"] == "ack"


async def private_line(s: Scene) -> None:
    sent = await s.masked_console.say(s.session_id, f"psst from {MASKED_NAME}", to=s.bob_id)
    assert sent["type"] == "ack"


async def line_to_representatives(s: Scene) -> None:
    sent = await s.masked_console.say(s.session_id, "for reps", to="representatives")
    assert sent["type"] == "ack"


async def session_note(s: Scene) -> None:
    note = await s.masked_console.say(s.session_id, "Customer runs Windows 7", kind="note")
    assert note["type"] == "ack"


async def scripted_message(s: Scene) -> None:
    # A library script with {representative.name}, filled in the masked one's console.
    category = await s.masked.http.post(
        "/api/scripts/categories", json={"kind": "message", "name": "Openers"}
    )
    assert category.status_code == 201, category.text
    script = await s.masked.http.post(
        f"/api/scripts/categories/{category.json()['id']}/scripts",
        json={"title": "Hello", "text": "Hi, {representative.name} here."},
    )
    assert script.status_code == 201, script.text
    filled = script.json()["text"].replace("{representative.name}", MASKED_NAME)
    assert (await s.masked_console.say(s.session_id, filled))["type"] == "ack"


async def push_url(s: Scene) -> None:
    pushed = await s.masked.http.post(
        s.url("/push-url"), json={"url": "https://example.com/fix-the-printer"}
    )
    assert pushed.status_code == 200, pushed.text
    await s.chat.wait_event(
        s.session_id,
        lambda e: (
            e["body"].get("text") == "A representative pushed https://example.com/fix-the-printer"
        ),
        "the pushed URL, from a representative",
    )


async def file_offer(s: Scene) -> None:
    sent = await s.masked.http.post(
        s.url("/files"), params={"name": "driver.zip", "to": "customer"}, content=b"zip"
    )
    assert sent.status_code == 201, sent.text
    listed = (await s.customer.http.get(s.url("/files"))).json()["files"]
    assert [(f["name"], f["from"]) for f in listed] == [("driver.zip", "A representative")]
    accepted = await s.customer.http.post(f"/api/files/{sent.json()['file']['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["file"]["from"] == "A representative"


async def file_accept(s: Scene) -> None:
    answered = await s.masked.http.post(f"/api/files/{await s.customer_file()}/accept")
    assert answered.status_code == 200, answered.text


async def file_decline(s: Scene) -> None:
    answered = await s.masked.http.post(f"/api/files/{await s.customer_file()}/decline")
    assert answered.status_code == 200, answered.text


async def file_download_and_complete(s: Scene) -> None:
    file_id = await s.customer_file()
    assert (await s.masked.http.post(f"/api/files/{file_id}/accept")).status_code == 200
    assert (await s.masked.http.get(f"/api/files/{file_id}")).content == b"pixels"
    assert (await s.masked.http.post(f"/api/files/{file_id}/completed")).status_code == 204


async def screen_request(s: Scene) -> None:
    asked = await s.masked.http.post(s.url("/screen/request"))
    assert asked.status_code == 201, asked.text
    request = await s.chat.wait_event(
        s.session_id, lambda e: e["kind"] == "consent_requested", "the screen request"
    )
    assert request["author"]["name"] == "A representative"
    assert request["body"]["text"] == "A representative asks to see the customer's screen."


async def send_the_agent(s: Scene) -> None:
    sent = await s.masked.http.post(s.url("/agent-link"))
    assert sent.status_code == 201, sent.text
    await s.chat.wait_type("agent_offer", session=s.session_id)
    agent = Agent(s.bob.server)
    s.closers.append(agent.close)
    await agent.attach(sent.json()["secret_url"].split("#")[1], {"os": "Debian GNU/Linux 12"})
    await s.chat.wait_event(
        s.session_id, lambda e: e["body"].get("action") == "agent_attached", "the agent"
    )


async def viewer_watch(s: Scene) -> None:
    await s.masked_console.send({"type": "watch", "session": s.session_id})
    await s.chat.wait_type("screen_watch", session=s.session_id)


async def invite(s: Scene) -> None:
    carol = Browser(s.bob.server)
    s.closers.append(carol.close)
    await carol.login("carol")
    offered = await s.masked.http.post(
        s.url("/invitations"),
        json={"kind": "invite", "username": "carol", "comment": f"from {MASKED_NAME}"},
    )
    assert offered.status_code == 201, offered.text
    invitation_id = offered.json()["invitation"]["id"]
    assert (await carol.http.post(f"/api/invitations/{invitation_id}/accept")).status_code == 200


async def transfer(s: Scene) -> None:
    # Only the primary representative transfers: the masked one is refused, and
    # nothing is written.
    asked = await s.masked.http.post(
        s.url("/invitations"), json={"kind": "transfer", "username": "carol"}
    )
    assert asked.status_code == 403, asked.text


async def leave(s: Scene) -> None:
    assert (await s.masked.http.post(s.url("/leave"))).status_code == 200


async def end(s: Scene) -> None:
    ended = await s.masked.http.post(
        s.url("/end"), json={"outcome": "resolved", "notes": f"{MASKED_NAME} fixed it"}
    )
    assert ended.status_code == 200, ended.text
    assert await s.chat.wait_closed() is not None
    s.ended = True


ACTIONS: dict[str, Callable[[Scene], Awaitable[None]]] = {
    f.__name__: f
    for f in (
        message_to_everyone,
        private_line,
        line_to_representatives,
        session_note,
        scripted_message,
        push_url,
        file_offer,
        file_accept,
        file_decline,
        file_download_and_complete,
        screen_request,
        send_the_agent,
        viewer_watch,
        invite,
        transfer,
        leave,
        end,
    )
}
# Actions that write nothing the representatives read with the masked name in it.
LEAVE_NO_NAMED_NOTE = {
    "viewer_watch",
    "transfer",
    "line_to_representatives",
    "session_note",
    "send_the_agent",
}
