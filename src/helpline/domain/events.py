"""The per-session event log: what happened, who wrote it, and who may see it.

Every chat line, private line, session note, status note and consent step is an
``Event`` appended to its session's log. The store assigns ``seq``; this module only
describes events; ``helpline.domain.drafting`` builds the drafts that the store
appends, and is the only place that does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from helpline.domain.errors import InvalidInput, TooLarge
from helpline.domain.text import check_storable

MAX_MESSAGE_CHARS = 4000
MAX_CLIENT_ID_CHARS = 64

Scalar = str | int | float | bool | None
Body = Mapping[str, Scalar]


class EventKind(StrEnum):
    MESSAGE = "message"
    NOTE = "note"
    STATUS = "status"
    CONSENT_REQUESTED = "consent_requested"
    CONSENT_ANSWERED = "consent_answered"


class AudienceKind(StrEnum):
    EVERYONE = "everyone"
    REPRESENTATIVES = "representatives"
    ONE = "one"


@dataclass(frozen=True)
class Audience:
    """Who an event is for. ``ONE`` names a single representative (a private line)."""

    kind: AudienceKind
    rep_id: int | None = None

    def __post_init__(self) -> None:
        if (self.kind is AudienceKind.ONE) != (self.rep_id is not None):
            raise ValueError("only a one-representative audience names a representative")

    @classmethod
    def everyone(cls) -> Audience:
        return cls(AudienceKind.EVERYONE)

    @classmethod
    def representatives(cls) -> Audience:
        return cls(AudienceKind.REPRESENTATIVES)

    @classmethod
    def one(cls, rep_id: int) -> Audience:
        return cls(AudienceKind.ONE, rep_id)


class AuthorKind(StrEnum):
    CUSTOMER = "customer"
    REPRESENTATIVE = "representative"
    SYSTEM = "system"


@dataclass(frozen=True)
class Author:
    kind: AuthorKind
    name: str
    rep_id: int | None = None

    @classmethod
    def system(cls) -> Author:
        return cls(AuthorKind.SYSTEM, "Helpline")

    @classmethod
    def customer(cls, name: str) -> Author:
        return cls(AuthorKind.CUSTOMER, name)

    @classmethod
    def representative(cls, rep_id: int, name: str) -> Author:
        return cls(AuthorKind.REPRESENTATIVE, name, rep_id)

    @property
    def key(self) -> str:
        """A stable identity used for idempotency: (session, author key, client id)."""
        if self.kind is AuthorKind.REPRESENTATIVE:
            return f"rep:{self.rep_id}"
        return self.kind.value


@dataclass(frozen=True)
class EventDraft:
    """An event before the store has given it a place in the log, as sealed by
    ``helpline.domain.drafting.seal`` (nothing else makes one).

    ``body`` and ``author`` are what the customer may read; ``internal`` holds details
    only representatives may read (an invite comment, a masked representative's name
    and the real wording). ``reveals_masked`` marks an event that would name a masked
    representative to the customer: the customer never receives it.
    """

    kind: EventKind
    audience: Audience
    author: Author
    body: Body
    internal: Body = field(default_factory=dict)
    reveals_masked: bool = False
    client_id: str | None = None


@dataclass(frozen=True)
class Event:
    session_id: int
    seq: int
    created_at: datetime
    kind: EventKind
    audience: Audience
    author: Author
    body: Body
    internal: Body = field(default_factory=dict)
    reveals_masked: bool = False
    client_id: str | None = None
    # SHA-256 of the previous event's hash and of this event (``helpline.domain.chain``),
    # set by the store; not part of what makes two events equal.
    chain_hash: str | None = field(default=None, compare=False)

    @classmethod
    def from_draft(
        cls,
        draft: EventDraft,
        session_id: int,
        seq: int,
        at: datetime,
        chain_hash: str | None = None,
    ) -> Event:
        return cls(
            session_id=session_id,
            seq=seq,
            created_at=at,
            kind=draft.kind,
            audience=draft.audience,
            author=draft.author,
            body=draft.body,
            internal=draft.internal,
            reveals_masked=draft.reveals_masked,
            client_id=draft.client_id,
            chain_hash=chain_hash,
        )


def check_text(text: str) -> str:
    """A chat line or note: not blank, at most ``MAX_MESSAGE_CHARS`` characters, and
    text that can be stored (``helpline.domain.text.storable``)."""
    if len(text) > MAX_MESSAGE_CHARS:
        raise TooLarge(f"A message has at most {MAX_MESSAGE_CHARS} characters.")
    if not text.strip():
        raise InvalidInput("A message cannot be empty.")
    return check_storable(text, "This message")


def check_client_id(client_id: str) -> str:
    if not 1 <= len(client_id) <= MAX_CLIENT_ID_CHARS or not client_id.isprintable():
        raise InvalidInput(f"A client id has 1 to {MAX_CLIENT_ID_CHARS} printable characters.")
    return client_id
