"""What a connection does with each frame its client sends.

Why this exists: ``gateway.Connection`` reads frames and delivers the sessions it
follows; this module is the other direction, each kind of client frame decoded
(server/frames.py) and handed to what acts on it, with a refusal answered as an error
frame that names the session and the client's id when the frame gave them. The
counterpart of bus_routing.py, which routes what the bus brings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, assert_never

from helpline.domain.errors import Forbidden, HelplineError, InvalidInput, SessionEnded
from helpline.protocol import client_frames, server_frames
from helpline.server import frames, screen_sharing
from helpline.server.outages import as_unavailable

if TYPE_CHECKING:
    from helpline.server.gateway import Connection


async def handle_text(connection: Connection, text: str) -> None:
    frame: client_frames.AnyClientFrame | None = None
    try:
        frame = frames.parse(text, connection.max_frame_bytes)
        await _dispatch(connection, frame)
    except Exception as failure:
        # A database outage is answered like any refusal: the client resends.
        error = failure if isinstance(failure, HelplineError) else as_unavailable(failure)
        if error is None:
            raise
        session, client_id = frames.echoed(frame, text, connection.max_frame_bytes)
        await connection.error(error, session=session, client_id=client_id)


async def _dispatch(connection: Connection, frame: client_frames.AnyClientFrame) -> None:
    match frame:
        case client_frames.Ping():
            await connection.send(server_frames.Pong())
        case client_frames.Subscribe():
            await connection.subscribe(frame.session, frame.after)
        case client_frames.Unsubscribe():
            await connection.unsubscribe(frame.session)
        case client_frames.Send():
            await _send_event(connection, frame)
        case client_frames.Consent():
            customer = connection.customer("answer a request")
            await connection.consents.answer_frame(customer, frame)
        case client_frames.Screen():
            await screen_sharing.set_sharing(connection, frame)
        case client_frames.Watch():
            await screen_sharing.watch(connection, frame)
        case client_frames.UrlOpened():
            customer = connection.customer("report a pushed URL")
            await connection.pushed_urls.report(customer, frame)
        case _:
            assert_never(frame)


async def _send_event(connection: Connection, frame: client_frames.Send) -> None:
    connection.take_message()
    service, actor = connection.service, connection.actor
    public_id, client_id, kind, text, to = (
        frame.session,
        frame.client_id,
        frame.kind,
        frame.text,
        frame.to,
    )
    followed = connection.followed_by_public_id(public_id)
    if followed is None:
        appended = await service.send(actor, public_id, kind, text, to, client_id)
    else:
        try:
            appended = await service.send_in(
                actor, followed.session, followed.attendees, kind, text, to, client_id
            )
        except (Forbidden, InvalidInput, SessionEnded):
            # This socket may not have heard yet of a change that allows it (a colleague
            # added a moment ago is a valid "to"): ask the store. Nothing was saved, so
            # trying again cannot save twice.
            appended = await service.send(actor, public_id, kind, text, to, client_id)
    await connection.send(
        server_frames.Ack(
            session=public_id,
            client_id=client_id,
            seq=appended.event.seq,
            duplicate=not appended.created,
        )
    )
