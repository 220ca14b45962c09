"""The agent's terminal app (Textual): the chat, the files, the questions, the status.

Why Textual: the agent must work where the customer is, and for the case no browser
serves (a headless server a sysadmin reaches over SSH) that is a terminal. Textual
gives a full-screen app with widgets, mouse and keyboard in any terminal, and a
pilot (``App.run_test``) that drives the real app in tests. This module only draws
and forwards: what happens is decided by ``AgentSession`` (session.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Header, RichLog, Static

from helpline.agent.consent_prompts import DECLINED, Answer
from helpline.agent.consent_screens import Prompt, prompt_for
from helpline.agent.offers import OfferState
from helpline.agent.session import AgentSession
from helpline.agent.transfers import TransferError
from helpline.agent.view import LogLine, View
from helpline.agent.widgets import (
    FileRow,
    MessageBox,
    Question,
    SendFile,
    end_question,
)

STYLES = {"message": "", "status": "italic", "local": "cyan", "problem": "bold red"}


class AppView(View):
    """Hands what the session says to the app."""

    def __init__(self, app: AgentApp) -> None:
        self.app = app

    def line(self, line: LogLine) -> None:
        self.app.add_line(line)

    def changed(self, what: str) -> None:
        self.app.refresh_part(what)


class AgentApp(App[None]):
    TITLE = "Helpline"
    CSS = """
    #main { height: 1fr; }
    #log { width: 2fr; border: round $primary; }
    #files { width: 1fr; min-width: 30; border: round $secondary; padding: 0 1; }
    #unsent { height: auto; color: $warning; }
    #compose { height: auto; }
    #buttons { width: auto; height: auto; }
    #buttons Button { margin-left: 1; width: 16; }
    #message { height: 5; width: 1fr; }
    #status { height: 1; background: $boost; padding: 0 1; }
    #status.problem { background: $error 40%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "save_chatlog", "Save chat log", priority=True),
        Binding("f3", "send_file", "Send a file", priority=True),
        Binding("f4", "answer_file(True)", "Accept file", priority=True),
        Binding("f5", "answer_file(False)", "Decline file", priority=True),
        Binding("f8", "stop_sharing", "Stop sharing", priority=True),
        Binding("f10", "end_session", "End session", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, agent: AgentSession) -> None:
        super().__init__()
        self.agent = agent
        agent.view = AppView(self)
        self.lines: list[str] = []
        self.log_view = RichLog(id="log", wrap=True, min_width=20)
        self.files_title = Static("Files: none yet. F3 sends one.", id="files-title")
        self.unsent_view = Static("", id="unsent")
        self.status_view = Static("", id="status")
        self.files_view = VerticalScroll(id="files")
        self.message_box = MessageBox(
            id="message", placeholder="Type a message. Enter sends; Ctrl+J starts a new line."
        )
        self._rows: dict[int | str, FileRow] = {}
        self._asking: tuple[str, Prompt] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield self.log_view
            with self.files_view:
                yield self.files_title
        yield self.unsent_view
        with Horizontal(id="compose"):
            yield self.message_box
            with Vertical(id="buttons"):
                yield Button("Send", id="send", variant="primary")
                yield Button("Send a file", id="send-file")
        yield self.status_view
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"Session {self.agent.id}"
        self.message_box.focus()
        self.refresh_status()
        self.set_interval(1.0, self.refresh_status)
        self.run_worker(self._run_session(), name="session", exit_on_error=False)

    async def _run_session(self) -> None:
        await self.agent.run()
        self.refresh_status()

    async def on_unmount(self) -> None:
        # The widgets are gone: the session's last words have nowhere to go.
        self.agent.view = View()
        await self.agent.close()

    # -------------------------------------------------------------- drawing

    def add_line(self, line: LogLine) -> None:
        self.lines.append(line.text)
        self.log_view.write(Text(line.text, style=STYLES.get(line.kind, "")))

    def refresh_part(self, what: str) -> None:
        if not self.status_view.is_attached:
            return  # leaving: nothing left to draw on
        if what == "status":
            self.refresh_status()
        elif what == "outbox":
            self.refresh_unsent()
        elif what == "files":
            self.refresh_files()
        elif what == "consent":
            self.refresh_consent()

    def refresh_status(self) -> None:
        if not self.status_view.is_attached:
            return
        self.status_view.update(self.agent.status(asyncio.get_running_loop().time()))
        self.status_view.set_class(self.agent.connection.state.reason == "expired", "problem")

    def refresh_unsent(self) -> None:
        lines = []
        for entry in self.agent.unsent():
            if entry.error:
                lines.append(f"Waiting to send ({entry.error}): {entry.text}")
            else:
                lines.append(f"Sending: {entry.text}")
        self.unsent_view.update(Text("\n".join(lines)))

    def refresh_files(self) -> None:
        keys: list[int | str] = [o.id for o in self.agent.offers.all()]
        keys += [k for k in self.agent.progress if k not in keys]
        for key in keys:
            row = self._rows.get(key)
            if row is None:
                row = FileRow(f"file-{len(self._rows)}")
                self._rows[key] = row
                self.files_view.mount(row)
            offer = self.agent.offers.get(key) if isinstance(key, int) else None
            row.show(offer, self.agent.progress.get(key))
        if keys:
            self.files_title.update("Files")

    def refresh_consent(self) -> None:
        """Show the prompt of the request that waits for the customer (its kind's, see
        consent_screens.py); take it away when it was answered some other way (the
        countdown ran out, the session ended)."""
        request = self.agent.waiting_consent()
        if self._asking is not None and (request is None or request.request_id != self._asking[0]):
            asked = self._asking[1]
            self._asking = None
            if asked in self.screen_stack:
                asked.pop_until_active()  # and what it opened (the report it shows)
                asked.dismiss(None)
        if request is None or self._asking is not None:
            return
        prompt = prompt_for(self.agent, request)
        self._asking = (request.request_id, prompt)

        def answered(answer: Answer | None) -> None:
            if self._asking is not None and self._asking[1] is prompt:
                self._asking = None
                self.agent.prompts.answer(request.request_id, answer or DECLINED)

        self.push_screen(prompt, answered)

    # -------------------------------------------------------------- what people do

    def on_message_box_submitted(self, event: MessageBox.Submitted) -> None:
        self.agent.send(event.text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        if button == "send":
            box = self.message_box
            if box.text.strip():
                self.agent.send(box.text)
                box.clear()
            box.focus()
        elif button == "send-file":
            self.action_send_file()
        elif button.startswith(("accept-", "decline-")):
            row = next(r for r in self._rows.values() if event.button in (r.accept, r.decline))
            if row.file_id is not None:
                self._answer(row.file_id, button.startswith("accept-"))

    def action_send_file(self) -> None:
        """F3: ask for a path, then send that file."""

        def chosen(path: str | None) -> None:
            if path:
                self.agent.send_file(Path(path))

        self.push_screen(SendFile(), chosen)

    def _answer(self, file_id: int, accept: bool) -> None:
        if accept:
            self.agent.accept(file_id)
        else:
            self.agent.decline(file_id)

    def action_answer_file(self, accept: bool) -> None:
        """F4 / F5: the oldest file that waits for the customer (or failed to save);
        F5 during a download stops it."""
        if not accept:
            for key, moving in self.agent.progress.items():
                if isinstance(key, int) and moving.phase == "running":
                    self.agent.decline(key)
                    return
        for offer in self.agent.offers.all():
            progress = self.agent.progress.get(offer.id)
            phase = progress.phase if progress is not None else None
            waiting = offer.state is OfferState.OFFERED or (accept and phase == "failed")
            if offer.for_me and waiting and phase != "running":
                self._answer(offer.id, accept)
                return
        self.agent.note("No file is waiting for your answer.", "problem")

    def action_stop_sharing(self) -> None:
        if self.agent.share is None:
            self.agent.note("Your screen is not shared.")
        else:
            self.agent.stop_sharing()

    def action_save_chatlog(self) -> None:
        self.run_worker(self._save_chatlog(), exit_on_error=False)

    async def _save_chatlog(self) -> None:
        try:
            await self.agent.save_chatlog()
        except TransferError as error:
            self.agent.note(error.message, "problem")

    def action_end_session(self) -> None:
        if self.agent.ended:
            self.agent.note("The session has already ended.")
            return

        def answered(end: bool | None) -> None:
            if end:
                self.run_worker(self._end(), exit_on_error=False)

        self.push_screen(end_question(), answered)

    async def _end(self) -> None:
        try:
            await self.agent.end()
        except Exception as error:  # an ApiError, or the server unreachable
            self.agent.note(f"Could not end the session: {error}", "problem")

    async def action_quit(self) -> None:
        if self.agent.ended or self.agent.connection.closed:
            self.exit()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.exit()

        self.push_screen(
            Question(
                "Quit the agent?",
                "The session stays open, but this window cannot come back to it. "
                "To finish, end the session instead (F10).",
                yes="Quit",
                no="Stay",
            ),
            answered,
        )


def run_app(agent: AgentSession, **more: Any) -> None:
    AgentApp(agent).run(**more)
