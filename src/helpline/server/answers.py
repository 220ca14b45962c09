"""The shapes of the HTTP answers, as the OpenAPI document publishes them.

The routes build their answers with ``wire.py`` (the same bodies the WebSocket sends)
and return them as they are; these models only describe them, so that the document
says what each operation answers and ``make test`` (schemathesis) checks every answer
against it. A field only some viewers receive (``outcome`` in a representative's copy
of a session, an attendee's ``id``) is optional here. The names follow
docs/protocol.md: ``Session``, ``Event``, ``Me``, ``File``, ``Invitation``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from helpline.domain.consent import ConsentState
from helpline.domain.events import AudienceKind, AuthorKind, EventKind
from helpline.domain.files import FileAudience, FileState
from helpline.domain.invitations import InvitationKind
from helpline.domain.people import Role
from helpline.domain.portals import PortalField
from helpline.domain.scripts import ScriptKind
from helpline.domain.sessions import AttendeeRole, Outcome, SessionStatus


class Answer(BaseModel):
    # Documents answers; "from" is a keyword in Python, so fields may use aliases.
    model_config = ConfigDict(populate_by_name=True)


class Preferences(Answer):
    idle_warning_seconds: int
    idle_alert_seconds: int
    chat_sound: bool
    alert_sound: bool
    font_size: int
    spell_check: bool
    right_nav_open: bool
    request_alert_seconds: int


class Me(Answer):
    id: int
    username: str
    name: str
    role: Role
    preferences: Preferences
    max_concurrent_sessions: int


class MeAnswer(Answer):
    me: Me


class PreferencesAnswer(Answer):
    preferences: Preferences


class Colleague(Answer):
    id: int
    username: str
    name: str
    online: bool
    active_sessions: int


class ColleaguesAnswer(Answer):
    representatives: list[Colleague]


class PortalName(Answer):
    slug: str
    name: str


class CustomerInfo(Answer):
    name: str
    os: str | None
    browser: str | None
    kernel: str | None = None
    arch: str | None = None
    host: str | None = None
    user: str | None = None
    app: Literal["browser", "agent"] | None = None
    online: bool | None = None


class AgentLinkAnswer(Answer):
    secret_url: str
    command: str
    expires_at: datetime


class Attendee(Answer):
    name: str
    role: AttendeeRole
    id: int | None = Field(default=None, description="Representatives' copies only.")
    masked: bool | None = Field(default=None, description="Representatives' copies only.")
    present: bool | None = Field(default=None, description="Representatives' copies only.")


class Session(Answer):
    id: str = Field(description="The public session ID, e.g. 7KQM-2XPD.")
    status: SessionStatus
    started_at: datetime
    portal: PortalName | None
    customer: CustomerInfo
    query: str
    fields: dict[str, str]
    attendees: list[Attendee]
    ended_at: datetime | None
    ended_by: str | None
    outcome: Outcome | None = Field(default=None, description="Representatives' copies only.")
    end_notes: str | None = Field(default=None, description="Representatives' copies only.")


class SessionAnswer(Answer):
    session: Session


class SessionsAnswer(Answer):
    sessions: list[Session]


class JoinedAnswer(Answer):
    session: Session
    token: str = Field(description="The customer's bearer token for this session.")


class HistoryAnswer(Answer):
    total: int
    sessions: list[Session]


class EventAuthor(Answer):
    kind: AuthorKind
    name: str
    id: int | None = None


class EventRecipient(Answer):
    id: int
    name: str | None


class Event(Answer):
    seq: int
    at: datetime
    kind: EventKind
    audience: AudienceKind
    author: EventAuthor
    body: dict[str, Any]
    to: EventRecipient | None = None
    internal: dict[str, Any] | None = Field(
        default=None, description="Representatives' copies only."
    )
    masked: bool | None = Field(default=None, description="Representatives' copies only.")
    client_id: str | None = None


class EventsAnswer(Answer):
    events: list[Event]


class ChainLink(Answer):
    prev: str = Field(description="The previous event's hash (seq 1: the genesis).")
    hash: str | None = Field(description="SHA-256 of prev, sealed and the event's content.")
    sealed: str | None = Field(
        default=None,
        description="The customer's copy only: the digest of the fields it does not show.",
    )
    body: dict[str, Any] | None = Field(
        default=None, description="The stored body, where it differs from the one shown."
    )
    author: str | None = Field(
        default=None, description="The stored author name, where it differs from the one shown."
    )


class ChainedEvent(Event):
    chain: ChainLink


class TranscriptChain(Answer):
    algorithm: Literal["sha256"]
    genesis: str
    last_seq: int = Field(description="The newest event of the log when the copy was made.")
    head: str | None = Field(description="That event's hash.")
    salt: str | None = Field(default=None, description="Representatives' copies only.")


class Transcript(Answer):
    header: list[str]
    session: Session
    events: list[ChainedEvent]
    chain: TranscriptChain


class SessionCode(Answer):
    code: str = Field(pattern=r"^[0-9]{9}$")
    expires_at: datetime
    join_url: str
    join_link: str | None = Field(description="Only in the answer that made the code.")


class NewCode(SessionCode):
    code_joining_paused: bool


class CodesAnswer(Answer):
    codes: list[SessionCode]
    code_joining_paused: bool


class PublicPortal(Answer):
    slug: str
    name: str
    fields: list[PortalField]


class Portal(Answer):
    slug: str
    name: str
    greeting: str
    member: bool


class PortalsAnswer(Answer):
    portals: list[Portal]


class TextAnswer(Answer):
    text: str


class PortalGreeting(Answer):
    slug: str
    greeting: str


class PushedAnswer(Answer):
    seq: int
    url: str


class LeftAnswer(Answer):
    left: list[str]


class InvitedSession(Answer):
    id: str
    customer: str
    query: str


class Invitation(Answer):
    id: int
    kind: InvitationKind
    session: InvitedSession
    from_: str = Field(alias="from")
    from_id: int
    portal: str | None
    masked: bool
    comment: str
    expires_at: datetime


class InvitationAnswer(Answer):
    invitation: Invitation


class InvitationsAnswer(Answer):
    invitations: list[Invitation]


class Script(Answer):
    id: int
    title: str
    text: str


class Category(Answer):
    id: int
    name: str
    team: bool
    editable: bool
    scripts: list[Script]


class Library(Answer):
    kind: ScriptKind
    categories: list[Category]


class NewCategory(Answer):
    id: int
    name: str


class File(Answer):
    id: int
    name: str
    size: int
    sha256: str
    content_type: str
    audience: FileAudience
    from_: str = Field(alias="from")
    from_kind: AuthorKind
    state: FileState
    at: datetime


class FileAnswer(Answer):
    file: File


class FilesAnswer(Answer):
    files: list[File]


class ConsentRequest(Answer):
    request: str


class ConsentAnswered(Answer):
    request: str
    state: ConsentState
