"""Sending the Helpline agent to a customer who is in the browser: the attach link.

A representative makes a link for a session; the customer runs the agent with it
(``helpline agent attach '<url>'``) and the agent becomes a second customer client of
the *same* session: the browser's chat goes on beside it. The link carries a secret of
256 bits that cannot be guessed; only its hash is stored. It is single use, expires
after a few minutes, and a new link for the session replaces the last one, so at most
one works at a time.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime, timedelta

from helpline.domain.drafting import Draft, say, status
from helpline.domain.errors import Expired

DEFAULT_AGENT_LINK_LIFETIME = timedelta(minutes=10)
ATTACH_PATH = "/attach"


@dataclass(frozen=True)
class AgentLink:
    session_id: int
    secret_hash: bytes
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


def attach_url(base_url: str, secret: str) -> str:
    """The link: the secret goes after ``#``, which never reaches a server's logs."""
    return f"{base_url.rstrip('/')}{ATTACH_PATH}#{secret}"


def attach_command(url: str) -> str:
    """The command the customer runs, quoted for a shell (``#`` would start a comment)."""
    return f"helpline agent attach {shlex.quote(url)}"


def check_redeemable(link: AgentLink, now: datetime) -> None:
    if link.used_at is not None:
        raise Expired(
            "This agent link was already used. Ask your representative to send the agent again."
        )
    if now >= link.expires_at:
        raise Expired(
            "This agent link has expired. Ask your representative to send the agent again."
        )


def agent_attached_note() -> Draft:
    """Everyone reads that the agent joined the session; it names nobody."""
    return status("agent_attached", say("The customer attached the Helpline agent."))
