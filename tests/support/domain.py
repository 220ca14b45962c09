"""Small factories for the domain's unit tests: sessions, people and logs made the way
the product makes them, so each test names only what its rule is about.

A log is built from drafts the real rules return, sealed against the session's
attendees by ``drafting.seal``; nothing here sets a masking flag by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from helpline.domain.drafting import Draft, seal
from helpline.domain.events import Event, EventDraft
from helpline.domain.people import Representative, Role
from helpline.domain.sessions import (
    Attendee,
    AttendeeRole,
    ClientApp,
    ClientInfo,
    SessionStatus,
    SupportSession,
)
from helpline.domain.visibility import Viewer, view_log

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CUSTOMER = "Dana"
A_BROWSER = ClientInfo(os="Windows 10", browser="Chrome 131")
# The computer an agent reports in the tests (on the wire: tests.support.clients.DEBIAN_REPORT),
# and the lines a chat log's header names it with.
DEBIAN = ClientInfo(
    os="Debian GNU/Linux 12 (bookworm)",
    browser="",
    kernel="6.1.0-18-amd64",
    arch="x86_64",
    host="db-01",
    user="dana",
    app=ClientApp.AGENT,
)
DEBIAN_LINES = [
    "Operating system: Debian GNU/Linux 12 (bookworm)",
    "Kernel: 6.1.0-18-amd64",
    "Architecture: x86_64",
    "Host name: db-01",
    "User: dana",
    "Connected with: Helpline agent",
]


def a_rep(rep_id: int, name: str) -> Representative:
    return Representative(rep_id, name.lower(), name, Role.REPRESENTATIVE)


def a_session(
    status: SessionStatus = SessionStatus.ACTIVE,
    primary: int | None = 1,
    *,
    query: str = "The printer is offline",
    client: ClientInfo = A_BROWSER,
) -> SupportSession:
    return SupportSession(
        1, "ABCD-0001", None, status, T0, CUSTOMER, query, client, primary_rep_id=primary
    )


def attending(
    rep: Representative,
    role: AttendeeRole = AttendeeRole.INVITED,
    *,
    masked: bool = False,
    present: bool = True,
) -> Attendee:
    return Attendee(rep.id, rep.display_name, role, masked, present, T0)


def as_events(notes: Iterable[EventDraft], first_seq: int = 1) -> list[Event]:
    """Sealed notes as the store would give them back, one a second from ``T0``."""
    return [
        Event.from_draft(note, 1, seq, T0 + timedelta(seconds=seq))
        for seq, note in enumerate(notes, first_seq)
    ]


def logged(drafts: Iterable[Draft], attendees: Sequence[Attendee]) -> list[Event]:
    return as_events(seal(draft, attendees) for draft in drafts)


def customer_reads(events: Iterable[Event]) -> list[str]:
    """The text of each event the customer receives, in order."""
    return [str(event.body.get("text", "")) for event in view_log(Viewer.customer(), events)]


def rep_reads(rep_id: int, events: Iterable[Event]) -> list[str]:
    seen = view_log(Viewer.representative(rep_id), events)
    return [str(event.body.get("text", "")) for event in seen]
