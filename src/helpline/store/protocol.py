"""The storage boundary the service layer talks to.

One implementation ships: ``SqlStore`` over SQLAlchemy's async engine, on SQLite
(the default, a file in the data folder) or PostgreSQL. Every method is one
transaction. The store is the truth: an event is acknowledged only after the
transaction that gave it its ``seq`` has committed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from helpline.domain.agent_links import AgentLink
from helpline.domain.codes import SessionCode
from helpline.domain.consent import ConsentRequest
from helpline.domain.events import Event, EventDraft
from helpline.domain.files import SharedFile
from helpline.domain.people import Preferences, Representative, Role
from helpline.domain.portals import Portal, PortalField
from helpline.domain.sessions import (
    Attendee,
    Change,
    ClientInfo,
    SessionStatus,
    SupportSession,
)
from helpline.store.chain_protocol import ChainStore
from helpline.store.computer_protocol import ComputerStore
from helpline.store.observer import AppendObserver
from helpline.store.tools_protocol import SessionToolsStore
from helpline.store.webhook_protocol import WebhookStore


@dataclass(frozen=True)
class Appended:
    """The result of an append: the stored event, and whether this call created it.

    ``created`` is False when (session, author, client id) was already in the log: the
    original event is returned so a resend after a lost acknowledgement gets the
    original ``seq``.
    """

    event: Event
    created: bool


@dataclass(frozen=True)
class SessionState:
    """A session as one read saw it: its row, its last seq, its attendees, and the
    first events of its log after the seq the reader asked from."""

    session: SupportSession
    last_seq: int
    attendees: list[Attendee]
    events: list[Event]


@dataclass(frozen=True)
class NewSession:
    public_id: str
    portal_id: int | None
    customer_name: str
    query: str
    client: ClientInfo
    token_hash: bytes
    token_expires_at: datetime
    extra: tuple[tuple[str, str], ...] = ()


class Store(Protocol):
    async def close(self) -> None: ...
    def watch_appends(self, observer: AppendObserver) -> None: ...
    async def count_sessions_by_status(self) -> dict[str, int]: ...

    # Representatives -----------------------------------------------------------
    async def create_representative(
        self,
        username: str,
        display_name: str,
        role: Role,
        password_hash: str,
        now: datetime,
    ) -> Representative:
        """Stores ``normalize_username(username)``; raises ``Conflict`` if it is taken."""

    async def get_representative(self, rep_id: int) -> Representative | None: ...

    async def find_login(self, username: str) -> tuple[Representative, str] | None:
        """The representative and their password hash, for checking a login; the
        username is compared in its normalized form (``normalize_username``)."""

    async def list_representatives(self) -> list[Representative]: ...

    async def count_representatives(self) -> int: ...

    async def set_password_hash(self, rep_id: int, password_hash: str) -> None: ...

    async def save_preferences(self, rep_id: int, preferences: Preferences) -> None: ...

    # Console logins (cookie sessions) -------------------------------------------
    async def create_login(
        self, token_hash: bytes, rep_id: int, now: datetime, expires_at: datetime
    ) -> None: ...

    async def rep_for_login(self, token_hash: bytes, now: datetime) -> int | None:
        """The representative behind a live login, or None if unknown or expired."""

    async def delete_login(self, token_hash: bytes) -> None: ...

    # Portals ---------------------------------------------------------------------
    async def create_portal(
        self, slug: str, name: str, fields: Sequence[PortalField], greeting: str
    ) -> Portal:
        """Raises ``Conflict`` if the slug is taken."""

    async def get_portal(self, portal_id: int) -> Portal | None: ...

    async def get_portal_by_slug(self, slug: str) -> Portal | None: ...

    async def list_portals(self) -> list[Portal]: ...

    async def add_portal_member(self, portal_id: int, rep_id: int) -> None:
        """Idempotent: adding a member twice is not an error."""

    async def portals_of(self, rep_id: int) -> list[Portal]: ...

    async def members_of(self, portal_id: int) -> list[int]: ...

    # Sessions ----------------------------------------------------------------------
    async def create_session(
        self, new: NewSession, now: datetime, opening: Callable[[SupportSession], Change]
    ) -> tuple[SupportSession, list[Event]]:
        """Create a session (status waiting) and its customer token, then save
        ``opening(session)`` (its first status, attendees and notes) in the same
        transaction. Returns the session as saved and the appended notes.

        Raises ``Conflict`` if the public id is taken (the caller draws another).
        """

    async def get_session(self, session_id: int) -> SupportSession | None: ...

    async def get_session_by_public_id(self, public_id: str) -> SupportSession | None: ...

    async def session_for_token(self, token_hash: bytes, now: datetime) -> int | None:
        """The one session a customer token opens, or None if unknown or expired."""

    async def session_of_token(self, token_hash: bytes, now: datetime) -> SupportSession | None:
        """``session_for_token`` and that session, in one read: a reconnecting
        customer's socket needs both."""

    async def session_state(
        self, session_id: int, after_seq: int, limit: int = 500
    ) -> SessionState | None:
        """The session, its last seq, its attendees and at most ``limit`` events after
        ``after_seq``, read as one (one hand-off on SQLite, from one moment): what a
        ``subscribe`` reads after following the session's channel, and what a follower
        reads again when it hears of a change. A client that is current costs an
        empty range of the log's index, not a read of its own."""

    async def list_attendees(self, session_id: int) -> list[Attendee]: ...

    async def sessions_with_attendees(
        self, session_ids: Sequence[int]
    ) -> list[tuple[SupportSession, list[Attendee]]]:
        """Each of these sessions that exists, in id order, with its attendees (as
        ``list_attendees`` orders them): two reads for hundreds of sessions, where
        thousands change at once (customers coming back after a network failure)."""

    async def attendees_of(self, session_ids: Sequence[int]) -> dict[int, list[Attendee]]:
        """The attendees of each of these sessions (as ``list_attendees`` orders them),
        in one read for hundreds: a console's welcome shows all its sessions at once."""

    async def apply(
        self, change: Change, now: datetime, expected_status: SessionStatus | None = None
    ) -> list[Event]:
        """Save a domain ``Change`` (session row, attendee rows, notes) in one
        transaction and return the appended notes.

        With ``expected_status``, raises ``Conflict`` unless the stored status still
        equals it: of two representatives picking up one session, exactly one wins.
        """

    async def waiting_sessions(self, portal_ids: Sequence[int]) -> list[SupportSession]: ...

    async def open_sessions_of(self, rep_id: int) -> list[SupportSession]:
        """Sessions, not ended, where the representative is a present attendee."""

    # The log ---------------------------------------------------------------------------
    async def append(
        self, session_id: int, draft: EventDraft, now: datetime, *, require_open: bool = False
    ) -> Appended:
        """Append one event with the next gapless ``seq`` of its session.

        Idempotent on (session, author key, client id) when the draft has a client id.
        Raises ``NotFound`` for an unknown session.

        With ``require_open``, raises ``SessionEnded`` if the session's status is
        ``ended`` when the transaction that would save the event runs: decided inside
        it, with the session's row locked, so an ``apply`` that ends the session either
        committed first (and nothing is appended) or commits after this event (which
        then comes before the end in the log). A resend of an event already saved is
        still answered with it (``created=False``): it was acknowledged before the end.
        """

    async def events_after(self, session_id: int, after_seq: int, limit: int = 500) -> list[Event]:
        """Events with ``seq > after_seq`` in order, at most ``limit`` of them."""

    async def last_seq(self, session_id: int) -> int: ...

    # Session codes -----------------------------------------------------------------------
    async def create_code(self, code: SessionCode) -> SessionCode:
        """Raises ``Conflict`` if an active code with these digits exists (the caller
        draws again)."""

    async def active_codes(self, rep_id: int, now: datetime) -> list[SessionCode]: ...

    async def claim_code(self, code: str, now: datetime) -> SessionCode:
        """Mark a code used, atomically, and return it.

        Raises ``NotFound`` for unknown digits and ``Expired`` for a used or expired
        code; of two customers racing for one code exactly one succeeds.
        """

    async def claim_code_link(self, link_hash: bytes, now: datetime) -> SessionCode:
        """Like ``claim_code``, for the code whose join link's secret hashes to ``link_hash``."""

    async def cancel_code(self, code: str, rep_id: int) -> None: ...


class TransferStore(Protocol):
    """Shared files and consent requests (screen sharing and the like)."""

    async def create_file(
        self, file: SharedFile, note: EventDraft, now: datetime
    ) -> tuple[SharedFile, Event]:
        """Save a file's record (its ``id`` is assigned; ``stored_as`` names the blob in
        the data folder) and append its "offered" note, atomically."""

    async def get_file(self, file_id: int) -> SharedFile | None: ...

    async def answer_file(self, answered: SharedFile, note: EventDraft, now: datetime) -> Event:
        """Record an accept or decline and append its note, atomically; raises
        ``Conflict`` unless the stored state is still ``offered``."""

    async def files_of_session(self, session_id: int) -> list[SharedFile]: ...

    async def files_of_sessions_ended_before(self, moment: datetime) -> list[SharedFile]:
        """Files whose session ended before ``moment`` (for the retention sweep)."""

    async def delete_files(self, file_ids: Sequence[int]) -> None:
        """Forget these file records (their blobs are removed by the caller)."""

    async def create_consent(
        self, session_id: int, request: ConsentRequest, note: EventDraft, now: datetime
    ) -> Event:
        """Save a pending consent request (``request.id`` is given by the caller, unique)
        and append its note, atomically."""

    async def get_consent(self, request_id: str) -> tuple[int, ConsentRequest] | None:
        """The session id and the request."""

    async def answer_consent(
        self, answered: ConsentRequest, notes: Sequence[EventDraft], now: datetime
    ) -> list[Event]:
        """Record the answer and append ``notes``, atomically; raises ``Conflict``
        unless the stored request is still pending."""


@dataclass(frozen=True)
class PresenceChanges:
    """Sessions whose customer came online, and those whose customer went offline."""

    online: list[int] = field(default_factory=list)
    offline: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.online or self.offline)


class AgentStore(Protocol):
    """The customer's presence (``store/presence.py``) and the agent's attach links."""

    async def set_presence(
        self, node: str, present: Collection[int], absent: Collection[int], now: datetime
    ) -> PresenceChanges:
        """Server process ``node`` now holds customer sockets of the ``present``
        sessions and none of the ``absent`` ones; a session is online while any
        process holds its mark."""

    async def renew_presence(
        self, node: str, present: Collection[int], now: datetime, stale_before: datetime
    ) -> PresenceChanges:
        """Every heartbeat: renew ``node``'s marks (and put back any another process
        removed), then remove every process's marks not renewed since
        ``stale_before``: those processes are gone."""

    async def clear_presence(self, node: str) -> list[int]:
        """Remove all of ``node``'s marks (it stops); returns sessions gone offline."""

    async def save_agent_link(self, link: AgentLink) -> None:
        """Save the session's attach link, replacing the one it had."""

    async def attach_agent(
        self,
        secret_hash: bytes,
        now: datetime,
        client: ClientInfo,
        token_hash: bytes,
        token_expires_at: datetime,
        note: Callable[[SupportSession, list[Attendee]], EventDraft],
    ) -> tuple[SupportSession, list[Event]]:
        """Redeem an attach link, atomically: mark it used, give its session a new
        customer token, take ``client`` as the session's details of the computer, and
        append ``note(session, attendees)``. ``NotFound`` for an unknown secret,
        ``Expired`` for a used or expired one, ``SessionEnded`` if the session has
        ended (the link then stays unused)."""


class HelplineStore(
    Store,
    SessionToolsStore,
    TransferStore,
    AgentStore,
    ComputerStore,
    WebhookStore,
    ChainStore,
    Protocol,
):
    """Everything the service layer needs from storage."""
