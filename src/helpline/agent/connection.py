"""The protocol client: one customer socket (``/ws/customer``) that survives anything.

Why a class of its own, without any UI: this is the part that must never lose or
double a line, and it is tested against a real server with its network cut and the
server killed (tests/integration/test_agent_connection.py). It speaks docs/protocol.md
only: the bearer token in the handshake, ``subscribe`` with the last ``seq`` seen,
sends kept in the outbox (outbox.py) until their ``ack`` and resent with their
``client_id`` after a reconnect, ``rate_limited`` and ``unavailable`` retried after
``retry_after`` (sending.py), a ``ping`` every heartbeat, a dead socket noticed after
three silent intervals, and reconnects with backoff (reconnect.py) until the session
ends.

Whoever uses it (the agent's session, or a test) gets callbacks on a ``Listener``,
always from the event loop that runs ``run()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random as _random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from helpline.agent import reconnect
from helpline.agent.api import USER_AGENT, Api, ApiError
from helpline.agent.events import Event, SeqTracker, event_from_wire
from helpline.agent.frames import FrameRefused, read_frame, read_session
from helpline.agent.outbox import TOO_LARGE_MESSAGE, EntryState, Outbox, OutboxEntry
from helpline.agent.sending import Sender
from helpline.protocol import server_frames as sent
from helpline.protocol.client_frames import ClientFrame, Ping, Subscribe
from helpline.protocol.server_frames import CustomerSession

log = logging.getLogger(__name__)

DEFAULT_HEARTBEAT_SECONDS = 25.0
OPEN_TIMEOUT_SECONDS = 10.0


class Phase(StrEnum):
    CONNECTING = "connecting"
    OPEN = "open"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


@dataclass(frozen=True)
class ConnectionState:
    phase: Phase
    attempt: int = 0
    # Loop time of the next attempt, while waiting for it.
    retry_at: float | None = None
    # Why it is closed: ended, expired or stopped.
    reason: str | None = None
    # Why the last socket went away, for people ("connection refused").
    detail: str = ""


class Listener:
    """What a connection reports. Every method does nothing unless overridden."""

    def state_changed(self, state: ConnectionState) -> None: ...
    def welcomed(self, session: CustomerSession) -> None: ...
    def subscribed(self, session: CustomerSession, last_seq: int) -> None: ...
    def event(self, event: Event, live: bool) -> None: ...
    def session_changed(self, session: CustomerSession) -> None: ...
    def outbox_changed(self) -> None: ...
    def screen_watch(self) -> None: ...
    def error(self, code: str, message: str) -> None: ...


class Connection:
    def __init__(
        self,
        api: Api,
        session: str,
        listener: Listener,
        *,
        random: Callable[[], float] = _random.random,
        new_client_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self.api = api
        self.session = session
        self.listener = listener
        self.outbox = Outbox()
        self.tracker = SeqTracker()
        self.heartbeat_seconds = DEFAULT_HEARTBEAT_SECONDS
        # last_seq of this socket's `subscribed`: events above it are live.
        self.live_after: int | None = None
        self.state = ConnectionState(Phase.CONNECTING)
        self._random = random
        self._new_client_id = new_client_id
        self.sender = Sender(self.outbox, random)
        self._socket: ClientConnection | None = None
        self._wake = asyncio.Event()
        self._attempt = 0
        self._closing: set[asyncio.Task[None]] = set()

    @property
    def closed(self) -> bool:
        """Final: the session ended, the credentials expired, or ``stop()``."""
        return self.state.phase is Phase.CLOSED

    @property
    def ready(self) -> bool:
        """Welcomed on an open socket: frames sent now go out now."""
        return self.sender.ready

    # -------------------------------------------------------------- what callers do

    def send_message(self, text: str) -> OutboxEntry:
        """Queue a chat line: sent now when the socket is ready, else after reconnecting."""
        entry = self.outbox.add(self._new_client_id(), self.session, text)
        self.listener.outbox_changed()
        self.sender.entry(entry)
        return entry

    def send_control(self, frame: ClientFrame) -> bool:
        """A frame that is not kept (consent, screen, url_opened): False when there is
        no ready socket to take it now."""
        return self.sender.frame(frame)

    def send_binary(self, data: bytes) -> bool:
        """A screen frame; skipped (False) while the socket is not ready or still busy
        with earlier frames, since a newer one follows."""
        return self.sender.binary(data)

    def stop(self) -> None:
        """Close for good (the session ended here, or the agent quits)."""
        self._close(ConnectionState(Phase.CLOSED, reason="stopped"))

    def retry_now(self) -> None:
        """Try at once instead of waiting out the backoff."""
        self._wake.set()

    # -------------------------------------------------------------- the socket's life

    async def run(self) -> ConnectionState:
        """Connect, and reconnect, until the session ends, the credentials expire or
        ``stop()``; returns the final state."""
        loop = asyncio.get_running_loop()
        while not self.closed:
            opened, code, detail = False, None, ""
            welcomed_at: list[float] = []
            unanswered: list[str] = []
            try:
                async with connect(
                    self.api.socket_url,
                    additional_headers={"Authorization": f"Bearer {self.api.token}"},
                    user_agent_header=USER_AGENT,
                    open_timeout=OPEN_TIMEOUT_SECONDS,
                    ping_interval=None,
                    close_timeout=2,
                    compression=None,
                ) as socket:
                    opened = True
                    code = await self._serve(socket, welcomed_at)
            except InvalidStatus as error:
                detail = f"the server refused the connection ({error.response.status_code})"
            except (OSError, TimeoutError, InvalidHandshake) as error:
                detail = str(error) or type(error).__name__
            finally:
                # The server answers frames in order: the oldest unanswered send is
                # the one it was handling if it failed (1011).
                unanswered = list(self.sender.unanswered)
                self._teardown()
            if self.closed:
                break
            welcomed_for = loop.time() - welcomed_at[0] if welcomed_at else None
            self._attempt = reconnect.attempt_after_close(self._attempt, welcomed_for)
            await self._after_close(opened, code, detail, unanswered)
        return self.state

    async def _serve(self, socket: ClientConnection, welcomed_at: list[float]) -> int | None:
        self._socket = socket
        writer = asyncio.create_task(self.sender.write(socket, self.sender.open()))
        pinger: asyncio.Task[None] | None = None
        try:
            while True:
                limit = reconnect.silence_limit(self.heartbeat_seconds)
                try:
                    message = await asyncio.wait_for(socket.recv(), limit)
                except TimeoutError:
                    return reconnect.CLOSE_SILENT
                except ConnectionClosed:
                    return socket.close_code
                if isinstance(message, bytes):
                    continue
                if isinstance(self._receive(message), sent.CustomerWelcome):
                    welcomed_at.append(asyncio.get_running_loop().time())
                    if pinger is not None:
                        pinger.cancel()
                    pinger = asyncio.create_task(self._ping())
        finally:
            for task in (writer, pinger):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def _ping(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            self.sender.frame(Ping())

    def _teardown(self) -> None:
        self._socket = None
        self.live_after = None
        self.sender.closed()

    async def _after_close(
        self, opened: bool, code: int | None, detail: str, unanswered: list[str]
    ) -> None:
        action = reconnect.close_action(code)
        if action is reconnect.CloseAction.ENDED:
            self._close(ConnectionState(Phase.CLOSED, reason="ended"))
            return
        if action is reconnect.CloseAction.EXPIRED:
            self._close(ConnectionState(Phase.CLOSED, reason="expired"))
            return
        changed = None
        if code == reconnect.CLOSE_TOO_BIG and self.sender.last_sent is not None:
            # The transport refused our frame: give it up rather than resend it forever.
            changed = self.outbox.fail(self.sender.last_sent, TOO_LARGE_MESSAGE)
        elif code == reconnect.CLOSE_SERVER_ERROR and unanswered:
            changed = self.outbox.strike(unanswered[0])
        if changed is not None:
            self.listener.outbox_changed()
        if not opened and await self._probe() is not None:
            return
        delay = reconnect.backoff_delay(self._attempt, self._random)
        self._attempt += 1
        loop = asyncio.get_running_loop()
        if code is not None and not detail:
            detail = reconnect.close_reason(code)
        self._set_state(
            ConnectionState(
                Phase.RECONNECTING, self._attempt, retry_at=loop.time() + delay, detail=detail
            )
        )
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)
        if not self.closed:
            self._set_state(ConnectionState(Phase.RECONNECTING, self._attempt, detail=detail))

    async def _probe(self) -> str | None:
        """After a handshake that failed: are the credentials gone, or the session over?"""
        try:
            body = await self.api.call("GET", f"/api/sessions/{self.session}")
        except ApiError as error:
            if error.status in (401, 403, 404):
                self._close(ConnectionState(Phase.CLOSED, reason="expired"))
                return "expired"
            return None
        session = read_session(body)
        if session is not None and session.status == "ended":
            self.listener.session_changed(session)
            self._close(ConnectionState(Phase.CLOSED, reason="ended"))
            return "ended"
        return None

    def _close(self, state: ConnectionState) -> None:
        if self.closed:
            return
        self._set_state(state)
        self._wake.set()
        socket = self._socket
        if socket is not None:
            closing = asyncio.get_running_loop().create_task(socket.close())
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)

    def _set_state(self, state: ConnectionState) -> None:
        self.state = state
        self.listener.state_changed(state)

    # -------------------------------------------------------------- frames

    def _receive(self, text: str) -> sent.CustomerServerFrame | None:
        """Handle one frame; a frame the agent cannot read is logged and nothing of
        it is handled."""
        try:
            frame = read_frame(text)
        except FrameRefused as refused:
            log.log(logging.INFO if refused.unknown_type else logging.WARNING, "%s", refused)
            return None
        match frame:
            case sent.CustomerWelcome():
                self._on_welcome(frame)
            case sent.Subscribed():
                self.live_after = frame.last_seq
                self.listener.subscribed(frame.session, frame.last_seq)
            case sent.EventFrame():
                self._on_event(frame.event)
            case sent.Ack():
                self._on_ack(frame)
            case sent.ErrorFrame():
                self._on_error(frame)
            case sent.SessionFrame():
                self.listener.session_changed(frame.session)
            case sent.ScreenWatch():
                self.listener.screen_watch()
        return frame

    def _on_welcome(self, frame: sent.CustomerWelcome[CustomerSession]) -> None:
        if frame.heartbeat_seconds > 0:
            self.heartbeat_seconds = frame.heartbeat_seconds
        self.sender.welcomed()
        self._set_state(ConnectionState(Phase.OPEN))
        self.listener.welcomed(frame.session)
        self.sender.frame(Subscribe(session=self.session, after=self.tracker.last))
        self.sender.flush()

    def _on_event(self, body: sent.CustomerEvent) -> None:
        event = event_from_wire(body)
        if not self.tracker.accept(event.seq):
            return
        if self.outbox.resolve(self.session, event.seq, event.client_id):
            self.listener.outbox_changed()
        live = self.live_after is not None and event.seq > self.live_after
        self.listener.event(event, live)

    def _on_ack(self, frame: sent.Ack) -> None:
        client_id, seq = frame.client_id, frame.seq
        self.sender.answered(client_id)
        if self.outbox.ack(client_id, seq) is None:
            return
        if self.tracker.seen(seq):
            # Its event came first (a resend after a reconnect): nothing left to show.
            self.outbox.resolve(self.session, seq, client_id)
        self.listener.outbox_changed()

    def _on_error(self, frame: sent.ErrorFrame) -> None:
        code, message = frame.code, frame.message
        client_id = None if frame.client_id is msgspec.UNSET else frame.client_id
        entry = self.outbox.get(client_id) if client_id is not None else None
        if entry is None:
            self.listener.error(code, message)
            return
        self.sender.answered(entry.client_id)
        delay = None if frame.retry_after is msgspec.UNSET else float(frame.retry_after)
        if code == "rate_limited" and entry.state is EntryState.PENDING:
            # Sent too fast: every send waits, in order, until the server said.
            self.outbox.refuse(entry.client_id, code, message)
            self.sender.hold(delay if delay is not None else 1.0)
        else:
            refused = self.outbox.refuse(entry.client_id, code, message)
            if refused is not None and refused.state is EntryState.PENDING:
                self.sender.defer(refused.client_id, delay)
        self.listener.outbox_changed()
