"""The WebSocket gateway: one socket per console, one per customer.

Order matters here, and it is the delivery contract of docs/protocol.md: a
connection follows a session's bus channel *before* it reads the store, replays what
the client missed, then streams live events, skipping what it already sent and
reading the store again when it sees a gap or hears that the bus lost something.
Everything a viewer receives passes through ``helpline.domain.visibility``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.websockets import (
    WebSocket,
    WebSocketDisconnect,
    WebSocketDisconnected,
)

from helpline.bus.base import BusClosed, Lost, Message, Subscription
from helpline.domain.consent import ConsentKind
from helpline.domain.errors import (
    Forbidden,
    HelplineError,
    InvalidFrame,
    InvalidInput,
    RateLimited,
    SessionEnded,
)
from helpline.domain.events import Event
from helpline.domain.sessions import (
    Attendee,
    SessionStatus,
    SupportSession,
    find_attendee,
    normalize_public_id,
)
from helpline.domain.visibility import Viewer
from helpline.server import frames, wire
from helpline.server.consents import Consents
from helpline.server.invitations import Invitations
from helpline.server.message_rate import MessageRate
from helpline.server.outages import as_unavailable
from helpline.server.pushed_urls import PushedUrls
from helpline.server.screen import THUMBNAIL, Thumbnails, frame_kind, parse_frame, screen_channel
from helpline.server.service import (
    Actor,
    CustomerActor,
    HelplineService,
    RepActor,
    portal_channel,
    rep_channel,
    session_channel,
)
from helpline.server.sockets import Heartbeats, SharedSessions

log = logging.getLogger(__name__)

# How a connection ends when its client simply goes away: not worth a traceback.
NORMAL_ENDS = (WebSocketDisconnect, WebSocketDisconnected, BusClosed, OSError)

CLOSE_LOGGED_OUT = 4001
CLOSE_SESSION_ENDED = 4002
CLOSE_CREDENTIALS = 4003
CLOSE_SILENT = 4008
REPLAY_BATCH = 500
# A client that says nothing for this many heartbeat intervals is gone: home routers
# and mobile networks drop idle connections without telling either side.
SILENCE_INTERVALS = 3


@dataclass
class Followed:
    """A session this socket follows: what it has sent, and the session's state.

    ``session`` and ``attendees`` are read when the socket subscribes and again
    whenever the bus says the session changed (or that messages were lost), so a
    message sent into a followed session is checked without reading the store.
    """

    session: SupportSession
    attendees: list[Attendee]
    last_sent: int

    @property
    def public_id(self) -> str:
        return self.session.public_id


class Closing(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


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
        self.followed: dict[int, Followed] = {}
        # Followed sessions by public ID, for frames that name a session.
        self._by_public_id: dict[str, int] = {}
        self.heartbeat_seconds = service.settings.heartbeat_seconds
        self.max_frame_bytes = service.settings.max_frame_bytes
        self._loop = asyncio.get_running_loop()
        self._last_heard = self._loop.time()
        self._silent = False
        self._reader: asyncio.Task[None] | None = None
        self._beat_send: asyncio.Task[None] | None = None
        # Made on the first send, so an idle socket holds none.
        self._message_rate: MessageRate | None = None
        self._send_lock = asyncio.Lock()
        # Held while events of followed sessions are sent, so replay and live
        # delivery never interleave and ``last_sent`` stays true.
        self._delivery_lock = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.socket.send_text(wire.dumps(frame))

    async def send_binary(self, data: bytes) -> None:
        async with self._send_lock:
            await self.socket.send_bytes(data)

    async def error(self, error: HelplineError, **context: Any) -> None:
        frame: dict[str, Any] = {"type": "error", **wire.error_body(error.code, error.message)}
        if isinstance(error, RateLimited):
            frame["retry_after"] = max(1, int(error.retry_after_seconds + 0.999))
        frame.update({k: v for k, v in context.items() if v is not None})
        await self.send(frame)

    # Start ------------------------------------------------------------------------

    async def welcome(self) -> None:
        service = self.service
        if isinstance(self.actor, RepActor):
            rep = self.actor.rep
            await self.subscription.add(rep_channel(rep.id))
            for portal in await service.store.portals_of(rep.id):
                await self.subscription.add(portal_channel(portal.id))
            sessions = [
                await service.session_body(self.viewer, s)
                for s in await service.open_sessions_for(self.actor)
            ]
            queue = [
                await service.session_body(self.viewer, s)
                for s in await service.queue_for(self.actor)
            ]
            await self.send(
                {
                    "type": "welcome",
                    "role": "representative",
                    "me": wire.me_body(rep),
                    "sessions": sessions,
                    "queue": queue,
                    "invitations": await self.invitations.pending(self.actor),
                    "heartbeat_seconds": self.heartbeat_seconds,
                }
            )
        else:
            session = await service.store.get_session(self.actor.session_id)
            if session is None:
                raise Closing(CLOSE_CREDENTIALS, "The session is gone.")
            await self.send(
                {
                    "type": "welcome",
                    "role": "customer",
                    "session": await service.session_body(self.viewer, session),
                    "heartbeat_seconds": self.heartbeat_seconds,
                }
            )

    # The loop ---------------------------------------------------------------------

    async def run(self) -> int | None:
        """Serve until the client leaves or a close is due; returns the close code."""
        self._reader = asyncio.create_task(self._read_frames())
        tasks = [self._reader, asyncio.create_task(self._pump_bus())]
        # One future that the first task to end completes, rather than asyncio.wait:
        # that keeps two coroutines, two sets and a future alive per idle socket.
        first_ended: asyncio.Future[None] = self._loop.create_future()
        ended = functools.partial(_complete, first_ended)
        for task in tasks:
            task.add_done_callback(ended)
        self.heartbeats.start(self)
        try:
            await first_ended
            done = [task for task in tasks if task.done()]
        finally:
            self.heartbeats.stop(self)
            if self._beat_send is not None:
                tasks.append(self._beat_send)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._silent:
            return CLOSE_SILENT
        for task in done:
            if task.cancelled():
                continue
            error = task.exception()
            if isinstance(error, Closing):
                return error.code
            if error is not None and not isinstance(error, NORMAL_ENDS):
                log.error("connection failed", exc_info=error)
                return 1011
        return None

    def beat(self) -> bool:
        """Every heartbeat interval: say we are here, or give up on a silent client.
        Returns whether to beat again.

        Called by ``Heartbeats`` rather than a task per socket, and a silence check
        here rather than a timeout around every receive: with 10,000 sockets, tasks and
        timers per socket are most of what an idle connection costs.
        """
        silence = self.heartbeat_seconds * SILENCE_INTERVALS
        if self._loop.time() - self._last_heard >= silence:
            self._silent = True
            if self._reader is not None:
                self._reader.cancel()
            return False
        if self._beat_send is None or self._beat_send.done():
            self._beat_send = self._loop.create_task(self.send({"type": "heartbeat"}))
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
            await self._handle_text(text)
        elif message.get("bytes") is not None:
            try:
                await self._screen_frame(message["bytes"])
            except HelplineError as error:
                await self.error(error)

    async def _handle_text(self, text: str) -> None:
        frame: Any = None
        try:
            frame = frames.parse(text, self.max_frame_bytes)
            frames.check_storable(text, frame)
            await self._dispatch(frame)
        except Exception as failure:
            # A database outage is answered like any refusal: the client resends.
            error = failure if isinstance(failure, HelplineError) else as_unavailable(failure)
            if error is None:
                raise
            context = frame if isinstance(frame, dict) else {}
            await self.error(
                error,
                session=frames.echoable_text(context.get("session")),
                client_id=frames.echoable_text(context.get("client_id")),
            )

    async def _dispatch(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "subscribe":
            await self.subscribe(frames.required_text(frame, "session"), frames.after_seq(frame))
        elif kind == "unsubscribe":
            await self.unsubscribe(frames.required_text(frame, "session"))
        elif kind == "send":
            await self._send_event(frame)
        elif kind == "consent":
            await self._answer_consent(frame)
        elif kind == "screen":
            await self._screen_state(frame)
        elif kind == "watch":
            await self._watch(frame)
        elif kind == "url_opened":
            await self.pushed_urls.report(self._customer("report a pushed URL"), frame)
        else:
            raise InvalidFrame(f"Unknown frame type {kind!r}.")

    async def _send_event(self, frame: dict[str, Any]) -> None:
        if self._message_rate is None:
            self._message_rate = MessageRate(self.service.limits.messages, self._loop.time)
        self._message_rate.take()
        public_id = frames.required_text(frame, "session")
        client_id = frames.required_text(frame, "client_id")
        text = frames.required_text(frame, "text")
        kind = frame.get("kind", "message")
        if not isinstance(kind, str):
            raise InvalidFrame("'kind' is 'message' or 'note'.")
        followed = self._followed_by_public_id(public_id)
        if followed is None:
            appended = await self.service.send(
                self.actor, public_id, kind, text, frame.get("to"), client_id
            )
        else:
            try:
                appended = await self.service.send_in(
                    self.actor,
                    followed.session,
                    followed.attendees,
                    kind,
                    text,
                    frame.get("to"),
                    client_id,
                )
            except (Forbidden, InvalidInput, SessionEnded):
                # This socket may not have heard yet of a change that allows it (a
                # colleague added a moment ago is a valid "to"): ask the store. Nothing
                # was saved, so trying again cannot save twice.
                appended = await self.service.send(
                    self.actor, public_id, kind, text, frame.get("to"), client_id
                )
        await self.send(
            {
                "type": "ack",
                "session": public_id,
                "client_id": client_id,
                "seq": appended.event.seq,
                "duplicate": not appended.created,
            }
        )

    def _followed_by_public_id(self, public_id: str) -> Followed | None:
        session_id = self._by_public_id.get(normalize_public_id(public_id))
        return None if session_id is None else self.followed.get(session_id)

    # The customer's screen ---------------------------------------------------------

    def _customer(self, action: str) -> CustomerActor:
        if not isinstance(self.actor, CustomerActor):
            raise Forbidden(f"Only the customer can {action}.")
        return self.actor

    async def _answer_consent(self, frame: dict[str, Any]) -> None:
        actor = self._customer("answer a request")
        allow = frame.get("allow")
        if not isinstance(allow, bool):
            raise InvalidFrame("'allow' is true or false.")
        request = frames.required_text(frame, "request")
        await self.consents.answer(actor, request, allow, frame.get("reason"))

    async def _screen_state(self, frame: dict[str, Any]) -> None:
        actor = self._customer("share their screen")
        sharing = frame.get("sharing")
        if sharing is True:
            request = frames.required_text(frame, "request")
            if not await self.consents.allowed(actor, request, ConsentKind.SCREEN):
                raise Forbidden("Screen sharing needs the customer's consent first.")
            if self.sharing is None:
                self.sharing = actor.session_id
                await self.service.screen_note(actor, "screen_started")
        elif sharing is False:
            await self.stop_sharing()
        else:
            raise InvalidFrame("'sharing' is true or false.")

    async def stop_sharing(self) -> None:
        if self.sharing is not None and isinstance(self.actor, CustomerActor):
            self.sharing = None
            await self.service.screen_note(self.actor, "screen_stopped")

    async def _screen_frame(self, data: bytes) -> None:
        actor = self._customer("send screen frames")
        if self.sharing is None:
            raise Forbidden("Screen sharing was not started or was stopped.")
        frame = parse_frame(data)
        followed = self.followed.get(actor.session_id)
        session = (
            followed.session
            if followed is not None
            else await self.service.store.get_session(actor.session_id)
        )
        if session is None or frame.session != session.public_id:
            raise Forbidden("A screen frame belongs to your own session.")
        await self.service.bus.publish(screen_channel(actor.session_id), frame.data)

    async def _watch(self, frame: dict[str, Any]) -> None:
        """A Viewer window says it is open (every few seconds) or closed."""
        if not isinstance(self.actor, RepActor):
            raise Forbidden("Only representatives watch a screen.")
        session = await self.service.session_for(self.actor, frames.required_text(frame, "session"))
        if frame.get("on", True) is False:
            self.watching.discard(session.id)
            return
        if session.id not in self.followed:
            await self.subscribe(session.public_id, await self.service.store.last_seq(session.id))
        self.watching.add(session.id)
        await self.service.publish(session_channel(session.id), {"t": "watch"})

    async def _on_screen(self, session_id: int, data: bytes) -> None:
        if frame_kind(data) == THUMBNAIL:
            self.thumbnails.keep(session_id, data)
            if session_id in self.followed and not isinstance(self.actor, CustomerActor):
                await self.send_binary(data)
        elif session_id in self.watching:
            await self.send_binary(data)

    # Following sessions ------------------------------------------------------------

    async def subscribe(self, public_id: str, after: int) -> None:
        session = await self.service.session_for(self.actor, public_id)
        if session.id not in self.followed:
            await self.subscription.add(session_channel(session.id))
            if isinstance(self.actor, RepActor):
                await self.subscription.add(screen_channel(session.id))
        async with self._delivery_lock:
            # Read again now that the channel is followed: a change made since the
            # read above would otherwise be neither in this state nor heard of.
            session = await self.service.store.get_session(session.id) or session
            attendees = await self.service.store.list_attendees(session.id)
            portal = await self.service.portal(session.portal_id)
            body = wire.session_frame_body(self.viewer, session, attendees, portal)
            await self.send(
                {
                    "type": "subscribed",
                    "session": body,
                    "last_seq": await self.service.store.last_seq(session.id),
                }
            )
            self.followed[session.id] = Followed(self.sessions.share(session), attendees, after)
            self._by_public_id[session.public_id] = session.id
            await self._catch_up(session.id)
            # The customer's seqs have holes (events they may not see): only this
            # marker tells a client that the replay is over and it is current.
            last_sent = self.followed[session.id].last_sent
            await self.send(
                {"type": "replayed", "session": session.public_id, "last_seq": last_sent}
            )
        thumbnail = self.thumbnails.latest(session.id)
        if thumbnail is not None and isinstance(self.actor, RepActor):
            await self.send_binary(thumbnail)
        if isinstance(self.actor, CustomerActor) and session.status is SessionStatus.ENDED:
            raise Closing(CLOSE_SESSION_ENDED, "The session has ended.")

    async def unsubscribe(self, public_id: str) -> None:
        session = await self.service.find_session(public_id)
        if self.followed.pop(session.id, None) is not None:
            self._by_public_id.pop(session.public_id, None)
            await self.subscription.remove(session_channel(session.id))
            if isinstance(self.actor, RepActor):
                await self.subscription.remove(screen_channel(session.id))
        self.watching.discard(session.id)

    async def _catch_up(self, session_id: int) -> None:
        """Send everything after ``last_sent`` from the store. Hold the delivery lock."""
        followed = self.followed.get(session_id)
        if followed is None:
            return
        while True:
            batch = await self.service.store.events_after(
                session_id, followed.last_sent, REPLAY_BATCH
            )
            for event in batch:
                await self._deliver(followed, event)
            if len(batch) < REPLAY_BATCH:
                return

    async def _refresh(self, session_id: int) -> None:
        """Read a followed session's state again, after the bus said it changed.

        Read rather than taken from the bus message: two changes published by two
        tasks may arrive in either order, while a read after hearing of a change is
        at least as new as that change.
        """
        followed = self.followed.get(session_id)
        if followed is None:
            return
        session = await self.service.store.get_session(session_id)
        if session is None:
            return
        followed.session = self.sessions.share(session)
        followed.attendees = await self.service.store.list_attendees(session_id)

    async def _deliver(self, followed: Followed, event: Event) -> None:
        body = wire.event_frame_body(self.viewer, event)
        if body is not None:
            await self.send({"type": "event", "session": followed.public_id, "event": body})
        followed.last_sent = event.seq

    # The bus -----------------------------------------------------------------------

    async def _pump_bus(self) -> None:
        while True:
            item = await self.subscription.get()
            if isinstance(item, Lost):
                async with self._delivery_lock:
                    for session_id in list(self.followed):
                        await self._refresh(session_id)
                        await self._catch_up(session_id)
                continue
            await self._on_message(item)

    async def _on_message(self, message: Message) -> None:
        if message.channel.startswith("screen:"):
            await self._on_screen(int(message.channel.split(":", 1)[1]), message.data)
            return
        payload, event = _decoded(message.data)
        kind = payload.get("t")
        if event is not None:
            if event.body.get("action") in ("screen_stopped", "ended"):
                self.thumbnails.forget(event.session_id)
            async with self._delivery_lock:
                followed = self.followed.get(event.session_id)
                if followed is None or event.seq <= followed.last_sent:
                    return
                if event.seq == followed.last_sent + 1:
                    await self._deliver(followed, event)
                else:
                    await self._catch_up(event.session_id)
        elif kind == "session":
            await self._on_session_changed(payload["s"], presence=payload.get("presence", False))
        elif kind == "assigned":
            session, attendees = wire.session_from_record(payload["s"])
            portal = await self.service.portal(session.portal_id)
            body = wire.session_frame_body(self.viewer, session, attendees, portal)
            await self.send({"type": "assigned", "session": body})
        elif kind == "queue":
            session, attendees = wire.session_from_record(payload["s"])
            portal = await self.service.portal(session.portal_id)
            body = wire.session_frame_body(self.viewer, session, attendees, portal)
            await self.send({"type": "queue", "action": payload["action"], "session": body})
        elif kind == "agent_offer" and isinstance(self.actor, CustomerActor):
            followed = self.followed.get(self.actor.session_id)
            if followed is not None:
                await self.send(
                    {
                        "type": "agent_offer",
                        "session": followed.public_id,
                        "command": payload["command"],
                        "expires_at": payload["expires_at"],
                    }
                )
        elif kind == "watch" and isinstance(self.actor, CustomerActor):
            followed = self.followed.get(self.actor.session_id)
            if followed is not None:
                await self.send({"type": "screen_watch", "session": followed.public_id})
        elif kind == "invitation" and isinstance(self.actor, RepActor):
            offer = payload["i"]
            mine = offer["from_id"] == self.actor.rep.id
            attendee = None
            if not mine and offer["kind"] == "invite":
                session = await self.service.find_session(offer["session"]["id"])
                attendees = await self.service.store.list_attendees(session.id)
                attendee = find_attendee(attendees, self.actor.rep.id)
            if not mine and not (attendee and attendee.present):
                await self.send({"type": "invitation", "invitation": offer})
        elif kind == "invitation_closed":
            await self.send({"type": "invitation_closed", "id": payload["id"]})
        elif (
            kind == "logout"
            and isinstance(self.actor, RepActor)
            and payload.get("login") == self.actor.login_hash.hex()
        ):
            raise Closing(CLOSE_LOGGED_OUT, "Logged out.")

    async def _on_session_changed(self, record: dict[str, Any], presence: bool = False) -> None:
        """``presence``: only whether the customer is online changed, which the
        customer's own sockets are not told (they know)."""
        session, attendees = wire.session_from_record(record)
        followed = self.followed.get(session.id)
        if followed is None:
            return
        # Status notes of this change were published first; deliver them before the
        # new state so a client never sees "ended" ahead of the note that says why.
        async with self._delivery_lock:
            await self._refresh(session.id)
            await self._catch_up(session.id)
        # The state read just now, not the record: two changes told by two tasks (a
        # pick-up and the customer's presence) may arrive in either order.
        session, attendees = followed.session, followed.attendees
        if presence and isinstance(self.actor, CustomerActor):
            return
        portal = await self.service.portal(session.portal_id)
        body = wire.session_frame_body(self.viewer, session, attendees, portal)
        await self.send({"type": "session", "session": body})
        if isinstance(self.actor, CustomerActor):
            if session.status is SessionStatus.ENDED:
                raise Closing(CLOSE_SESSION_ENDED, "The session has ended.")
            return
        me = find_attendee(attendees, self.actor.rep.id)
        if me is not None and not me.present:
            # A representative who left or was transferred away hears no more of it.
            await self.unsubscribe(session.public_id)


def _consume_outcome(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        task.exception()


def _complete(future: asyncio.Future[None], _task: asyncio.Task[None]) -> None:
    if not future.done():
        future.set_result(None)


@functools.lru_cache(maxsize=1024)
def _decoded(data: bytes) -> tuple[dict[str, Any], Event | None]:
    """A bus message and the event it carries, decoded once for every socket of this
    process that hears it (the fan-out hands them all the same bytes). Read-only."""
    payload: dict[str, Any] = json.loads(data)
    event = wire.event_from_record(payload["e"]) if payload.get("t") == "event" else None
    return payload, event
