"""A masked representative stays masked, whatever they do in a session.

Every action a representative can take is performed by a masked representative whose
display name and username are random markers. Afterwards nothing the customer can
receive holds either marker: their live socket, a replay from the start, ``/events``,
the session copy, the file list and every transcript format. Whether an event names a
masked representative is decided where the event is drafted, so a new action that
forgets about masking cannot leak: add it to ``ACTIONS``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
import pytest_asyncio

from helpline.domain.people import Role
from helpline.server.bootstrap import DEMO_PASSWORD, create_rep
from helpline.store.database import create_engine
from helpline.store.sql import SqlStore
from tests.support.clients import Agent, Browser, Frame, Peer
from tests.support.server import ServerProcess, running

pytestmark = pytest.mark.asyncio(loop_scope="module")

MARK = uuid.uuid4().hex[:10]
MASKED_USERNAME = f"mu{MARK}"
MASKED_NAME = f"Zq{MARK[::-1]}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("masked") / "data")
    await process.seed()
    store = SqlStore(create_engine(process.resolved_database_url))
    try:
        await create_rep(store, MASKED_USERNAME, MASKED_NAME, DEMO_PASSWORD, Role.REPRESENTATIVE)
        rep = await store.find_login(MASKED_USERNAME)
        assert rep is not None
        for portal in await store.list_portals():
            await store.add_portal_member(portal.id, rep[0].id)
    finally:
        await store.close()
    async with running(process) as started:
        yield started


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


async def _scene(server: ServerProcess) -> Scene:
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
        await console.send({"type": "subscribe", "session": session_id, "after": 0})
        await console.wait_type("subscribed")
        consoles.append(console)
    chat = await customer.socket("/ws/customer")
    await chat.send({"type": "subscribe", "session": session_id, "after": 0})
    await chat.wait_type("subscribed")
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


async def everything_the_customer_can_receive(s: Scene) -> dict[str, str]:
    got: dict[str, str] = {"live socket": json.dumps(s.chat.frames)}
    if not s.ended:
        replay = await s.customer.socket("/ws/customer")
        s.closers.append(replay.close)
        await replay.send({"type": "subscribe", "session": s.session_id, "after": 0})
        await replay.wait_event(
            s.session_id, lambda e: e["body"].get("text") == "sentinel", "the replayed sentinel"
        )
        got["replay from 0"] = json.dumps(replay.frames)
    for what, tail in {
        "/events": "/events?after=0",
        "the session copy": "",
        "the file list": "/files",
        "transcript.txt": "/transcript.txt",
        "transcript.html": "/transcript.html",
        "transcript.json": "/transcript.json",
    }.items():
        response = await s.customer.http.get(s.url(tail))
        assert response.status_code == 200, (what, response.text)
        got[what] = response.text
    return got


@pytest.mark.parametrize("action", ACTIONS)
async def test_the_customer_never_learns_who_the_masked_representative_is(
    server: ServerProcess, action: str
) -> None:
    s = await _scene(server)
    try:
        await ACTIONS[action](s)
        if not s.ended:
            sent = await s.bob_console.say(s.session_id, "sentinel")
            assert sent["type"] == "ack"
            await s.chat.wait_event(
                s.session_id, lambda e: e["body"].get("text") == "sentinel", "the sentinel"
            )

        for what, text in (await everything_the_customer_can_receive(s)).items():
            folded = text.casefold()
            assert MASKED_NAME.casefold() not in folded, f"{action}: the name leaks in {what}"
            assert MASKED_USERNAME.casefold() not in folded, f"{action}: username in {what}"

        # Not vacuous: the representatives' copy holds what the masked one did.
        rep_log = (await s.bob.http.get(s.url("/transcript.txt"))).text
        if action not in LEAVE_NO_NAMED_NOTE:
            assert MASKED_NAME in rep_log, rep_log
    finally:
        for close in reversed(s.closers):
            await close()


def _frames_named(frames: list[Frame], name: str) -> list[Frame]:
    return [f for f in frames if name in json.dumps(f)]


async def test_the_masked_representatives_console_hears_their_own_actions_by_name(
    server: ServerProcess,
) -> None:
    s = await _scene(server)
    try:
        await screen_request(s)
        request = await s.masked_console.wait_event(
            s.session_id, lambda e: e["kind"] == "consent_requested", "their own request"
        )
        assert request["author"]["name"] == MASKED_NAME
        assert request["body"]["text"] == f"{MASKED_NAME} asks to see the customer's screen."
        assert _frames_named(s.bob_console.frames, MASKED_NAME)
    finally:
        for close in reversed(s.closers):
            await close()


# Writes that are not actions in a session, or that only the customer makes.
NOT_SESSION_ACTIONS = {
    "POST /api/auth/login",
    "POST /api/auth/logout",
    "POST /api/codes",
    "DELETE /api/codes/{code}",
    "POST /api/portals/{slug}/sessions",
    "POST /api/join",
    "PUT /api/team/greeting",
    "PUT /api/portals/{slug}/greeting",
    "POST /api/scripts/categories",
    "DELETE /api/scripts/categories/{category_id}",
    "POST /api/scripts/categories/order",
    "POST /api/scripts/categories/{category_id}/scripts",
    "POST /api/scripts/categories/{category_id}/order",
    "DELETE /api/scripts/{script_id}",
    "PATCH /api/scripts/{script_id}",
    "PATCH /api/scripts/categories/{category_id}",
    "PATCH /api/me/preferences",
    "POST /api/consents/{request_id}",
    # Picking up and adding attendees bring a representative in: not masked actions.
    "POST /api/sessions/{public_id}/pick-up",
    "POST /api/sessions/{public_id}/attendees",
    # Exit all leaves every session: the same as leave, per session.
    "POST /api/console/exit-all",
}
ROUTES_OF_ACTIONS = {
    "POST /api/sessions/{public_id}/leave": "leave",
    "POST /api/sessions/{public_id}/end": "end",
    "POST /api/sessions/{public_id}/push-url": "push_url",
    "POST /api/sessions/{public_id}/invitations": "invite",
    "POST /api/invitations/{invitation_id}/accept": "invite",
    "POST /api/invitations/{invitation_id}/decline": "invite",
    "POST /api/sessions/{public_id}/files": "file_offer",
    "POST /api/files/{file_id}/accept": "file_accept",
    "POST /api/files/{file_id}/decline": "file_decline",
    "POST /api/files/{file_id}/completed": "file_download_and_complete",
    "POST /api/sessions/{public_id}/screen/request": "screen_request",
    "POST /api/sessions/{public_id}/agent-link": "send_the_agent",
    "POST /api/attach": "send_the_agent",
}


async def test_every_route_that_writes_to_a_session_is_tried_by_a_masked_representative(
    server: ServerProcess,
) -> None:
    """A new route that writes must be added to ACTIONS (and here), or said harmless."""
    browser = Browser(server)
    try:
        schema = (await browser.http.get("/openapi.json")).json()
    finally:
        await browser.close()
    writes = {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("post", "put", "delete", "patch")
    }
    untried = writes - NOT_SESSION_ACTIONS - set(ROUTES_OF_ACTIONS)
    assert not untried, f"add these to ACTIONS: {sorted(untried)}"
    assert set(ROUTES_OF_ACTIONS.values()) <= set(ACTIONS)
