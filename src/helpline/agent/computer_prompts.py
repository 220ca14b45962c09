"""What the terminal app asks when a representative wants the customer's credentials or
the agent as a service, and what each answer does.

Why apart from app.py: the app decides when to ask (one question at a time, with the
consent timeout); this module decides what is asked and what an answer does, so the
app gains two lines per kind. An answer of None means nobody answered in time: it
declines with ``reason: "timeout"``. Allowing credentials happens only after the
password was checked here (computer.give_credentials); allowing the service only
after it was installed.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable

from textual.screen import ModalScreen

from helpline.agent.api import ApiError
from helpline.agent.credentials import CredentialError
from helpline.agent.credentials_prompt import CredentialsPrompt
from helpline.agent.events import ConsentRequest
from helpline.agent.service import ServiceError
from helpline.agent.session import AgentSession
from helpline.agent.widgets import Question

KINDS = ("credentials", "service")
Answered = Callable[[bool | None], None]


def _decline(agent: AgentSession, request: ConsentRequest, answer: bool | None) -> None:
    agent.answer_consent(request.request_id, False, reason="timeout" if answer is None else None)


def credentials_question(
    agent: AgentSession, request: ConsentRequest, timeout: float | None = None
) -> tuple[ModalScreen[bool | None], Answered]:
    """The password question, and what its answer does."""

    async def check(user: str, password: str) -> str | None:
        try:
            await agent.computer.give_credentials(request.request_id, user, password)
        except (CredentialError, ApiError) as error:
            return error.message
        return None

    def answered(answer: bool | None) -> None:
        if answer is True:
            agent.consents.answered(request.request_id)  # allowed by give_credentials
            agent.view.changed("consent")
        else:
            _decline(agent, request, answer)

    return CredentialsPrompt(request.by, getpass.getuser(), check, timeout), answered


def service_question(agent: AgentSession, request: ConsentRequest) -> tuple[Question, Answered]:
    """Run as a service? Yes installs it, then allows."""
    question = Question(
        "Let the agent run as a service?",
        f"{request.by or 'Your representative'} asks to keep the agent in this session "
        "after you log off or restart the computer. It is removed when the session ends; "
        "'helpline agent stop' stops it sooner.",
        yes="Allow",
        no="Decline",
    )

    async def install() -> None:
        computer = agent.computer
        try:
            manager = computer.new_manager()
            record = computer.service_record(
                agent.api.server, agent.credentials.token, agent.download_dir
            )
            await computer.allow_service(request.request_id, manager, record)
        except (ServiceError, ApiError) as error:
            agent.note(f"The agent could not run as a service: {error}", "problem")

    def answered(answer: bool | None) -> None:
        agent.consents.answered(request.request_id)
        if answer is True:
            agent.computer.spawn(install())
        else:
            _decline(agent, request, answer)

    return question, answered
