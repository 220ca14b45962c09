"""Session events as the agent reads them off the wire, and the pure rules about them.

Why here and not in helpline.domain: the agent reads the customer's copy of events
from docs/protocol.md (``helpline.protocol``'s ``CustomerEvent``, decoded and checked
with its frame), a wire format, not the server's domain objects; so the agent depends
on the protocol only, as any other client does. The rules (which seqs are new, which
pushed URL to open, which request still waits for an answer, how a line reads) are
pure and unit-tested.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from msgspec import UNSET

from helpline.agent import bodies
from helpline.agent.bodies import BodyT, ConsentAnswered, ConsentAsked, UrlPushed
from helpline.protocol.server_frames import CustomerEvent


@dataclass(frozen=True)
class Event:
    seq: int
    at: datetime
    kind: str  # message | status | consent_requested | consent_answered
    author_kind: str  # customer | representative | system
    author_name: str
    body: Mapping[str, Any] = field(default_factory=dict)
    client_id: str | None = None

    @property
    def text(self) -> str:
        value = self.body.get("text")
        return value if isinstance(value, str) else ""

    @property
    def action(self) -> str | None:
        value = self.body.get("action")
        return value if isinstance(value, str) else None

    def body_as(self, kind: type[BodyT]) -> BodyT | None:
        """The body as ``kind`` (bodies.py), for an action to act on; None, and a
        log line, when it lacks what ``kind`` needs: nothing of it is acted on."""
        return bodies.read(self.body, kind, f"the {self.action or self.kind} event {self.seq}")


def parse_time(value: object) -> datetime:
    """An ISO 8601 time with a ``Z``; now when missing or malformed."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    return datetime.now(UTC)


def event_from_wire(body: CustomerEvent) -> Event:
    """The agent's ``Event`` from the customer's copy in an ``event`` frame."""
    return Event(
        seq=body.seq,
        at=parse_time(body.at),
        kind=body.kind,
        author_kind=body.author.kind,
        author_name=body.author.name,
        body=body.body,
        client_id=None if body.client_id is UNSET else body.client_id,
    )


class SeqTracker:
    """The seqs seen in one session. Delivery is at least once and a viewer's seqs
    have holes, so "seen" is a set, and the highest one is what to subscribe after."""

    def __init__(self) -> None:
        self._seen: set[int] = set()
        self.last = 0

    def seen(self, seq: int) -> bool:
        return seq in self._seen

    def accept(self, seq: int) -> bool:
        """Record ``seq``: True when it is new (show it), False for a duplicate."""
        if seq in self._seen:
            return False
        self._seen.add(seq)
        self.last = max(self.last, seq)
        return True


def live_pushed_url(event: Event, live_after: int | None) -> str | None:
    """The URL to open for ``event``: only a ``url_pushed`` note that arrived live (its
    seq above the ``last_seq`` of this socket's ``subscribed`` frame; None before that
    frame) and only an http(s) address. Replayed pushes are shown, never opened."""
    if live_after is None or event.seq <= live_after:
        return None
    if event.kind != "status" or event.action != "url_pushed":
        return None
    pushed = event.body_as(UrlPushed)
    if pushed is None or not pushed.url.lower().startswith(("http://", "https://")):
        return None
    return pushed.url


@dataclass(frozen=True)
class ConsentRequest:
    request_id: str
    consent: str  # screen, ...
    by: str  # who asks, as the customer may know them ("A representative" if masked)
    seq: int


class Consents:
    """Requests for consent, from the log: which one still waits for the customer."""

    def __init__(self) -> None:
        self._requests: dict[str, ConsentRequest] = {}
        self._answered: set[str] = set()
        self.ended = False

    def see(self, event: Event) -> None:
        if event.kind == "consent_requested":
            asked = event.body_as(ConsentAsked)
            if asked is not None:
                self._requests[asked.request_id] = ConsentRequest(
                    asked.request_id, asked.consent or "", event.author_name, event.seq
                )
        elif event.kind == "consent_answered":
            answered = event.body_as(ConsentAnswered)
            if answered is not None:
                self._answered.add(answered.request_id)
        elif event.kind == "status" and event.action == "ended":
            self.ended = True

    def answered(self, request_id: str) -> None:
        """Answered from here: do not ask again while its note is on its way."""
        self._answered.add(request_id)

    def waiting(self) -> list[ConsentRequest]:
        """Requests without an answer, oldest first; none once the session ended."""
        if self.ended:
            return []
        return sorted(
            (r for r in self._requests.values() if r.request_id not in self._answered),
            key=lambda r: r.seq,
        )


def local_time(moment: datetime, zone: tzinfo | None = None) -> str:
    """``HH:MM:SS`` in the customer's time zone (``zone``: the computer's by default)."""
    return moment.astimezone(zone).strftime("%H:%M:%S")


def event_line(event: Event, zone: tzinfo | None = None) -> str:
    """One line of the chat log as the agent shows it: ``[12:03:04] Alice: Hello`` for
    a message, ``[12:03:04] * Alice pushed ...`` for a status note."""
    time = local_time(event.at, zone)
    # A message's later lines are indented under its first, so they read as one.
    text = event.text.replace("\n", "\n    ")
    if event.kind == "message":
        return f"[{time}] {event.author_name}: {text}"
    return f"[{time}] * {text}"
