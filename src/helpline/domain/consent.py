"""Consent: anything that reaches into the customer's computer asks first.

A representative's request (see the screen, send a file, open a URL, ask for
credentials, run as a service) waits for the customer's answer. The request and the
answer are both status notes in the log, visible to everyone in the session.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from helpline.domain.drafting import Disclosure, Draft, say
from helpline.domain.errors import Conflict, InvalidInput
from helpline.domain.events import Audience, Author, EventKind


class ConsentKind(StrEnum):
    SCREEN = "screen"
    FILE = "file"
    URL = "url"
    CREDENTIALS = "credentials"
    SERVICE = "service"


class DeclineReason(StrEnum):
    """Why a customer's client declined by itself, when the customer was not asked."""

    # The Helpline agent on a computer without a display (a server over SSH).
    NO_DISPLAY = "no_display"


class ConsentState(StrEnum):
    PENDING = "pending"
    ALLOWED = "allowed"
    DECLINED = "declined"


# Phrased for both sides: representatives read the same notes as the customer.
_ASKS = {
    ConsentKind.SCREEN: "to see the customer's screen",
    ConsentKind.FILE: "to send the customer a file",
    ConsentKind.URL: "to open a web page on the customer's computer",
    ConsentKind.CREDENTIALS: "for the customer's login credentials",
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
    """The reason a client gives with its answer: none, or ``no_display`` when declining
    a request to see a screen that is not there."""
    if reason is None:
        return None
    if reason != DeclineReason.NO_DISPLAY.value:
        raise InvalidInput("The only reason a client can give is 'no_display'; or give none.")
    if allow:
        raise InvalidInput("'no_display' is a reason to decline: send it with allow false.")
    if request.kind is not ConsentKind.SCREEN:
        raise InvalidInput("'no_display' answers a request to see the screen only.")
    return DeclineReason.NO_DISPLAY


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
