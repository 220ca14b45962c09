"""Consent: anything that reaches into the customer's computer asks first.

A representative's request (see the screen, send a file, open a URL, ask for system
information or login credentials, run as a service) waits for the
customer's answer. The request, the answer and a revocation are all notes in the log,
visible to everyone in the session. Credentials and the service are *grants*: allowed
once, used until the customer revokes them or the session ends.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from helpline.domain.drafting import Disclosure, Draft, say
from helpline.domain.errors import Conflict, InvalidInput, NeedsAgent
from helpline.domain.events import Audience, Author, EventKind


class ConsentKind(StrEnum):
    SCREEN = "screen"
    FILE = "file"
    URL = "url"
    CREDENTIALS = "credentials"
    SERVICE = "service"
    DIAGNOSTICS = "diagnostics"


# What only the Helpline agent on the customer's computer can do; a browser cannot.
AGENT_ONLY = frozenset({ConsentKind.CREDENTIALS, ConsentKind.SERVICE, ConsentKind.DIAGNOSTICS})
# Allowed once and used until revoked or the session's end.
GRANTS = frozenset({ConsentKind.CREDENTIALS, ConsentKind.SERVICE})


class DeclineReason(StrEnum):
    """Why a customer's client declined by itself, when the customer was not asked."""

    # The Helpline agent on a computer without a display (a server over SSH).
    NO_DISPLAY = "no_display"
    # Nobody answered in time: every request defaults to "no".
    TIMEOUT = "timeout"
    # Nobody is at the computer: only the agent running as a service is there, and it
    # has no window to ask in.
    UNATTENDED = "unattended"


class ConsentState(StrEnum):
    PENDING = "pending"
    ALLOWED = "allowed"
    DECLINED = "declined"
    # A grant the customer took back.
    REVOKED = "revoked"


# Phrased for both sides: representatives read the same notes as the customer.
_ASKS = {
    ConsentKind.SCREEN: "to see the customer's screen",
    ConsentKind.FILE: "to send the customer a file",
    ConsentKind.URL: "to open a web page on the customer's computer",
    ConsentKind.CREDENTIALS: "for the customer's login credentials",
    ConsentKind.SERVICE: "to run the support agent as a service",
    ConsentKind.DIAGNOSTICS: "for system information about the customer's computer",
}
_GRANTED = {
    ConsentKind.CREDENTIALS: "to use the customer's login credentials",
    ConsentKind.SERVICE: "to run the support agent as a service",
}


@dataclass(frozen=True)
class ConsentRequest:
    id: str
    kind: ConsentKind
    requested_by: int
    requested_by_name: str
    state: ConsentState = ConsentState.PENDING

    def answered(self, allow: bool) -> ConsentRequest:
        if self.state is not ConsentState.PENDING:
            raise Conflict("This request was already answered.")
        return replace(self, state=ConsentState.ALLOWED if allow else ConsentState.DECLINED)

    def revoked(self) -> ConsentRequest:
        if self.kind not in GRANTS:
            raise InvalidInput("Only login credentials and the service can be revoked.")
        if self.state is not ConsentState.ALLOWED:
            raise Conflict("Only a permission that is in force can be revoked.")
        return replace(self, state=ConsentState.REVOKED)


def request_note(request: ConsentRequest) -> Draft:
    """The request the customer answers; a masked representative asks anonymously, as
    "A representative", since the customer must still be able to say yes or no."""
    by = Author.representative(request.requested_by, request.requested_by_name)
    return Draft(
        kind=EventKind.CONSENT_REQUESTED,
        audience=Audience.everyone(),
        author=by,
        text=say("{by} asks {what}.", by=by, what=_ASKS[request.kind]),
        body={"request_id": request.id, "consent": request.kind.value},
        if_masked=Disclosure.ANONYMOUS,
    )


def check_decline_reason(
    request: ConsentRequest, allow: bool, reason: object
) -> DeclineReason | None:
    """The reason a client gives with its answer: none; ``no_display`` when declining a
    request to see a screen that is not there; ``timeout`` when nobody answered."""
    if reason is None:
        return None
    try:
        why = DeclineReason(reason) if isinstance(reason, str) else None
    except ValueError:
        why = None
    if why is None:
        raise InvalidInput(
            "A client's reason is 'no_display', 'timeout' or 'unattended'; or give none."
        )
    if allow:
        raise InvalidInput(f"{why.value!r} is a reason to decline: send it with allow false.")
    if why is DeclineReason.NO_DISPLAY and request.kind is not ConsentKind.SCREEN:
        raise InvalidInput("'no_display' answers a request to see the screen only.")
    return why


def check_plain_answer(request: ConsentRequest, allow: bool) -> None:
    """System information is sent with its answer, never allowed without it."""
    if allow and request.kind is ConsentKind.DIAGNOSTICS:
        raise InvalidInput(
            "Allow a request for system information by sending the report: "
            "POST /api/consents/{request}/diagnostics."
        )


def answer_note(
    request: ConsentRequest, customer_name: str, reason: DeclineReason | None = None
) -> Draft:
    verb = "allowed" if request.state is ConsentState.ALLOWED else "declined"
    customer = Author.customer(customer_name)
    text = say(
        "{customer} {verb} the request {what}.",
        customer=customer,
        verb=verb,
        what=_ASKS[request.kind],
    )
    body: dict[str, str] = {
        "request_id": request.id,
        "consent": request.kind.value,
        "answer": request.state.value,
    }
    if reason is DeclineReason.NO_DISPLAY:
        text = say("The customer's computer has no display to share.")
    elif reason is DeclineReason.TIMEOUT:
        text = say(
            "Nobody answered the request {what} in time, so it was declined.",
            what=_ASKS[request.kind],
        )
    elif reason is DeclineReason.UNATTENDED:
        text = say(
            "The request {what} was declined: nobody is at the agent's window on that "
            "computer, where only its service runs.",
            what=_ASKS[request.kind],
        )
    if reason is not None:
        body["reason"] = reason.value
    return Draft(
        kind=EventKind.CONSENT_ANSWERED,
        audience=Audience.everyone(),
        author=customer,
        text=text,
        body=body,
    )


def screen_note(action: str, customer_name: str) -> Draft:
    """Screen sharing started or stopped: a status note everyone in the session sees."""
    template = {
        "screen_started": "{customer} started sharing their screen.",
        "screen_stopped": "{customer} stopped sharing their screen.",
    }[action]
    customer = Author.customer(customer_name)
    return Draft(
        kind=EventKind.STATUS,
        audience=Audience.everyone(),
        author=customer,
        text=say(template, customer=customer),
        body={"action": action},
    )


def revoke_note(request: ConsentRequest, customer_name: str) -> Draft:
    customer = Author.customer(customer_name)
    return Draft(
        kind=EventKind.STATUS,
        audience=Audience.everyone(),
        author=customer,
        text=say(
            "{customer} withdrew the permission {what}.",
            customer=customer,
            what=_GRANTED[request.kind],
        ),
        body={"action": "consent_revoked", "request_id": request.id, "consent": request.kind.value},
    )


def check_may_ask(kind: ConsentKind, agent: bool, pending: bool, granted: bool) -> None:
    """Whether a representative may ask now: the agent's features need the agent; one
    request of a kind at a time; a grant in force need not be asked for again."""
    if kind in AGENT_ONLY and not agent:
        raise NeedsAgent(
            "This needs the Helpline agent on the customer's computer; "
            "send the agent to the customer first."
        )
    if pending:
        raise Conflict("The customer has not answered the last request of this kind yet.")
    if granted:
        raise Conflict("The customer has already allowed this for the session.")


def check_consent_kind_for_ask(kind: ConsentKind) -> ConsentKind:
    """The kinds a representative asks for on the consents route."""
    if kind not in (ConsentKind.DIAGNOSTICS, ConsentKind.CREDENTIALS, ConsentKind.SERVICE):
        raise InvalidInput(
            "Ask for 'diagnostics', 'credentials' or 'service' here; the screen has its own "
            "route and a restart is a task."
        )
    return kind
