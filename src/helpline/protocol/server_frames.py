"""The frames the server sends over a socket, and the ``Event``, ``Session``, ``Me`` and
``Invitation`` objects in them, as declared types: docs/protocol.md's "Server to
client" table. The server's HTTP answers that hold the same objects are made from
these types too (its ``wire.as_dict``), and the Helpline agent decodes what its socket
receives into them (``CustomerServerFrame``).

Why this exists: the frames were dicts assembled where they were sent and read by key
where they arrived, so the protocol's table, the web client's types, the server and
the agent could each say something else, and nothing but the tests kept a field for
representatives out of the customer's copy. Here each frame declares its fields once;
the server fills them in from what ``helpline.domain.visibility`` lets a viewer see and
encodes them with msgspec. Types only: no I/O.

The customer's copies are types of their own (``CustomerEvent``, ``CustomerAuthor``,
``CustomerSession``, ``CustomerAttendee``) that have no field for what only
representatives may read (``internal``, ``masked``, ``to``, authors' and attendees'
ids, ``outcome``, ``end_notes``): no code path can put one there. A frame that holds a
``Session`` or an ``Event`` is generic in it, so one declaration serves both: the
server sends ``Subscribed`` with either copy, the agent decodes
``Subscribed[CustomerSession]``. A field that is ``UNSET`` is left out of the JSON;
``None`` is sent as ``null``, exactly where the protocol says so.

The agent decodes these strictly (every field without a default must be there), and
ignores fields it does not know: a field added to a type the customer receives gets a
default, so an agent of this release still reads a server that predates the field.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from msgspec import UNSET, Struct, UnsetType

from helpline.domain.events import Scalar

# The objects inside frames (and HTTP answers) ------------------------------------------


class PortalBody(Struct):
    slug: str
    name: str


class CustomerBody(Struct):
    """The customer in a ``Session``: their name and their computer as far as known."""

    name: str
    os: str
    browser: str
    kernel: str
    arch: str
    host: str
    user: str
    app: str
    online: bool


class CustomerAttendee(Struct):
    name: str
    role: str


class RepAttendee(Struct):
    name: str
    role: str
    id: int
    masked: bool
    present: bool


class CustomerSession(Struct, kw_only=True):
    """The customer's copy of a ``Session``."""

    id: str
    status: str
    started_at: str
    portal: PortalBody | None
    customer: CustomerBody
    query: str
    fields: dict[str, str]
    attendees: list[CustomerAttendee]
    ended_at: str | None
    ended_by: str | None


class RepSession(Struct, kw_only=True):
    """A representative's copy of a ``Session``."""

    id: str
    status: str
    started_at: str
    portal: PortalBody | None
    customer: CustomerBody
    query: str
    fields: dict[str, str]
    attendees: list[RepAttendee]
    ended_at: str | None
    ended_by: str | None
    outcome: str | None
    end_notes: str


SessionBody = CustomerSession | RepSession


class MeBody(Struct):
    """``Me``: the representative a console belongs to."""

    id: int
    username: str
    name: str
    role: str
    preferences: dict[str, Any]
    max_concurrent_sessions: int


class InvitedSession(Struct):
    id: str
    customer: str
    query: str


class InvitationBody(Struct, rename={"from_": "from"}):
    """``Invitation``: an offer to join or take over a session (representatives only)."""

    id: int
    kind: str
    session: InvitedSession
    from_: str
    from_id: int
    portal: str | None
    masked: bool
    comment: str
    expires_at: str


class CustomerAuthor(Struct):
    """Who wrote an event, as the customer knows them: by name only."""

    kind: str
    name: str


class AuthorBody(Struct):
    kind: str
    name: str
    # Left out for an author who is no representative.
    id: int | UnsetType = UNSET


class RecipientBody(Struct):
    """Whom a private line went to (representatives only)."""

    id: int | None
    name: Scalar


class CustomerEvent(Struct, kw_only=True):
    """The customer's copy of an ``Event``."""

    seq: int
    at: str
    kind: str
    audience: str
    author: CustomerAuthor
    body: dict[str, Any]
    client_id: str | UnsetType = UNSET


class RepEvent(Struct, kw_only=True):
    """A representative's copy of an ``Event``."""

    seq: int
    at: str
    kind: str
    audience: str
    author: AuthorBody
    body: dict[str, Any]
    to: RecipientBody | UnsetType = UNSET
    internal: dict[str, Any]
    masked: bool
    client_id: str | UnsetType = UNSET


EventBody = CustomerEvent | RepEvent

# The copy a frame holds: either, as the server sends them; the customer's, as the
# agent reads them.
SessionT = TypeVar("SessionT", bound=SessionBody)
EventT = TypeVar("EventT", bound=EventBody)

# Frames, tagged by ``type`` -----------------------------------------------------------


class ServerFrame(Struct, tag_field="type", kw_only=True):
    """A frame to a client; ``type`` is its tag."""


class RepWelcome(ServerFrame, tag="welcome", kw_only=True):
    role: str = "representative"
    me: MeBody
    sessions: list[SessionBody]
    queue: list[SessionBody]
    invitations: list[InvitationBody]
    heartbeat_seconds: float


class CustomerWelcome(ServerFrame, Generic[SessionT], tag="welcome", kw_only=True):
    role: str = "customer"
    session: SessionT
    heartbeat_seconds: float


class Subscribed(ServerFrame, Generic[SessionT], tag="subscribed"):
    session: SessionT
    last_seq: int


class Replayed(ServerFrame, tag="replayed"):
    session: str
    last_seq: int


class EventFrame(ServerFrame, Generic[EventT], tag="event"):
    session: str
    event: EventT


class Ack(ServerFrame, tag="ack"):
    session: str
    client_id: str
    seq: int
    duplicate: bool


class SessionFrame(ServerFrame, Generic[SessionT], tag="session"):
    session: SessionT


class Assigned(ServerFrame, Generic[SessionT], tag="assigned"):
    session: SessionT


class Queue(ServerFrame, Generic[SessionT], tag="queue"):
    action: str
    session: SessionT


class InvitationFrame(ServerFrame, tag="invitation"):
    invitation: InvitationBody


class InvitationClosed(ServerFrame, tag="invitation_closed"):
    id: int


class ScreenWatch(ServerFrame, tag="screen_watch"):
    session: str


class AgentOffer(ServerFrame, tag="agent_offer"):
    session: str
    command: str
    expires_at: str


class Heartbeat(ServerFrame, tag="heartbeat"):
    pass


class Pong(ServerFrame, tag="pong"):
    pass


class ErrorFrame(ServerFrame, tag="error", kw_only=True):
    code: str
    message: str
    session: str | UnsetType = UNSET
    client_id: str | UnsetType = UNSET
    retry_after: int | UnsetType = UNSET


AnyServerFrame = (
    RepWelcome
    | CustomerWelcome[SessionBody]
    | Subscribed[SessionBody]
    | Replayed
    | EventFrame[EventBody]
    | Ack
    | SessionFrame[SessionBody]
    | Assigned[SessionBody]
    | Queue[SessionBody]
    | InvitationFrame
    | InvitationClosed
    | ScreenWatch
    | AgentOffer
    | Heartbeat
    | Pong
    | ErrorFrame
)

# What a customer's socket (``/ws/customer``) may receive, as one tagged union that
# msgspec decodes: the customer's copies, and none of the console's frames.
CustomerServerFrame = (
    CustomerWelcome[CustomerSession]
    | Subscribed[CustomerSession]
    | Replayed
    | EventFrame[CustomerEvent]
    | Ack
    | SessionFrame[CustomerSession]
    | ScreenWatch
    | AgentOffer
    | Heartbeat
    | Pong
    | ErrorFrame
)
