"""One support session as the agent lives it, without any UI.

Why apart from the app: everything the agent *does* (chat, files, pushed pages, the
screen, the chat log, ending) is here, driven by the protocol client, and reports to
a ``View`` that only draws. So the behaviour is tested against a real server with no
terminal, the Textual app stays a thin layer, and another front end (a GUI, a
service) could drive the same session.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from helpline.agent import browser, chatlog, diagnostics, screen, state
from helpline.agent.api import Api, ApiError
from helpline.agent.computer import Computer
from helpline.agent.connection import Connection, ConnectionState, Listener, Phase
from helpline.agent.consent_prompts import Answer, ConsentPrompts, server_reply
from helpline.agent.events import ConsentRequest, Consents, Event, event_line, live_pushed_url
from helpline.agent.frames import read_session
from helpline.agent.joining import Credentials
from helpline.agent.offers import Offers
from helpline.agent.outbox import EntryState, OutboxEntry
from helpline.agent.session_files import SessionFiles
from helpline.agent.status import status_text
from helpline.agent.view import LogLine, Progress, View, shown_path
from helpline.agent.window import WindowLock
from helpline.domain.diagnostics import Report
from helpline.protocol.client_frames import Screen, UrlOpened
from helpline.protocol.server_frames import CustomerSession

# Quitting with credentials given: how long the window tries to tell the server.
CLOSE_REVOKE_SECONDS = 3.0


@dataclass
class AgentSession(SessionFiles, Listener):
    credentials: Credentials
    download_dir: Path
    view: View = field(default_factory=View)
    state_folder: Path | None = None
    display: Callable[[], bool] = screen.has_display
    open_url: Callable[[str], Coroutine[Any, Any, bool]] = browser.open_url
    collect: Callable[[], Awaitable[Report]] = diagnostics.collect_report
    # None: HELPLINE_AGENT_CONSENT_TIMEOUT, else 60 seconds.
    consent_timeout: float | None = None
    # Set when this agent runs as a service: its state file (see computer.py).
    service_state: Path | None = None

    def __post_init__(self) -> None:
        self.api = Api(self.credentials.server, self.credentials.token)
        self.connection = Connection(self.api, self.credentials.session, self)
        self.session: CustomerSession | None = None
        # The log or the server said the session ended (its copy may say so later).
        self._ended = False
        self.offers = Offers()
        self.progress: dict[int | str, Progress] = {}
        self.consents = Consents()
        self.prompts = ConsentPrompts(
            self.consents,
            ready=lambda: self.caught_up() and not self.ended,
            reply=server_reply(
                self.id, self.connection.send_control, self.api, self._spawn, self.note
            ),
            note=self.note,
            changed=lambda: self.view.changed("consent"),
            spawn=self._spawn,
            timeout_seconds=self.consent_timeout,
        )
        self.prompts.register("screen", self._allow_screen, self._without_display)
        self.prompts.register("diagnostics", self._send_diagnostics)
        self.share: screen.ScreenShare | None = None
        self.sharing_request: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._downloads: dict[int, asyncio.Task[Any]] = {}
        self._has_display: bool | None = None
        self._was_open = False
        self.computer = Computer(
            self.api,
            self.id,
            self.note,
            self._spawn,
            service_state=self.service_state,
            download_dir=self.download_dir,
        )
        self.computer.register(self.prompts)

    @property
    def id(self) -> str:
        return self.credentials.session

    @property
    def ended(self) -> bool:
        return (
            self._ended
            or (self.session is not None and self.session.status == "ended")
            or self.connection.state.reason == "ended"
        )

    def status(self, now: float | None = None) -> str:
        """The status line; ``now`` (the loop's time) counts down to the next attempt."""
        return status_text(self.connection.state, self.id, self.representatives(), self.ended, now)

    def representatives(self) -> list[str]:
        return [a.name for a in self.session.attendees] if self.session is not None else []

    # -------------------------------------------------------------- running

    async def run(self) -> ConnectionState:
        """Run the session until it ends (or ``close()``), with its state file."""
        running = state.RunningSession(
            server=self.api.server,
            session=self.id,
            token=self.credentials.token,
            pid=os.getpid(),
            download_dir=str(self.download_dir),
        )
        try:
            state.write(running, self.state_folder)
        except OSError as error:
            self.note(
                f"'helpline agent send' cannot find this session: its state file could not "
                f"be written ({error.strerror or error}). Send files with F3 instead.",
                "problem",
            )
        # The customer's window on the session, for a service to see (window.py).
        lock = None if self.computer.as_service else WindowLock(self.id)
        if lock is not None:
            lock.hold()
        try:
            return await self.connection.run()
        finally:
            if lock is not None:
                lock.release()
            self._stop_sharing(say=False)
            state.remove(self.id, self.state_folder)

    async def close(self) -> None:
        if self.computer.vault.holds and not self.ended:
            # The password dies with this process: say so, rather than leave a grant
            # in force that nothing can use.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.computer.revoke_credentials(), CLOSE_REVOKE_SECONDS)
        self.connection.stop()
        self.prompts.close()
        self._stop_sharing(say=False)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.api.aclose()
        state.remove(self.id, self.state_folder)

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def note(self, text: str, kind: str = "local") -> None:
        stamp = datetime.now(UTC).astimezone().strftime("%H:%M:%S")
        self.view.line(LogLine(f"[{stamp}] * {text}", kind))

    # -------------------------------------------------------------- chat

    def send(self, text: str) -> OutboxEntry | None:
        if not text.strip():
            return None
        if self.ended:
            self.note("The session has ended; nothing more can be sent.", "problem")
            return None
        return self.connection.send_message(text.rstrip())

    def unsent(self) -> list[OutboxEntry]:
        """Lines typed here that are not sent yet."""
        return [e for e in self.connection.outbox.all() if e.state is EntryState.PENDING]

    async def save_chatlog(self) -> Path:
        saved = await chatlog.save_chatlog(self.api, self.id, self.download_dir)
        self.note(f"Saved the chat log as {shown_path(saved)}")
        return saved

    async def end(self) -> None:
        try:
            body = await self.api.call("POST", f"/api/sessions/{self.id}/end")
        except ApiError as error:
            if error.code != "session_ended":
                raise
        else:
            session = read_session(body)
            if session is not None:
                self.session_changed(session)

    # -------------------------------------------------------------- asking the customer

    def waiting_consent(self) -> ConsentRequest | None:
        """The request the customer should answer now (see ``ConsentPrompts``)."""
        return self.prompts.current()

    async def _send_diagnostics(self, request: ConsentRequest, answer: Answer) -> None:
        # What the customer viewed is what goes; after a plain OK, collect it now.
        report = answer.value if answer.value is not None else await self.collect()
        path = f"/api/consents/{request.request_id}/diagnostics"
        await self.api.call("POST", path, {"report": report})

    # -------------------------------------------------------------- the screen

    def _without_display(self, request: ConsentRequest) -> str | None:
        if self._has_display is None:
            self._has_display = self.display()
        if self._has_display:
            return None
        self.note(
            f"{request.by} asked to see your screen. This computer has no display to share, "
            "so the agent declined."
        )
        return "no_display"

    async def _allow_screen(self, request: ConsentRequest, answer: Answer) -> None:
        self.prompts.reply(request.request_id, True, None)
        self._start_sharing(request.request_id)
        self.view.changed("consent")

    def _start_sharing(self, request_id: str) -> None:
        self._stop_sharing(say=False)
        self.sharing_request = request_id
        self.connection.send_control(Screen(session=self.id, sharing=True, request=request_id))
        self.share = screen.ScreenShare(self.id, self.connection.send_binary)
        self._spawn(self._share(self.share))
        self.note("Your screen is shared. Press F8 to stop.")

    async def _share(self, share: screen.ScreenShare) -> None:
        await share.run()
        if share.error is not None and self.share is share:
            self.note(share.error, "problem")
            self.stop_sharing()

    def stop_sharing(self) -> None:
        self._stop_sharing(say=True)

    def _stop_sharing(self, say: bool) -> None:
        if self.share is None:
            return
        self.share.stop()
        self.share, self.sharing_request = None, None
        self.connection.send_control(Screen(session=self.id, sharing=False))
        if say:
            self.note("You stopped sharing your screen.")
        self.view.changed("consent")

    def caught_up(self) -> bool:
        """The replay after subscribing is over: what arrives now is live."""
        live_after = self.connection.live_after
        return live_after is not None and self.connection.tracker.last >= live_after

    # -------------------------------------------------------------- pushed pages

    async def _open_pushed(self, event: Event, url: str) -> None:
        if await self.open_url(url):
            self.note(f"Opened {url} in your browser.")
            return
        self.note(f"No browser could open here. Open this link yourself: {url}", "problem")
        self.connection.send_control(UrlOpened(session=self.id, seq=event.seq, opened=False))

    # -------------------------------------------------------------- the connection says

    def state_changed(self, new: ConnectionState) -> None:
        if new.phase is Phase.RECONNECTING and self._was_open:
            self._was_open = False
            self.note(f"Connection lost ({new.detail}). Reconnecting; nothing you type is lost.")
        elif new.phase is Phase.OPEN:
            if self._was_open is False and self.connection.tracker.last > 0:
                self.note("Reconnected.")
            self._was_open = True
        elif new.phase is Phase.CLOSED:
            self._stop_sharing(say=False)
            if new.reason == "ended":
                state.remove(self.id, self.state_folder)
        self.view.changed("status")

    def welcomed(self, session: CustomerSession) -> None:
        self.session_changed(session)
        if self.sharing_request is not None:
            # A new socket: the server forgot the share with the old one.
            self.connection.send_control(
                Screen(session=self.id, sharing=True, request=self.sharing_request)
            )

    def subscribed(self, session: CustomerSession, last_seq: int) -> None:
        self.session_changed(session)
        self.computer.subscribed(last_seq)
        self.prompts.ask()

    def session_changed(self, session: CustomerSession) -> None:
        if not session.id:
            return
        ended = self._ended or (self.session is not None and self.session.status == "ended")
        if ended and session.status != "ended":
            return
        self.session = session
        self.view.changed("status")

    def event(self, event: Event, live: bool) -> None:
        kind = "message" if event.kind == "message" else "status"
        self.view.line(LogLine(event_line(event), kind))
        self.consents.see(event)
        if self.offers.see(event) is not None:
            self.view.changed("files")
        if event.action == "ended":
            self._ended = True
            self._stop_sharing(say=False)
            self.view.changed("status")
        self.computer.event(event)
        url = live_pushed_url(event, self.connection.live_after)
        if url is not None:
            self._spawn(self._open_pushed(event, url))
        self.prompts.ask()

    def outbox_changed(self) -> None:
        # A line refused for good leaves the outbox (it is never sent again) and stays
        # in the log as not sent, with the server's reason.
        for entry in self.connection.outbox.all():
            if entry.state is EntryState.FAILED:
                self.connection.outbox.remove(entry.client_id)
                self.note(f"Not sent ({entry.error}): {entry.text}", "problem")
        self.view.changed("outbox")

    def screen_watch(self) -> None:
        if self.share is not None:
            self.share.watched()

    def error(self, code: str, message: str) -> None:
        if code == "session_ended":
            self._ended = True
            self.computer.ended()
            self.view.changed("status")
        elif code != "invalid_frame":
            # invalid_frame: a frame this server does not know yet (url_opened on an
            # older server); nothing to tell the customer.
            self.note(message, "problem")
