"""What server processes tell each other over the bus, as declared types.

Why this exists: every message on a session's, a representative's or a portal's
channel is one of a few kinds (an event appended, a session changed, an invitation,
a logout, ...), each with its own fields; they were dicts made in six modules and read
by key in ``bus_routing.py``, so a field renamed on one side failed at run time on the
other. Here each kind is a ``Struct`` tagged by ``t``, encoded and decoded by msgspec.
Types only: no I/O.

*Records* (``EventRecord``, ``SessionRecord``) are the complete internal form of an
event or a session, what only some viewers may see included: they go between server
processes, never to a client (``wire.py`` makes each viewer's copy). The JSON is the
one the hand-written dicts made, so processes of the last release and this one
understand each other during a rolling restart; fields added since have defaults.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct

from helpline.protocol.server_frames import InvitationBody


class EventRecord(Struct, rename={"internal": "int"}):
    sid: int
    seq: int
    at: str
    kind: str
    aud: str
    aud_rep: int | None
    ak: str
    aid: int | None
    an: str
    body: dict[str, Any]
    internal: dict[str, Any]
    rm: bool
    cid: str | None


class AttendeeRecord(Struct):
    rep_id: int
    name: str
    role: str
    masked: bool
    present: bool
    joined_at: str


class SessionRecord(Struct, kw_only=True):
    id: int
    public_id: str
    portal_id: int | None
    status: str
    started_at: str
    customer_name: str
    query: str
    os: str
    browser: str
    # Records from a process that predates the agent lack these.
    kernel: str = ""
    arch: str = ""
    host: str = ""
    user: str = ""
    app: str = "browser"
    online: bool = False
    primary_rep_id: int | None
    ended_at: str | None
    ended_by: str | None
    extra: list[tuple[str, str]]
    outcome: str | None = None
    end_notes: str = ""
    attendees: list[AttendeeRecord]


class BusMessage(Struct, tag_field="t", kw_only=True):
    """A message on a channel; ``t`` is its tag."""


class EventAppended(BusMessage, tag="event"):
    e: EventRecord


class SessionChanged(BusMessage, tag="session", omit_defaults=True):
    s: SessionRecord
    # Only whether the customer is online changed (the customer's sockets are not told).
    presence: bool = False


class SessionAssigned(BusMessage, tag="assigned"):
    s: SessionRecord


class QueueChanged(BusMessage, tag="queue"):
    action: str
    s: SessionRecord


class AgentOffered(BusMessage, tag="agent_offer"):
    command: str
    expires_at: str


class ViewerOpened(BusMessage, tag="watch"):
    pass


class InvitationOffered(BusMessage, tag="invitation"):
    # The ``Invitation`` object of the protocol, as the console receives it.
    i: InvitationBody


class InvitationAnswered(BusMessage, tag="invitation_closed"):
    id: int


class LoggedOut(BusMessage, tag="logout"):
    # The hex SHA-256 of the login whose sockets close.
    login: str


AnyBusMessage = (
    EventAppended
    | SessionChanged
    | SessionAssigned
    | QueueChanged
    | AgentOffered
    | ViewerOpened
    | InvitationOffered
    | InvitationAnswered
    | LoggedOut
)
