"""What a connection does with each message it hears on the bus.

Why this exists: the gateway reads frames from its client and sends the session's log
in order; the bus brings everything else a socket is told (state changes, sessions
assigned, the queue, invitations, agent offers, a Viewer opened, a logout), and the
live events that the delivery contract of docs/protocol.md orders. Each kind is routed
here to the frame its viewer gets. Delivery itself (``last_sent``, catching up from
the store, the delivery lock) stays on ``gateway.Connection``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpline.bus.base import Lost, Message
from helpline.domain.events import Event
from helpline.domain.sessions import SessionStatus, find_attendee
from helpline.protocol import server_frames
from helpline.server import bus_messages, records, wire
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
            continue
        await route(connection, item)


async def route(connection: Connection, message: Message) -> None:
    if message.channel.startswith("screen:"):
        await on_screen(connection, int(message.channel.split(":", 1)[1]), message.data)
        return
    payload, event = bus_messages.decoded(message.data)
    actor = connection.actor
    match payload:
        case records.EventAppended() if event is not None:
            await _event_appended(connection, event)
        case records.SessionChanged():
            await _session_changed(connection, payload.s, presence=payload.presence)
        case records.SessionAssigned():
            await connection.send(
                server_frames.Assigned(session=await _view(connection, payload.s))
            )
        case records.QueueChanged():
            session = await _view(connection, payload.s)
            await connection.send(server_frames.Queue(action=payload.action, session=session))
        case records.AgentOffered() if isinstance(actor, CustomerActor):
            followed = connection.followed.get(actor.session_id)
            if followed is not None:
                await connection.send(
                    server_frames.AgentOffer(
                        session=followed.public_id,
                        command=payload.command,
                        expires_at=payload.expires_at,
                    )
                )
        case records.ViewerOpened() if isinstance(actor, CustomerActor):
            followed = connection.followed.get(actor.session_id)
            if followed is not None:
                await connection.send(server_frames.ScreenWatch(session=followed.public_id))
        case records.InvitationOffered() if isinstance(actor, RepActor):
            offer = payload.i
            mine = offer.from_id == actor.rep.id
            attendee = None
            if not mine and offer.kind == "invite":
                invited = await connection.service.find_session(offer.session.id)
                attendees = await connection.service.store.list_attendees(invited.id)
                attendee = find_attendee(attendees, actor.rep.id)
            if not mine and not (attendee and attendee.present):
                await connection.send(server_frames.InvitationFrame(invitation=offer))
        case records.InvitationAnswered():
            await connection.send(server_frames.InvitationClosed(id=payload.id))
        case records.LoggedOut() if (
            isinstance(actor, RepActor) and payload.login == actor.login_hash.hex()
        ):
            raise Closing(CLOSE_LOGGED_OUT, "Logged out.")


async def _event_appended(connection: Connection, event: Event) -> None:
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


async def _view(connection: Connection, record: records.SessionRecord) -> server_frames.SessionBody:
    session, attendees = wire.session_from_record(record)
    portal = await connection.service.portal(session.portal_id)
    return wire.session_view(connection.viewer, session, attendees, portal)


async def _session_changed(
    connection: Connection, record: records.SessionRecord, presence: bool = False
) -> None:
    """``presence``: only whether the customer is online changed, which the
    customer's own sockets are not told (they know)."""
    session, attendees = wire.session_from_record(record)
    followed = connection.followed.get(session.id)
    if followed is None:
        return
    actor = connection.actor
    if presence and isinstance(actor, CustomerActor):
        # They are told nothing of it and the change holds no event: nothing to read.
        # (A reconnect storm is thousands of these.)
        return
    # Status notes of this change were published first; deliver them before the
    # new state so a client never sees "ended" ahead of the note that says why.
    async with connection.delivery_lock:
        await connection.refresh(session.id)
    # The state read just now, not the record: two changes told by two tasks (a
    # pick-up and the customer's presence) may arrive in either order.
    session, attendees = followed.session, followed.attendees
    portal = await connection.service.portal(session.portal_id)
    body = wire.session_view(connection.viewer, session, attendees, portal)
    await connection.send(server_frames.SessionFrame(session=body))
    if isinstance(actor, CustomerActor):
        if session.status is SessionStatus.ENDED:
            raise Closing(CLOSE_SESSION_ENDED, "The session has ended.")
        return
    me = find_attendee(attendees, actor.rep.id)
    if me is not None and not me.present:
        # A representative who left or was transferred away hears no more of it.
        await connection.unsubscribe(session.public_id)
