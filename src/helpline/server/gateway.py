"""The WebSocket gateway: one socket per console, one per customer.

Order matters here, and it is the delivery contract of docs/protocol.md: a
connection follows a session's bus channel *before* it reads the store, replays what
the client missed, then streams live events, skipping what it already sent and
reading the store again when it sees a gap or hears that the bus lost something.
Everything a viewer receives passes through ``helpline.domain.visibility``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from helpline.bus.base import Subscription
from helpline.domain.errors import HelplineError, NotFound, RateLimited
from helpline.domain.events import Event
from helpline.domain.sessions import SessionStatus, normalize_public_id
from helpline.domain.visibility import Viewer
from helpline.protocol import server_frames
from helpline.server import bus_routing, frame_routing, screen_sharing, wire
from helpline.server.accounts import Actor, CustomerActor, RepActor, customer_only
from helpline.server.admission import Ticket
from helpline.server.closes import CLOSE_SESSION_ENDED, CLOSE_SILENT, NORMAL_ENDS, Closing
from helpline.server.consents import Consents
from helpline.server.followed import Followed
from helpline.server.invitations import Invitations
from helpline.server.message_rate import MessageRate
from helpline.server.pushed_urls import PushedUrls
from helpline.server.screen import Thumbnails, screen_channel
from helpline.server.service import HelplineService
from helpline.server.service_core import session_channel
from helpline.server.sockets import Heartbeats, SharedSessions

log = logging.getLogger(__name__)

REPLAY_BATCH = 500
# A client that says nothing for this many heartbeat intervals is gone: home routers
# and mobile networks drop idle connections without telling either side.
SILENCE_INTERVALS = 3


class Connection:
    """One accepted socket and the sessions it follows."""

    def __init__(
        self,
        socket: WebSocket,
        service: HelplineService,
        invitations: Invitations,
        consents: Consents,
        pushed_urls: PushedUrls,
        thumbnails: Thumbnails,
        heartbeats: Heartbeats,
        sessions: SharedSessions,
        actor: Actor,
        subscription: Subscription,
        ticket: Ticket | None = None,
    ) -> None:
        self.socket = socket
        self.service = service
        self.invitations = invitations
        self.consents = consents
        self.pushed_urls = pushed_urls
        self.thumbnails = thumbnails
        self.heartbeats = heartbeats
        self.sessions = sessions
        # The customer's session while their screen is shared from this socket.
        self.sharing: int | None = None
        # Sessions whose Viewer window this socket is: it gets the large frames.
        self.watching: set[int] = set()
        self.actor = actor
        self.viewer: Viewer = actor.viewer
        self.subscription = subscription
        # Held while this socket is being let in: until its first subscribe is answered
        # or a heartbeat interval has passed (server/admission.py).
        self.ticket = ticket
        self.followed: dict[int, Followed] = {}
        # Followed sessions by public ID, for frames that name a session.
        self._by_public_id: dict[str, int] = {}
        self.heartbeat_seconds = service.settings.heartbeat_seconds
        self.max_frame_bytes = service.settings.max_frame_bytes
        self._loop = asyncio.get_running_loop()
        self._last_heard = self._loop.time()
        self._silent = False
        # The task that reads frames (``run``'s), and whether it was told to end.
        self._task: asyncio.Task[Any] | None = None
        self._interrupted = False
        self._beat_send: asyncio.Task[None] | None = None
        # Made on the first send, so an idle socket holds none.
        self._message_rate: MessageRate | None = None
        self._send_lock = asyncio.Lock()
        # Held while events of followed sessions are sent, so replay and live
        # delivery never interleave and ``last_sent`` stays true.
        self.delivery_lock = asyncio.Lock()

    async def send(self, frame: server_frames.ServerFrame) -> None:
        async with self._send_lock:
            await self.socket.send_text(wire.frame_text(frame))

    async def send_binary(self, data: bytes) -> None:
        async with self._send_lock:
            await self.socket.send_bytes(data)

    async def error(
        self, error: HelplineError, session: str | None = None, client_id: str | None = None
    ) -> None:
        frame = server_frames.ErrorFrame(code=error.code, message=error.message)
        if isinstance(error, RateLimited):
            frame.retry_after = max(1, int(error.retry_after_seconds + 0.999))
            self.service.metrics.rate_limited.labels("socket").inc()
        if session is not None:
            frame.session = session
        if client_id is not None:
            frame.client_id = client_id
        await self.send(frame)

    # The loop ---------------------------------------------------------------------

    async def run(self) -> int | None:
        """Serve until the client leaves or a close is due; returns the close code.

        Frames are read in the caller's task and the bus is pumped in one beside it: a
        reader task of its own would cost each idle socket a task, its context and a
        future. When the pump ends or the client falls silent, ``_interrupt`` cancels
        this task, which takes its own cancel back; a cancel from outside still ends it.
        """
        task = asyncio.current_task()
        assert task is not None
        self._task = task
        pump = asyncio.create_task(bus_routing.pump(self))
        pump.add_done_callback(self._interrupt)
        self.heartbeats.start(self)
        failure: BaseException | None = None
        try:
            await self._read_frames()
        except asyncio.CancelledError:
            if not self._interrupted or task.uncancel() > 0:
                raise
        except Exception as error:
            failure = error
        finally:
            # Before any await: the pump ending from here on is this close, not a cause.
            self._interrupted = True
            self.heartbeats.stop(self)
            others = [pump] if self._beat_send is None else [pump, self._beat_send]
            for other in others:
                other.cancel()
            await asyncio.gather(*others, return_exceptions=True)
        if self._silent:
            return CLOSE_SILENT
        if failure is None and not pump.cancelled():
            failure = pump.exception()
        if isinstance(failure, Closing):
            return failure.code
        if failure is not None and not isinstance(failure, NORMAL_ENDS):
            log.error("connection failed", exc_info=failure)
            return 1011
        return None

    def _interrupt(self, _pump: object = None) -> None:
        """End ``run``: the pump ended (a close is due, or it failed), or the client
        fell silent. Once only, and never once ``run`` is ending by itself."""
        if not self._interrupted and self._task is not None:
            self._interrupted = True
            self._task.cancel()

    def beat(self) -> bool:
        """Every heartbeat interval: say we are here, or give up on a silent client.
        Returns whether to beat again.

        Called by ``Heartbeats`` rather than a task per socket, and a silence check
        here rather than a timeout around every receive: with 10,000 sockets, tasks and
        timers per socket are most of what an idle connection costs.
        """
        self._let_in()
        silence = self.heartbeat_seconds * SILENCE_INTERVALS
        if self._loop.time() - self._last_heard >= silence:
            self._silent = True
            self._interrupt()
            return False
        if self._beat_send is None or self._beat_send.done():
            self._beat_send = self._loop.create_task(self.send(server_frames.Heartbeat()))
            self._beat_send.add_done_callback(self._beat_sent)
        return True

    def _beat_sent(self, task: asyncio.Task[None]) -> None:
        # Let the finished task go now rather than at the next beat: an idle socket would
        # otherwise hold it for nearly the whole interval.
        if self._beat_send is task:
            self._beat_send = None
        # A beat that fails found the socket gone; the reader ends the connection.
        _consume_outcome(task)

    async def _read_frames(self) -> None:
        while True:
            # Handled in a call of its own, so that an idle socket does not hold its
            # last frame while it waits for the next.
            await self._received(await self.socket.receive())
            # Time spent handling a frame is not the client's silence.
            self._last_heard = self._loop.time()

    async def _received(self, message: Mapping[str, Any]) -> None:
        self._last_heard = self._loop.time()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        text = message.get("text")
        if text is not None:
            await frame_routing.handle_text(self, text)
        elif message.get("bytes") is not None:
            try:
                await screen_sharing.relay_frame(self, message["bytes"])
            except HelplineError as error:
                await self.error(error)

    def take_message(self) -> None:
        """Count a message against this socket's rate; raises ``RateLimited`` past it."""
        if self._message_rate is None:
            self._message_rate = MessageRate(self.service.limits.messages, self._loop.time)
        self._message_rate.take()

    def followed_by_public_id(self, public_id: str) -> Followed | None:
        session_id = self._by_public_id.get(normalize_public_id(public_id))
        return None if session_id is None else self.followed.get(session_id)

    # Frames only the customer sends ------------------------------------------------

    def customer(self, action: str) -> CustomerActor:
        return customer_only(self.actor, action)

    # Following sessions ------------------------------------------------------------

    def _let_in(self) -> None:
        if self.ticket is not None:
            self.ticket.done()
            self.ticket = None

    async def subscribe(self, public_id: str, after: int) -> None:
        try:
            await self._subscribe(public_id, after)
        finally:
            self._let_in()

    async def _subscribe(self, public_id: str, after: int) -> None:
        session_id = await self._session_id(public_id)
        following = session_id in self.followed
        if not following:
            await self._follow_channels(session_id)
        try:
            await self._send_state(session_id, after)
        except BaseException:
            if not following and session_id not in self.followed:
                await self._unfollow_channels(session_id)
            raise
        thumbnail = self.thumbnails.latest(session_id)
        if thumbnail is not None and isinstance(self.actor, RepActor):
            await self.send_binary(thumbnail)
        followed = self.followed[session_id]
        if isinstance(self.actor, CustomerActor) and followed.session.status is SessionStatus.ENDED:
            raise Closing(CLOSE_SESSION_ENDED, "The session has ended.")

    async def _send_state(self, session_id: int, after: int) -> None:
        """Read the session now that its channel is followed, check that this actor may
        follow it, and send it with what the client missed. Until ``followed`` holds the
        session, nothing heard on its channels reaches this socket (``bus_routing``,
        ``screen_sharing``), so following before the check shows nothing.
        """
        async with self.delivery_lock:
            # Read now that the channel is followed: a change made before this read is
            # in it, and one made after it is heard of. One read gives the session, its
            # last seq and its attendees, from one moment.
            state = await self.service.store.session_state(session_id, after, REPLAY_BATCH)
            if state is None:
                raise NotFound("There is no such session.")
            session, last_seq, attendees = state.session, state.last_seq, state.attendees
            if isinstance(self.actor, RepActor):
                await self.service.check_rep_may_look(self.actor, session, attendees)
            portal = await self.service.portal(session.portal_id)
            body = wire.session_view(self.viewer, session, attendees, portal)
            await self.send(server_frames.Subscribed(session=body, last_seq=last_seq))
            self.followed[session.id] = Followed(self.sessions.share(session), attendees, after)
            self._by_public_id[session.public_id] = session.id
            # What the client missed came with the state; later events come on the
            # followed channel.
            await self.catch_up(session.id, state.events)
            # The customer's seqs have holes (events they may not see): only this
            # marker tells a client that the replay is over and it is current.
            last_sent = self.followed[session.id].last_sent
            await self.send(server_frames.Replayed(session=session.public_id, last_seq=last_sent))

    async def _session_id(self, public_id: str) -> int:
        """The id of the session named. A customer's own session, the only one they may
        follow, is known without a read; a representative's right to follow it is
        checked once its channel is followed, on the state read then."""
        actor = self.actor
        if not isinstance(actor, CustomerActor):
            return (await self.service.find_session(public_id)).id
        if normalize_public_id(public_id) == actor.public_id:
            return actor.session_id
        # Someone else's session: refused as any other request naming it is.
        return (await self.service.session_for(actor, public_id)).id

    async def _follow_channels(self, session_id: int) -> None:
        await self.subscription.add(session_channel(session_id))
        if isinstance(self.actor, RepActor):
            await self.subscription.add(screen_channel(session_id))

    async def _unfollow_channels(self, session_id: int) -> None:
        await self.subscription.remove(session_channel(session_id))
        if isinstance(self.actor, RepActor):
            await self.subscription.remove(screen_channel(session_id))

    async def unsubscribe(self, public_id: str) -> None:
        session = await self.service.find_session(public_id)
        if self.followed.pop(session.id, None) is not None:
            self._by_public_id.pop(session.public_id, None)
            await self._unfollow_channels(session.id)
        self.watching.discard(session.id)

    async def catch_up(self, session_id: int, read: list[Event] | None = None) -> None:
        """Send everything after ``last_sent`` from the store, starting with ``read``:
        the events after ``last_sent`` read a moment ago, if they were. Hold the
        delivery lock."""
        followed = self.followed.get(session_id)
        if followed is None:
            return
        batch = read
        while True:
            if batch is None:
                batch = await self.service.store.events_after(
                    session_id, followed.last_sent, REPLAY_BATCH
                )
            for event in batch:
                await self.deliver(followed, event)
            if len(batch) < REPLAY_BATCH:
                return
            batch = None

    async def refresh(self, session_id: int) -> None:
        """Read a followed session's state again, after the bus said it changed (or
        lost messages), and send the events of its log this socket has not had. Hold
        the delivery lock.

        Read rather than taken from the bus message: two changes published by two
        tasks may arrive in either order, while a read after hearing of a change is
        at least as new as that change. The events not yet sent come in the same read:
        most changes (presence, attendees) add no event, and an empty range of the log's
        index costs next to nothing, where a read of its own cost a hand-off.
        """
        followed = self.followed.get(session_id)
        if followed is None:
            return
        state = await self.service.store.session_state(session_id, followed.last_sent, REPLAY_BATCH)
        if state is None:
            return
        followed.session = self.sessions.share(state.session)
        followed.attendees = state.attendees
        await self.catch_up(session_id, state.events)

    async def deliver(self, followed: Followed, event: Event) -> None:
        body = wire.event_view(self.viewer, event)
        if body is not None:
            await self.send(server_frames.EventFrame(session=followed.public_id, event=body))
        followed.last_sent = event.seq


def _consume_outcome(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        task.exception()
