"""The prompts the agent's terminal app shows for requests of consent, one per kind:
the screen (Allow / Decline), system information (OK / Cancel / View, and the report
as it would be sent), and a plain question for any other kind.

Why a registry: each kind asks differently (a password field for login credentials,
a report to read for system information) but is put to the customer the same way
(``AgentApp.refresh_consent``, with the countdown of ``ConsentPrompts``). A module
adds its own with ``register_prompt(kind, factory)``; a prompt dismisses itself with
an ``Answer`` (None or ``allow=False`` declines).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from helpline.agent.consent_prompts import DECLINED, Answer, ConsentPrompts
from helpline.agent.events import ConsentRequest
from helpline.agent.session import AgentSession
from helpline.domain.diagnostics import Report, report_as_text

Prompt = ModalScreen[Answer | None]
PromptFactory = Callable[[AgentSession, ConsentRequest], Prompt]

PROMPT_CSS = """
NAME { align: center middle; }
NAME > Vertical {
    width: 72; height: auto; max-height: 90%; padding: 1 2;
    border: thick $warning; background: $surface;
}
NAME Horizontal { height: auto; margin-top: 1; }
NAME Button { margin-right: 2; }
NAME .countdown { color: $text-muted; margin-top: 1; }
"""


class Countdown(Static):
    """ "Declined by itself in 42 s if nobody answers.", counted down every second."""

    def __init__(self, prompts: ConsentPrompts, request_id: str) -> None:
        super().__init__("", classes="countdown")
        self.prompts, self.request_id = prompts, request_id

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        deadline = self.prompts.deadline(self.request_id)
        if deadline is None:
            self.update("")
            return
        left = max(0, round(deadline - asyncio.get_running_loop().time()))
        self.update(f"Declined by itself in {left} s if nobody answers.")


class ConsentQuestion(Prompt):
    """Allow or decline; Escape and N decline. Without a way to allow the kind here,
    only Decline is offered."""

    DEFAULT_CSS = PROMPT_CSS.replace("NAME", "ConsentQuestion")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer(False)", "Decline", show=False),
        Binding("n", "answer(False)", "Decline", show=False),
        Binding("y", "answer(True)", "Allow", show=False),
    ]

    def __init__(
        self, agent: AgentSession, request: ConsentRequest, title: str, text: str, yes: str
    ) -> None:
        super().__init__()
        self.agent, self.request = agent, request
        self.title_text, self.text, self.yes = title, text, yes
        self.can_allow = agent.prompts.can_allow(request.consent)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="question-title")
            yield Static(self.text)
            yield Countdown(self.agent.prompts, self.request.request_id)
            with Horizontal():
                yield Button("Decline (N)", id="no")
                if self.can_allow:
                    yield Button(f"{self.yes} (Y)", variant="primary", id="yes")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id == "yes")

    def action_answer(self, allow: bool) -> None:
        self.dismiss(Answer(allow and self.can_allow))


def _who(request: ConsentRequest) -> str:
    return request.by or "A representative"


def screen_prompt(agent: AgentSession, request: ConsentRequest) -> Prompt:
    return ConsentQuestion(
        agent,
        request,
        "Share your screen?",
        f"{_who(request)} asks to see your screen. If you allow it, they see this "
        "computer's screen until you stop sharing (F8) or the session ends.",
        yes="Allow",
    )


_ASKS = {
    "credentials": ("Give your login credentials?", "asks for your login credentials."),
    "service": ("Run as a service?", "asks to run the support agent as a service."),
    "reboot": ("Restart this computer?", "asks to restart this computer."),
}


def plain_prompt(agent: AgentSession, request: ConsentRequest) -> Prompt:
    """For a kind without a prompt of its own."""
    title, asks = _ASKS.get(request.consent, ("Allow this?", f"asks: {request.consent}."))
    return ConsentQuestion(agent, request, title, f"{_who(request)} {asks}", yes="Allow")


class ReportView(ModalScreen[bool]):
    """The report exactly as it would be sent, to read (scroll with the arrows and Page
    Up/Down), copy, send (True) or close (False)."""

    DEFAULT_CSS = """
    ReportView { align: center middle; }
    ReportView > Vertical {
        width: 90%; height: 90%; padding: 0 1; border: thick $primary; background: $surface;
    }
    ReportView TextArea { height: 1fr; }
    ReportView Horizontal { height: auto; margin-top: 1; }
    ReportView Button { margin-right: 2; }
    ReportView .countdown { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", show=False),
        Binding("s", "send", "Send", show=False),
        Binding("c", "copy", "Copy", show=False),
    ]

    def __init__(self, text: str, countdown: Countdown | None = None) -> None:
        super().__init__()
        self.text, self.countdown = text, countdown
        self.report_text = TextArea(text, read_only=True, soft_wrap=False, id="report-text")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("This is exactly what would be sent to the representatives:")
            yield self.report_text
            if self.countdown is not None:
                yield self.countdown
            with Horizontal():
                yield Button("Close (Esc)", id="close")
                yield Button("Copy (C)", id="copy")
                yield Button("Send (S)", variant="primary", id="send")

    def on_mount(self) -> None:
        self.report_text.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        {"close": self.action_close, "copy": self.action_copy, "send": self.action_send}[
            event.button.id or "close"
        ]()

    def action_send(self) -> None:
        self.dismiss(True)

    def action_close(self) -> None:
        self.dismiss(False)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.notify("Copied the report to the clipboard.")


class DiagnosticsPrompt(Prompt):
    """OK collects and sends, Cancel declines, View collects and shows the report
    (then Send sends exactly that, Close declines)."""

    DEFAULT_CSS = PROMPT_CSS.replace("NAME", "DiagnosticsPrompt")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("c", "cancel", "Cancel", show=False),
        Binding("o", "ok", "OK", show=False),
        Binding("v", "view", "View", show=False),
    ]

    def __init__(self, agent: AgentSession, request: ConsentRequest) -> None:
        super().__init__()
        self.agent, self.request = agent, request
        self.busy = Static("", id="collecting")
        self.collecting = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Send system information?", classes="question-title")
            yield Static(
                f"{_who(self.request)} asks for system information about this computer: "
                "the operating system, uptime, CPU, memory, disks, network, DNS, the busiest "
                "programs and recent system errors. No files, no passwords. View shows "
                "exactly what would be sent."
            )
            yield Countdown(self.agent.prompts, self.request.request_id)
            yield self.busy
            with Horizontal():
                yield Button("Cancel (C)", id="cancel")
                yield Button("View (V)", id="view")
                yield Button("OK (O)", variant="primary", id="ok")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        {"cancel": self.action_cancel, "view": self.action_view, "ok": self.action_ok}[
            event.button.id or "cancel"
        ]()

    def action_ok(self) -> None:
        if not self.collecting:
            self.dismiss(Answer(True))

    def action_cancel(self) -> None:
        self.dismiss(DECLINED)

    def action_view(self) -> None:
        if self.collecting:
            return
        self.collecting = True
        self.agent.prompts.restart_countdown(self.request.request_id)
        self.busy.update("Collecting system information...")
        self.run_worker(self._view(), exit_on_error=False)

    async def _view(self) -> None:
        try:
            report = await self.agent.collect()
        except Exception as error:  # the collector itself broke: say so, OK still works
            self.busy.update(f"Could not collect system information: {error}")
            self.collecting = False
            return
        if not self.is_active:
            return  # answered or withdrawn meanwhile
        self.collecting = False
        self.busy.update("")
        # Reading takes time: the customer is here, so a full timeout again.
        self.agent.prompts.restart_countdown(self.request.request_id)
        countdown = Countdown(self.agent.prompts, self.request.request_id)
        self.app.push_screen(ReportView(report_as_text(report), countdown), self._viewed(report))

    def _viewed(self, report: Report) -> Callable[[bool | None], None]:
        def viewed(send: bool | None) -> None:
            if self.is_active:
                self.dismiss(Answer(True, report) if send else DECLINED)

        return viewed


PROMPTS: dict[str, PromptFactory] = {"screen": screen_prompt, "diagnostics": DiagnosticsPrompt}


def register_prompt(kind: str, factory: PromptFactory) -> None:
    """Draw requests of ``kind`` with ``factory(agent, request)``."""
    PROMPTS[kind] = factory


def prompt_for(agent: AgentSession, request: ConsentRequest) -> Prompt:
    return PROMPTS.get(request.consent, plain_prompt)(agent, request)
