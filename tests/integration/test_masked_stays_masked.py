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
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from helpline.domain.people import Role
from helpline.server.bootstrap import DEMO_PASSWORD, create_rep
from helpline.store.database import create_engine
from helpline.store.sql import SqlStore
from tests.support.clients import Browser, Frame
from tests.support.masked_actions import (
    ACTIONS,
    LEAVE_NO_NAMED_NOTE,
    MASKED_NAME,
    MASKED_USERNAME,
    Scene,
    open_scene,
    screen_request,
)
from tests.support.masked_computer_actions import COMPUTER_ACTIONS
from tests.support.server import ServerProcess, running

pytestmark = pytest.mark.asyncio(loop_scope="module")

EVERY_ACTION = {**ACTIONS, **{f.__name__: f for f in COMPUTER_ACTIONS}}


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


@pytest.mark.parametrize("action", EVERY_ACTION)
async def test_the_customer_never_learns_who_the_masked_representative_is(
    server: ServerProcess, action: str
) -> None:
    s = await open_scene(server)
    try:
        await EVERY_ACTION[action](s)
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
    s = await open_scene(server)
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
    "POST /api/consents/{request_id}/diagnostics",
    "POST /api/consents/{request_id}/revoke",
    "POST /api/tasks/{task_id}",
    # Picking up and adding attendees bring a representative in: not masked actions.
    "POST /api/sessions/{public_id}/pick-up",
    "POST /api/sessions/{public_id}/attendees",
    # Exit all leaves every session: the same as leave, per session.
    "POST /api/console/exit-all",
    # A manager's webhook endpoints: their calls go to the team's ticketing, never to
    # a customer (the chat log in them is a representative's).
    "POST /api/webhooks",
    "DELETE /api/webhooks/{webhook_id}",
    "PATCH /api/webhooks/{webhook_id}",
    "POST /api/webhooks/{webhook_id}/secret",
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
    "POST /api/sessions/{public_id}/consents": "ask_for_diagnostics",
    "POST /api/sessions/{public_id}/tasks": "apply_credentials",
    "POST /api/tasks/{task_id}/cancel": "stop_waiting_for_a_restart",
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
    assert set(ROUTES_OF_ACTIONS.values()) <= set(EVERY_ACTION)
