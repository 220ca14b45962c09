"""The question a representative's request for login credentials puts to the customer.

Why a screen of its own: it is the one place the customer types their password. The
user name is filled in (the agent can check only its own login's password); the
password field hides what is typed; the password goes to the check (sudo, here on
this computer) and nowhere else, and the field is cleared after each try. A wrong
password keeps the question open with the reason; Decline, Escape or the timeout
answer no. The countdown (consent_screens.Countdown) starts again while the customer
types, through the ``check`` caller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from helpline.agent.consent_prompts import DECLINED, Answer

# Checks (user, password): None when accepted, else the reason for the customer.
Check = Callable[[str, str], Awaitable[str | None]]


class CredentialsPrompt(ModalScreen[Answer | None]):
    """``Answer(True)`` once the vault holds the checked password; declined otherwise.
    The password itself is in no answer: it went to the check only."""

    DEFAULT_CSS = """
    CredentialsPrompt { align: center middle; }
    CredentialsPrompt > Vertical {
        width: 80; height: auto; padding: 1 2; border: thick $warning; background: $surface;
    }
    CredentialsPrompt Horizontal { height: auto; margin-top: 1; }
    CredentialsPrompt Button { margin-right: 2; }
    CredentialsPrompt #credentials-problem { color: $error; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "decline", "Decline", show=False),
    ]

    def __init__(self, who: str, user: str, check: Check, countdown: Static | None = None) -> None:
        super().__init__()
        self.who = who or "Your representative"
        self.check = check
        self.countdown = countdown
        self.user = Input(value=user, id="credentials-user", disabled=True)
        self.password = Input(password=True, placeholder="your password", id="credentials-password")
        self.problem = Static("", id="credentials-problem")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Share your login credentials?", classes="question-title")
            yield Static(
                f"{self.who} asks for your login credentials, to do administrator tasks on "
                "this computer for this session (restart it, restart a system service, "
                "unlock the screen, collect system information). Each use shows here. "
                "Your password is checked and kept on this computer only, encrypted, and "
                "is never sent. You can revoke it at any time."
            )
            yield Static("User name:")
            yield self.user
            yield Static("Password (Enter allows):")
            yield self.password
            yield self.problem
            if self.countdown is not None:
                yield self.countdown
            with Horizontal():
                yield Button("Decline", id="decline")
                yield Button("Allow", variant="warning", id="allow")

    def on_mount(self) -> None:
        self.password.focus()

    async def _try(self) -> None:
        typed, self.password.value = self.password.value, ""
        self.problem.update("Checking...")
        refused = await self.check(self.user.value, typed)
        del typed
        if refused is None:
            self.dismiss(Answer(True))
        else:
            self.problem.update(refused)
            self.password.focus()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        await self._try()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "allow":
            await self._try()
        else:
            self.dismiss(DECLINED)

    def action_decline(self) -> None:
        self.dismiss(DECLINED)
