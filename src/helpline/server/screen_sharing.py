"""The customer's screen on a connection: sharing on and off, the binary frames the
customer sends, Viewer windows that watch, and the frames each console receives.

Why this exists: screen sharing is a side channel of its own (binary frames on the
``screen:`` channel, never stored, consented to first), while ``gateway.py`` is about
delivering a session's log in order. The frame format is ``screen.py``'s; what a
socket does with frames is here. The state (``sharing``, ``watching``) stays on the
``Connection``, so an idle socket holds nothing more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpline.domain.consent import ConsentKind
from helpline.domain.errors import Forbidden, InvalidFrame
from helpline.protocol.client_frames import FIELD_RULES, Screen, Watch
from helpline.protocol.screen_frames import THUMBNAIL
from helpline.server.accounts import CustomerActor, RepActor
from helpline.server.records import ViewerOpened
from helpline.server.screen import frame_kind, parse_frame, screen_channel
from helpline.server.service_core import session_channel

if TYPE_CHECKING:
    from helpline.server.gateway import Connection


async def set_sharing(connection: Connection, frame: Screen) -> None:
    """A ``screen`` frame: the customer starts (with a consent they gave) or stops."""
    actor = connection.customer("share their screen")
    if frame.sharing:
        if not frame.request:
            raise InvalidFrame(FIELD_RULES["request"])
        if not await connection.consents.allowed(actor, frame.request, ConsentKind.SCREEN):
            raise Forbidden("Screen sharing needs the customer's consent first.")
        if connection.sharing is None:
            connection.sharing = actor.session_id
            await connection.service.screen_note(actor, "screen_started")
    else:
        await stop_sharing(connection)


async def stop_sharing(connection: Connection) -> None:
    if connection.sharing is not None and isinstance(connection.actor, CustomerActor):
        connection.sharing = None
        await connection.service.screen_note(connection.actor, "screen_stopped")


async def relay_frame(connection: Connection, data: bytes) -> None:
    """A binary message from the customer: checked, then published as it is."""
    actor = connection.customer("send screen frames")
    if connection.sharing is None:
        raise Forbidden("Screen sharing was not started or was stopped.")
    frame = parse_frame(data)
    followed = connection.followed.get(actor.session_id)
    session = (
        followed.session
        if followed is not None
        else await connection.service.store.get_session(actor.session_id)
    )
    if session is None or frame.session != session.public_id:
        raise Forbidden("A screen frame belongs to your own session.")
    await connection.service.bus.publish(screen_channel(actor.session_id), frame.data)


async def watch(connection: Connection, frame: Watch) -> None:
    """A Viewer window says it is open (every few seconds) or closed."""
    if not isinstance(connection.actor, RepActor):
        raise Forbidden("Only representatives watch a screen.")
    service = connection.service
    session = await service.session_for(connection.actor, frame.session)
    if not frame.on:
        connection.watching.discard(session.id)
        return
    if session.id not in connection.followed:
        await connection.subscribe(session.public_id, await service.store.last_seq(session.id))
    connection.watching.add(session.id)
    await service.publish(session_channel(session.id), ViewerOpened())


async def on_screen(connection: Connection, session_id: int, data: bytes) -> None:
    """A frame heard on a ``screen:`` channel: thumbnails to every console following
    the session, viewer frames only to the sockets whose Viewer window is open."""
    if frame_kind(data) == THUMBNAIL:
        connection.thumbnails.keep(session_id, data)
        if session_id in connection.followed and not isinstance(connection.actor, CustomerActor):
            await connection.send_binary(data)
    elif session_id in connection.watching:
        await connection.send_binary(data)
