"""The two socket endpoints: ``/ws/console`` and ``/ws/customer``.

Why this exists: accepting a socket is about who may connect (the ``Origin`` header and
the credentials, checked *before* accepting, because HTTP middleware does not run on
WebSockets) and about what a connection is counted as (a representative online, the
customer's presence), not about delivery. ``gateway.Connection`` serves a socket once
it is accepted; this module was part of ``gateway.py`` until that grew too big to read.
"""

from __future__ import annotations

import contextlib
import math

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from helpline.domain.errors import HelplineError, SessionEnded
from helpline.domain.sessions import SupportSession
from helpline.server.accounts import Actor, CustomerActor
from helpline.server.admission import Admission, Ticket
from helpline.server.closes import (
    CLOSE_SESSION_ENDED,
    CLOSE_TRY_AGAIN_LATER,
    NORMAL_ENDS,
    Closing,
)
from helpline.server.consents import Consents
from helpline.server.gateway import Connection
from helpline.server.invitations import Invitations
from helpline.server.presence import CustomerPresence
from helpline.server.pushed_urls import PushedUrls
from helpline.server.screen import Thumbnails
from helpline.server.screen_sharing import stop_sharing
from helpline.server.service import HelplineService
from helpline.server.sockets import Heartbeats, OnlineRepresentatives, SharedSessions
from helpline.server.welcome import welcome


class Gateway:
    """Accepts sockets after checking Origin and credentials, then runs a Connection."""

    def __init__(
        self,
        service: HelplineService,
        invitations: Invitations,
        consents: Consents,
        presence: CustomerPresence,
    ) -> None:
        self.service = service
        self.invitations = invitations
        self.consents = consents
        self.presence = presence
        self.pushed_urls = PushedUrls(service)
        self.thumbnails = Thumbnails()
        self.heartbeats = Heartbeats(service.settings.heartbeat_seconds)
        self.sessions = SharedSessions()
        self.online = OnlineRepresentatives()
        self.admission = Admission(service.settings.connecting_limit)

    def _origin_allowed(self, socket: WebSocket) -> bool | None:
        """True or False for a browser's Origin; None when there is none (not a browser)."""
        origin = socket.headers.get("origin")
        if origin is None:
            return None
        return origin in self.service.settings.origins

    async def console(self, socket: WebSocket) -> None:
        if self._origin_allowed(socket) is not True:
            await socket.close(code=1008)
            return
        ticket = await self._admit(socket)
        if ticket is None:
            return
        try:
            actor = await self.service.rep_actor(socket.cookies.get("helpline_console"))
            if actor is None:
                await socket.close(code=1008)
                return
            self.online.opened(actor.rep.id)
            try:
                await self._serve(socket, actor, ticket)
            finally:
                self.online.closed(actor.rep.id)
        finally:
            ticket.done()

    async def customer(self, socket: WebSocket) -> None:
        origin = self._origin_allowed(socket)
        if origin is False:
            await socket.close(code=1008)
            return
        ticket = await self._admit(socket)
        if ticket is None:
            return
        # In this frame rather than a helper's: every frame here stays suspended for as
        # long as the socket is open, and one more is most of a KiB of an idle socket.
        try:
            token = _bearer(socket.headers.get("authorization"))
            if token is None and origin is True:
                token = socket.cookies.get("helpline_customer")
            found = await self.service.customer_and_session(token)
            if found is None:
                await socket.close(code=1008)
                return
            actor = found[0]
            # The session as read to let the customer in, for the welcome, in a list that
            # the welcome empties: it would otherwise stay alive with these frames.
            known = [found[1]]
            del found
            # Online while any socket of the customer is open, on any process.
            self.presence.opened(actor.session_id)
            try:
                await self._serve(socket, actor, ticket, known)
            finally:
                self.presence.closed(actor.session_id)
        finally:
            ticket.done()

    async def _admit(self, socket: WebSocket) -> Ticket | None:
        """A ticket, or None after closing the socket with when to come back: too many
        sockets are being let in (server/admission.py)."""
        entered = self.admission.enter()
        if isinstance(entered, Ticket):
            return entered
        self.service.metrics.sockets_deferred.inc()
        # Accepted first: a browser sees the close frame's code and reason, while of a
        # refused handshake it only learns that it failed.
        with contextlib.suppress(*NORMAL_ENDS, RuntimeError):
            await socket.accept()
            await socket.close(code=CLOSE_TRY_AGAIN_LATER, reason=str(math.ceil(entered * 1000)))
        return None

    async def _serve(
        self,
        socket: WebSocket,
        actor: Actor,
        ticket: Ticket,
        known: list[SupportSession] | None = None,
    ) -> None:
        await socket.accept()
        kind = "customer" if isinstance(actor, CustomerActor) else "representative"
        open_sockets = self.service.metrics.sockets.labels(kind)
        open_sockets.inc()
        try:
            await self._run(socket, actor, ticket, known)
        finally:
            open_sockets.dec()

    async def _run(
        self, socket: WebSocket, actor: Actor, ticket: Ticket, known: list[SupportSession] | None
    ) -> None:
        connection = Connection(
            socket,
            self.service,
            self.invitations,
            self.consents,
            self.pushed_urls,
            self.thumbnails,
            self.heartbeats,
            self.sessions,
            actor,
            self.service.bus.subscription(),
            ticket,
        )
        code: int | None
        try:
            await welcome(connection, known.pop() if known else None)
            code = await connection.run()
        except Closing as closing:
            code = closing.code
        except SessionEnded:
            code = CLOSE_SESSION_ENDED
        except NORMAL_ENDS:
            code = None
        finally:
            # Closing the customer's window stops sharing; the log says so.
            with contextlib.suppress(HelplineError):
                await stop_sharing(connection)
            await connection.subscription.close()
        if code is not None and socket.application_state is WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await socket.close(code=code)


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None
