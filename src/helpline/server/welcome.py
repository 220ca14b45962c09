"""The first frame a socket gets: ``welcome``, with who it is and what it has.

Why this exists: it is the one frame built from a full read of the store, and its
order matters (docs/architecture.md, "Delivery"): a console follows its ``rep:`` and
``portal:`` channels *before* it reads its sessions and queue, so a session assigned
in between is not missed. Sessions are followed later, one ``subscribe`` at a time,
by ``gateway.Connection``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpline.domain.sessions import SupportSession
from helpline.protocol.server_frames import CustomerWelcome, RepWelcome
from helpline.server import wire
from helpline.server.accounts import RepActor
from helpline.server.closes import CLOSE_CREDENTIALS, Closing
from helpline.server.service_core import portal_channel, rep_channel

if TYPE_CHECKING:
    from helpline.server.gateway import Connection


async def welcome(connection: Connection, known: SupportSession | None = None) -> None:
    """Send the welcome. ``known``: the customer's session, as read a moment ago to let
    them in (no change is missed by showing it: the customer follows the session's
    channel only at ``subscribe``, which reads it again)."""
    service = connection.service
    if isinstance(connection.actor, RepActor):
        rep = connection.actor.rep
        await connection.subscription.add(rep_channel(rep.id))
        for portal in await service.store.portals_of(rep.id):
            await connection.subscription.add(portal_channel(portal.id))
        sessions = await service.session_views(
            connection.viewer, await service.open_sessions_for(connection.actor)
        )
        queue = await service.session_views(
            connection.viewer, await service.queue_for(connection.actor)
        )
        await connection.send(
            RepWelcome(
                me=wire.me_view(rep),
                sessions=sessions,
                queue=queue,
                invitations=await connection.invitations.pending(connection.actor),
                heartbeat_seconds=connection.heartbeat_seconds,
            )
        )
    else:
        session = known or await service.store.get_session(connection.actor.session_id)
        if session is None:
            raise Closing(CLOSE_CREDENTIALS, "The session is gone.")
        await connection.send(
            CustomerWelcome(
                session=await service.session_view(connection.viewer, session),
                heartbeat_seconds=connection.heartbeat_seconds,
            )
        )
