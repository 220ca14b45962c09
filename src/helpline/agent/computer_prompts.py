"""The prompts for a representative's request of the customer's login credentials or
of the agent as a service, registered with the app's consent prompts.

Why apart from consent_screens.py: these two give the representatives rights on the
computer, and their texts say what follows (each task is shown; the service stays
until the session ends and how to stop it). The password is checked into the vault
by the prompt itself, so a wrong one is said at once and can be typed again; only a
checked password lets the prompt answer "allow" (computer.py then tells the server).
"""

from __future__ import annotations

import getpass

from helpline.agent.consent_screens import ConsentQuestion, Countdown, Prompt, register_prompt
from helpline.agent.credentials import CredentialError
from helpline.agent.credentials_prompt import CredentialsPrompt
from helpline.agent.events import ConsentRequest
from helpline.agent.session import AgentSession


def credentials_prompt(agent: AgentSession, request: ConsentRequest) -> Prompt:
    async def check(user: str, password: str) -> str | None:
        # The customer is at it: a full timeout again from each try.
        agent.prompts.restart_countdown(request.request_id)
        try:
            await agent.computer.vault.check(user, password)
        except CredentialError as error:
            return error.message
        return None

    countdown = Countdown(agent.prompts, request.request_id)
    return CredentialsPrompt(request.by, getpass.getuser(), check, countdown)


def service_prompt(agent: AgentSession, request: ConsentRequest) -> Prompt:
    return ConsentQuestion(
        agent,
        request,
        "Let the agent run as a service?",
        f"{request.by or 'A representative'} asks to keep the support agent in this session "
        "after you log off or restart the computer (it restarts by itself). It is removed "
        "when the session ends; 'helpline agent stop' stops it sooner.",
        yes="Allow",
    )


def register() -> None:
    register_prompt("credentials", credentials_prompt)
    register_prompt("service", service_prompt)
