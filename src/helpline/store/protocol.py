"""The storage boundary the service layer talks to.

One implementation ships: ``SqlStore`` over SQLAlchemy's async engine, on SQLite
(the default, a file in the data folder) or PostgreSQL. Every method is one
transaction. The store is the truth: an event is acknowledged only after the
transaction that gave it its ``seq`` has committed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from helpline.domain.codes import SessionCode
from helpline.domain.events import Event, EventDraft
from helpline.domain.people import Preferences, Representative, Role
from helpline.domain.portals import Portal, PortalField
from helpline.domain.sessions import (
    Attendee,
    Change,
    ClientInfo,
    SessionStatus,
    SupportSession,
)


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

    # Representatives -----------------------------------------------------------
    async def create_representative(
        self,
        username: str,
        display_name: str,
        role: Role,
        password_hash: str,
        now: datetime,
    ) -> Representative:
        """Raises ``Conflict`` if the username is taken."""

    async def get_representative(self, rep_id: int) -> Representative | None: ...

    async def find_login(self, username: str) -> tuple[Representative, str] | None:
        """The representative and their password hash, for checking a login."""

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

    async def list_attendees(self, session_id: int) -> list[Attendee]: ...

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
    async def append(self, session_id: int, draft: EventDraft, now: datetime) -> Appended:
        """Append one event with the next gapless ``seq`` of its session.

        Idempotent on (session, author key, client id) when the draft has a client id.
        """

    async def events_after(
        self, session_id: int, after_seq: int, limit: int = 500
    ) -> list[Event]:
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

    async def cancel_code(self, code: str, rep_id: int) -> None: ...
