"""The agent's own Textual widgets: the message box, a file's row, the path of a file
to send, and its yes-or-no questions (end the session? quit?). The prompts for
requests of consent are in consent_screens.py.

Why apart from app.py: each is a small piece with one job and its own keys, and
keeping them here leaves the app to lay them out and connect them to the session.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, ProgressBar, Static, TextArea

from helpline.agent.offers import Offer, OfferState
from helpline.agent.view import Progress, shown_path
from helpline.domain.files import human_size

NEW_LINE_KEYS = ("ctrl+j", "shift+enter", "alt+enter")


class MessageBox(TextArea):
    """The message field: Enter sends, Ctrl+J (or Shift+Enter) starts a new line."""

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text = self.text
            if text.strip():
                self.post_message(self.Submitted(text))
                self.clear()
        elif event.key in NEW_LINE_KEYS:
            event.stop()
            event.prevent_default()
            self.insert("\n")


def offer_text(offer: Offer, progress: Progress | None) -> str:
    """What a file's row says: name, size, who sent it, and where it is."""
    size = human_size(offer.size)
    who = "you sent" if offer.from_customer else f"from {offer.sender}"
    state = {
        OfferState.OFFERED: "waiting for you" if offer.for_me else "waiting for an answer",
        OfferState.ACCEPTED: "accepted",
        OfferState.DECLINED: "declined",
        OfferState.RECEIVED: "received",
    }[offer.state]
    if progress is not None and progress.phase == "saved" and progress.path is not None:
        state = f"saved as {shown_path(progress.path)}"
    elif progress is not None and progress.phase == "failed":
        state = f"failed: {progress.message}"
    elif progress is not None and progress.phase == "running":
        state = "downloading"
    return f"{offer.name} ({size}), {who}: {state}"


class FileRow(Vertical):
    """One file of the session, with Accept / Decline while it waits for the customer
    and a progress bar (and Stop) while it moves."""

    DEFAULT_CSS = """
    FileRow { height: auto; margin-bottom: 1; }
    FileRow Horizontal { height: auto; }
    FileRow Button { min-width: 10; margin-right: 1; }
    """

    def __init__(self, key: str) -> None:
        super().__init__(id=key)
        self.label = Static("", classes="file-label")
        self.bar = ProgressBar(total=100, show_eta=False)
        self.accept = Button("Accept", variant="success", id=f"accept-{key}")
        self.decline = Button("Decline", variant="error", id=f"decline-{key}")
        self.file_id: int | None = None

    def compose(self) -> ComposeResult:
        yield self.label
        yield self.bar
        with Horizontal():
            yield self.accept
            yield self.decline

    def show(self, offer: Offer | None, progress: Progress | None) -> None:
        if offer is not None:
            self.file_id = offer.id
            self.label.update(offer_text(offer, progress))
        elif progress is not None:
            state = f"failed: {progress.message}" if progress.phase == "failed" else "sending"
            self.label.update(f"{progress.name}: {state}")
        waiting = offer is not None and offer.for_me and offer.state is OfferState.OFFERED
        retry = (
            offer is not None and offer.for_me and progress is not None
            and progress.phase == "failed"
        )  # fmt: skip
        busy = progress is not None and progress.phase == "running"
        self.accept.label = "Try again" if retry else "Accept"
        self.accept.display = (waiting or retry) and not busy
        self.decline.label = "Stop" if busy else "Decline"
        self.decline.display = (waiting and not busy) or (busy and offer is not None)
        self.bar.display = progress is not None and progress.phase in ("running", "saved", "sent")
        if progress is not None:
            self.bar.update(total=max(progress.total, 1), progress=progress.done)


class Question(ModalScreen[bool]):
    """A yes-or-no question that must be answered; Escape means no."""

    DEFAULT_CSS = """
    Question { align: center middle; }
    Question > Vertical {
        width: 64; height: auto; padding: 1 2; border: thick $warning; background: $surface;
    }
    Question Horizontal { height: auto; margin-top: 1; }
    Question Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer(False)", "No", show=False),
        Binding("y", "answer(True)", "Yes", show=False),
        Binding("n", "answer(False)", "No", show=False),
    ]

    def __init__(self, title: str, text: str, yes: str, no: str) -> None:
        super().__init__()
        self.title_text, self.text, self.yes, self.no = title, text, yes, no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="question-title")
            yield Static(self.text)
            with Horizontal():
                yield Button(f"{self.no} (N)", id="no")
                yield Button(f"{self.yes} (Y)", variant="primary", id="yes")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class SendFile(ModalScreen[str | None]):
    """F3: the path of a file to send to the representatives; Escape cancels."""

    DEFAULT_CSS = """
    SendFile { align: center middle; }
    SendFile > Vertical {
        width: 80; height: auto; padding: 1 2; border: thick $primary; background: $surface;
    }
    SendFile Horizontal { height: auto; margin-top: 1; }
    SendFile Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.path = Input(placeholder="e.g. ~/Desktop/error.png", id="send-path")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Send a file to the representatives", classes="question-title")
            yield Static("Its path (Enter sends, Escape cancels):")
            yield self.path
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Send", variant="primary", id="send")

    def on_mount(self) -> None:
        self.path.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "send" and self.path.value.strip():
            self.dismiss(self.path.value.strip())
        else:
            self.dismiss(None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


def end_question() -> Question:
    return Question(
        "End this session?",
        "The chat closes for everyone. You can still save the chat log afterwards.",
        yes="End session",
        no="Cancel",
    )
