"""What a connection does with each message it hears on the bus.

Why this exists: the gateway reads frames from its client and sends the session's log
in order; the bus brings everything else a socket is told (state changes, sessions
assigned, the queue, invitations, agent offers, a Viewer opened, a logout), and the
live events that the delivery contract of docs/protocol.md orders. Each kind is routed
here to the frame its viewer gets. Delivery itself (``last_sent``, catching up from
the store, the delivery lock) stays on ``gateway.Connection``.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

from helpline.bus.base import Lost, Message
from helpline.domain.events import Event
from helpline.domain.sessions import SessionStatus, find_attendee
from helpline.server import wire
from helpline.server.accounts import CustomerActor, RepActor
from helpline.server.closes import CLOSE_LOGGED_OUT, CLOSE_SESSION_ENDED, Closing
from helpline.server.screen_sharing import on_screen

if TYPE_CHECKING:
    from helpline.server.gateway import Connection


async def pump(connection: Connection) -> None:
    """Hand every message of the connection's subscription on, until it is cancelled."""
    while True:
        item = await connection.subscription.get()
        if isinstance(item, Lost):
            connection.service.metrics.bus_lost.inc()
            async with connection.delivery_lock:
                for session_id in list(connection.followed):
                    await connection.refresh(session_id)
                    await connection.catch_up(session_id)
            continue
        await route(connection, item)


async def route(connection: Connection, message: Message) -> None:
    if message.channel.startswith("screen:"):
        await on_screen(connection, int(message.channel.split(":", 1)[1]), message.data)
        return
    payload, event = _decoded(message.data)
    kind = payload.get("t")
    if event is not None:
        if event.body.get("action") in ("screen_stopped", "ended"):
            connection.thumbnails.forget(event.session_id)
        async with connection.delivery_lock:
            followed = connection.followed.get(event.session_id)
            if followed is None or event.seq <= followed.last_sent:
                return
            if event.seq == followed.last_sent + 1:
                await connection.deliver(followed, event)
                # Live deliveries only: a replay's lag is how long the socket was away.
                connection.service.metrics.delivered(event.created_at, connection.service.clock())
            else:
                await connection.catch_up(event.session_id)
    elif kind == "session":
        await _session_changed(connection, payload["s"], presence=payload.get("presence", False))
    elif kind == "assigned":
        session, attendees = wire.session_from_record(payload["s"])
        portal = await connection.service.portal(session.portal_id)
        body = wire.session_frame_body(connection.viewer, session, attendees, portal)
        await connection.send({"type": "assigned", "session": body})
    elif kind == "queue":
        session, attendees = wire.session_from_record(payload["s"])
        portal = await connection.service.portal(session.portal_id)
        body = wire.session_frame_body(connection.viewer, session, attendees, portal)
        await connection.send({"type": "queue", "action": payload["action"], "session": body})
    elif kind == "agent_offer" and isinstance(connection.actor, CustomerActor):
        followed = connection.followed.get(connection.actor.session_id)
        if followed is not None:
            await connection.send(
                {
                    "type": "agent_offer",
                    "session": followed.public_id,
                    "command": payload["command"],
                    "expires_at": payload["expires_at"],
                }
            )
    elif kind == "watch" and isinstance(connection.actor, CustomerActor):
        followed = connection.followed.get(connection.actor.session_id)
        if followed is not None:
            await connection.send({"type": "screen_watch", "session": followed.public_id})
    elif kind == "invitation" and isinstance(connection.actor, RepActor):
        offer = payload["i"]
        mine = offer["from_id"] == connection.actor.rep.id
        attendee = None
        if not mine and offer["kind"] == "invite":
            session = await connection.service.find_session(offer["session"]["id"])
            attendees = await connection.service.store.list_attendees(session.id)
            attendee = find_attendee(attendees, connection.actor.rep.id)
        if not mine and not (attendee and attendee.present):
            await connection.send({"type": "invitation", "invitation": offer})
    elif kind == "invitation_closed":
        await connection.send({"type": "invitation_closed", "id": payload["id"]})
    elif (
        kind == "logout"
        and isinstance(connection.actor, RepActor)
        and payload.get("login") == connection.actor.login_hash.hex()
    ):
        raise Closing(CLOSE_LOGGED_OUT, "Logged out.")


async def _session_changed(
    connection: Connection, record: dict[str, Any], presence: bool = False
) -> None:
    """``presence``: only whether the customer is online changed, which the
    customer's own sockets are not told (they know)."""
    session, attendees = wire.session_from_record(record)
    followed = connection.followed.get(session.id)
    if followed is None:
        return
    # Status notes of this change were published first; deliver them before the
    # new state so a client never sees "ended" ahead of the note that says why.
    async with connection.delivery_lock:
        await connection.refresh(session.id)
        await connection.catch_up(session.id)
    # The state read just now, not the record: two changes told by two tasks (a
    # pick-up and the customer's presence) may arrive in either order.
    session, attendees = followed.session, followed.attendees
    actor = connection.actor
    if presence and isinstance(actor, CustomerActor):
        return
    portal = await connection.service.portal(session.portal_id)
    body = wire.session_frame_body(connection.viewer, session, attendees, portal)
    await connection.send({"type": "session", "session": body})
    if isinstance(actor, CustomerActor):
        if session.status is SessionStatus.ENDED:
            raise Closing(CLOSE_SESSION_ENDED, "The session has ended.")
        return
    me = find_attendee(attendees, actor.rep.id)
    if me is not None and not me.present:
        # A representative who left or was transferred away hears no more of it.
        await connection.unsubscribe(session.public_id)


@functools.lru_cache(maxsize=1024)
def _decoded(data: bytes) -> tuple[dict[str, Any], Event | None]:
    """A bus message and the event it carries, decoded once for every socket of this
    process that hears it (the fan-out hands them all the same bytes). Read-only."""
    payload: dict[str, Any] = json.loads(data)
    event = wire.event_from_record(payload["e"]) if payload.get("t") == "event" else None
    return payload, event
