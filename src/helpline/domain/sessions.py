"""Support sessions and their attendees, and the rules for joining, leaving and ending.

The functions here decide whether a change is allowed and which status notes it
writes; the service layer stores the result. Status notes are phrased once, here, so
the console, the customer window and every transcript say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from helpline.domain.drafting import ANONYMOUS, Disclosure, Draft, Wording, say, seal_all, status
from helpline.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    LimitReached,
    NotFound,
    SessionEnded,
)
from helpline.domain.events import Audience, Author, EventDraft, EventKind, Scalar
from helpline.domain.people import Representative
from helpline.domain.text import strip_unsafe

PUBLIC_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
PUBLIC_ID_CHARS = 8
MAX_INVITED_REPRESENTATIVES = 7

T = TypeVar("T")


class SessionStatus(StrEnum):
    WAITING = "waiting"
    ACTIVE = "active"
    ENDED = "ended"


class Outcome(StrEnum):
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    UNKNOWN = "unknown"


MAX_END_NOTES_CHARS = 4000


class AttendeeRole(StrEnum):
    PRIMARY = "primary"
    INVITED = "invited"


class ClientApp(StrEnum):
    """What the customer uses: a web browser, or the Helpline agent on their computer."""

    BROWSER = "browser"
    AGENT = "agent"


# Each detail of the customer's computer is shown on one line of the Details pane.
MAX_CLIENT_DETAIL_CHARS = 80


def clean_client_detail(value: object) -> str:
    """A detail a client reports (``"Debian GNU/Linux 12 (bookworm)"``), cleaned like a
    name: one line, no control or bidirectional characters, spaces collapsed, and cut
    to ``MAX_CLIENT_DETAIL_CHARS``; "" for anything but text. Cut rather than refused:
    an unusually long kernel version must not keep a customer from getting help."""
    if not isinstance(value, str):
        return ""
    return " ".join(strip_unsafe(value).split())[:MAX_CLIENT_DETAIL_CHARS].strip()


@dataclass(frozen=True)
class ClientInfo:
    """The customer's computer and what they use to reach us, as far as we can tell.

    A browser's operating system and browser are read from its User-Agent header; the
    Helpline agent reports the exact operating system and the kernel, architecture,
    host name and user, which stay "" where nobody reported them.
    """

    os: str = "Unknown"
    browser: str = "Unknown"
    kernel: str = ""
    arch: str = ""
    host: str = ""
    user: str = ""
    app: ClientApp = ClientApp.BROWSER


@dataclass(frozen=True)
class SupportSession:
    id: int
    public_id: str
    portal_id: int | None
    status: SessionStatus
    started_at: datetime
    customer_name: str
    query: str
    client: ClientInfo = ClientInfo()
    primary_rep_id: int | None = None
    ended_at: datetime | None = None
    ended_by: str | None = None
    extra: tuple[tuple[str, str], ...] = ()
    outcome: Outcome | None = None
    end_notes: str = ""
    # Whether the customer has a socket open on any server process (server/presence.py).
    customer_online: bool = False

    @property
    def is_open(self) -> bool:
        return self.status is not SessionStatus.ENDED


@dataclass(frozen=True)
class Attendee:
    """A representative in a session. The customer is implied by the session itself."""

    rep_id: int
    display_name: str
    role: AttendeeRole
    masked: bool
    present: bool
    joined_at: datetime


def format_public_id(number: int) -> str:
    """Render a random number as a session ID that can be read over the phone.

    >>> format_public_id(0)
    '0000-0000'
    """
    chars = []
    for _ in range(PUBLIC_ID_CHARS):
        number, digit = divmod(number, len(PUBLIC_ID_ALPHABET))
        chars.append(PUBLIC_ID_ALPHABET[digit])
    text = "".join(reversed(chars))
    return f"{text[:4]}-{text[4:]}"


def normalize_public_id(text: str) -> str:
    """Accept what a person reads back: any case, with or without the dash, O for 0."""
    cleaned = text.strip().upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    return f"{cleaned[:4]}-{cleaned[4:]}" if len(cleaned) == PUBLIC_ID_CHARS else cleaned


def present_representatives(attendees: Iterable[Attendee]) -> list[Attendee]:
    return [a for a in attendees if a.present]


def find_attendee(attendees: Iterable[Attendee], rep_id: int) -> Attendee | None:
    for attendee in attendees:
        if attendee.rep_id == rep_id:
            return attendee
    return None


def check_open(session: SupportSession) -> None:
    if session.status is SessionStatus.ENDED:
        raise SessionEnded(f"Session {session.public_id} has ended.")


def may_read(attendees: Sequence[Attendee], rep_id: int) -> bool:
    """A representative reads a session's log while they are in it, and after its end
    if they were there when it ended; one who left hears nothing more of it."""
    attendee = find_attendee(attendees, rep_id)
    return attendee is not None and attendee.present


def check_rep_in_session(attendees: Sequence[Attendee], rep_id: int) -> Attendee:
    attendee = find_attendee(attendees, rep_id)
    if attendee is None or not attendee.present:
        raise Forbidden("You are not in this session.")
    return attendee


def of_this_session(found: tuple[int, T] | None, session_id: int, what: str) -> T:
    """An item a customer's side names by its ID (``found``: its session and itself), if
    it is of their own session; ``what`` names it in the error."""
    if found is None:
        raise NotFound(f"There is no such {what}.")
    owner, item = found
    if owner != session_id:
        raise Forbidden(f"This {what} belongs to another session.")
    return item


@dataclass(frozen=True)
class Change:
    """The outcome of a rule: the new session state, attendee rows, and notes to log.

    ``notes`` are sealed against the attendees before and after the change, so a note
    about a masked representative is masked whoever built it.
    """

    session: SupportSession
    attendees: tuple[Attendee, ...]
    drafts: tuple[Draft, ...]
    before: tuple[Attendee, ...] = ()

    @property
    def notes(self) -> tuple[EventDraft, ...]:
        return seal_all(self.drafts, (*self.attendees, *self.before))


def as_author(rep: Representative | Attendee) -> Author:
    if isinstance(rep, Attendee):
        return Author.representative(rep.rep_id, rep.display_name)
    return Author.representative(rep.id, rep.display_name)


def rep_joined(rep: Representative | Attendee, masked: bool = False) -> Draft:
    """A representative joined; a masked one only in the representatives' copy."""
    who = as_author(rep)
    if masked:
        return status(
            "rep_joined",
            say("{rep} joined the session (masked).", rep=who),
            audience=Audience.representatives(),
            extra={"rep_name": who.name, "masked": True},
        )
    return status(
        "rep_joined", say("{rep} joined the session.", rep=who), extra={"rep_name": who.name}
    )


def customer_joined(session: SupportSession) -> Draft:
    return status(
        "customer_joined",
        say("{customer} joined the session.", customer=Author.customer(session.customer_name)),
    )


def greeting_message(rep: Representative, text: str) -> Draft:
    """The automatic greeting, sent in the representative's name when they join."""
    return Draft(
        EventKind.MESSAGE,
        Audience.everyone(),
        as_author(rep),
        Wording.literal(text),
        body={"greeting": True},
    )


def pick_up(
    session: SupportSession,
    attendees: Sequence[Attendee],
    rep: Representative,
    active_session_count: int,
    now: datetime,
    greeting: str = "",
) -> Change:
    """A representative takes a waiting session and becomes its primary representative."""
    check_open(session)
    if session.status is not SessionStatus.WAITING:
        raise Conflict(f"Session {session.public_id} was already picked up.")
    if active_session_count >= rep.max_concurrent_sessions:
        raise LimitReached(
            f"You already have {active_session_count} active sessions, the most you may "
            "hold at once. Close one before picking up another."
        )
    primary = Attendee(rep.id, rep.display_name, AttendeeRole.PRIMARY, False, True, now)
    others = tuple(a for a in attendees if a.rep_id != rep.id)
    new_session = replace(session, status=SessionStatus.ACTIVE, primary_rep_id=rep.id)
    note = status(
        "picked_up",
        say("{rep} picked up the session.", rep=as_author(rep)),
        extra={"rep_name": rep.display_name},
    )
    notes = (note, greeting_message(rep, greeting)) if greeting.strip() else (note,)
    return Change(new_session, (*others, primary), notes, tuple(attendees))


def start_with_representative(
    session: SupportSession, rep: Representative, now: datetime, greeting: str = ""
) -> Change:
    """A session opened through a representative's session code starts active."""
    primary = Attendee(rep.id, rep.display_name, AttendeeRole.PRIMARY, False, True, now)
    new_session = replace(session, status=SessionStatus.ACTIVE, primary_rep_id=rep.id)
    notes: tuple[Draft, ...] = (customer_joined(session), rep_joined(rep))
    if greeting.strip():
        notes = (*notes, greeting_message(rep, greeting))
    return Change(new_session, (primary,), notes)


def add_representative(
    session: SupportSession,
    attendees: Sequence[Attendee],
    by: Representative,
    rep: Representative,
    masked: bool,
    now: datetime,
) -> Change:
    """Bring another representative in, visible to the customer or masked."""
    check_open(session)
    check_rep_in_session(attendees, by.id)
    existing = find_attendee(attendees, rep.id)
    if existing is not None and existing.present:
        raise Conflict(f"{rep.display_name} is already in this session.")
    invited = [a for a in present_representatives(attendees) if a.role is AttendeeRole.INVITED]
    if len(invited) >= MAX_INVITED_REPRESENTATIVES:
        raise LimitReached(
            f"A session holds at most {MAX_INVITED_REPRESENTATIVES} invited representatives."
        )
    attendee = Attendee(rep.id, rep.display_name, AttendeeRole.INVITED, masked, True, now)
    others = tuple(a for a in attendees if a.rep_id != rep.id)
    return Change(session, (*others, attendee), (rep_joined(rep, masked),), tuple(attendees))


def leave(
    session: SupportSession, attendees: Sequence[Attendee], rep_id: int, now: datetime
) -> Change:
    """A representative leaves; a primary who leaves returns the session to its queue."""
    check_open(session)
    attendee = check_rep_in_session(attendees, rep_id)
    gone = replace(attendee, present=False)
    others = tuple(a for a in attendees if a.rep_id != rep_id)
    new_session = session
    if attendee.role is AttendeeRole.PRIMARY:
        new_session = replace(session, status=SessionStatus.WAITING, primary_rep_id=None)
    note = status(
        "rep_left",
        say("{rep} left the session.", rep=as_author(attendee)),
        audience=Audience.representatives() if attendee.masked else Audience.everyone(),
        extra={"rep_name": attendee.display_name},
    )
    return Change(new_session, (*others, gone), (note,), tuple(attendees))


def end(
    session: SupportSession,
    attendees: Sequence[Attendee],
    ended_by: Author,
    now: datetime,
    outcome: Outcome | None = None,
    end_notes: str = "",
) -> Change:
    """End the session for everyone, by the customer or a representative in it.

    A representative closing it records an outcome and end-of-session notes, which
    only representatives see; a masked one is "a representative" to the customer.
    """
    check_open(session)
    if len(end_notes) > MAX_END_NOTES_CHARS:
        raise InvalidInput(f"End-of-session notes have at most {MAX_END_NOTES_CHARS} characters.")
    shown_by = ended_by.name
    if ended_by.rep_id is not None:
        me = check_rep_in_session(attendees, ended_by.rep_id)
        if me.masked:
            shown_by = ANONYMOUS.lower()
    new_session = replace(
        session,
        status=SessionStatus.ENDED,
        ended_at=now,
        ended_by=shown_by,
        outcome=outcome,
        end_notes=end_notes.strip(),
    )
    internal: dict[str, Scalar] = {"closed_by": ended_by.name}
    if outcome is not None:
        internal["outcome"] = outcome.value
    if end_notes.strip():
        internal["end_notes"] = end_notes.strip()
    note = status(
        "ended",
        say("The session was ended by {by}.", by=ended_by),
        if_masked=Disclosure.ANONYMOUS,
        extra={"ended_by": shown_by},
        internal=internal,
    )
    # Attendees keep their presence: who was there at the end may still read the log,
    # and one who left before it may not (``may_read``).
    return Change(new_session, tuple(attendees), (note,))
