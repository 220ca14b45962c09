"""What the session tools need from storage: invitations, team settings, portals'
settings, the Library's scripted messages and URLs, and the history search.

Apart from ``protocol.py`` so that each stays short; ``HelplineStore`` there composes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from helpline.domain.events import Event, EventDraft
from helpline.domain.invitations import Invitation
from helpline.domain.portals import Portal
from helpline.domain.scripts import Script, ScriptCategory, ScriptKind
from helpline.domain.sessions import Change, Outcome, SessionStatus, SupportSession


@dataclass(frozen=True)
class HistoryQuery:
    """Filters of the managers' history page; ``text`` is a full-text search over the
    sessions' logs (messages, notes and status notes), the query, and the customer name."""

    portal_id: int | None = None
    rep_id: int | None = None
    outcome: Outcome | None = None
    started_from: datetime | None = None
    started_before: datetime | None = None
    text: str | None = None
    status: SessionStatus | None = None
    limit: int = 50
    offset: int = 0


class SessionToolsStore(Protocol):
    """Invitations, scripted libraries, greetings and history (the session tools)."""

    # Invitations and transfers -------------------------------------------------------
    async def create_invitation(
        self, invitation: Invitation, note: EventDraft, now: datetime
    ) -> tuple[Invitation, Event]:
        """Save a new invitation (its ``id`` is assigned) and append its note, atomically."""

    async def get_invitation(self, invitation_id: int) -> Invitation | None: ...

    async def pending_invitations(
        self, rep_id: int, portal_ids: Sequence[int], now: datetime
    ) -> list[Invitation]:
        """Pending, unexpired invitations to this representative or to one of these portals."""

    async def count_pending_invites(self, session_id: int, now: datetime) -> int:
        """Pending, unexpired invitations of kind invite in a session."""

    async def answer_invitation(
        self,
        answered: Invitation,
        change: Change | None,
        notes: Sequence[EventDraft],
        now: datetime,
    ) -> list[Event]:
        """Record the answer, save ``change`` (if any) and append ``notes``, atomically.

        Guarded: only a still-pending invitation can be answered (``UPDATE ... WHERE
        id = :id AND state = 'pending'``); otherwise raises ``Conflict`` and saves
        nothing, so of two representatives accepting a portal's invitation one wins.
        A portal invitation that stays pending (a decline) updates nothing but appends
        the notes.
        """

    async def active_session_counts(self) -> dict[int, int]:
        """Representative id -> number of open sessions they are present in."""

    # Team settings and portal greetings -----------------------------------------------
    async def get_team_setting(self, key: str) -> str | None: ...

    async def set_team_setting(self, key: str, value: str) -> None: ...

    async def update_portal(
        self, portal_id: int, name: str | None = None, greeting: str | None = None
    ) -> Portal:
        """Raises ``NotFound`` for an unknown portal."""

    # Scripted messages and URLs --------------------------------------------------------
    async def script_categories(
        self, kind: ScriptKind, rep_id: int
    ) -> list[tuple[ScriptCategory, list[Script]]]:
        """The team's categories, then the representative's personal ones, each in its
        order and with its scripts in order."""

    async def get_script_category(self, category_id: int) -> ScriptCategory | None: ...

    async def create_script_category(
        self, kind: ScriptKind, owner_rep_id: int | None, name: str
    ) -> ScriptCategory:
        """Appended last in its library (team when ``owner_rep_id`` is None)."""

    async def rename_script_category(self, category_id: int, name: str) -> None: ...

    async def delete_script_category(self, category_id: int) -> None:
        """Deletes its scripts too."""

    async def reorder_script_categories(
        self, kind: ScriptKind, owner_rep_id: int | None, ordered_ids: Sequence[int]
    ) -> None: ...

    async def get_script(self, script_id: int) -> Script | None: ...

    async def create_script(self, category_id: int, title: str, text: str) -> Script:
        """Appended last in its category."""

    async def update_script(self, script_id: int, title: str, text: str) -> None: ...

    async def delete_script(self, script_id: int) -> None: ...

    async def reorder_scripts(self, category_id: int, ordered_ids: Sequence[int]) -> None: ...

    # History -------------------------------------------------------------------------------
    async def search_sessions(self, query: HistoryQuery) -> tuple[list[SupportSession], int]:
        """Sessions matching every given filter, newest first, and the total count.

        ``rep_id`` matches sessions the representative attended. ``text`` uses SQLite
        FTS5 or PostgreSQL full-text search over the words of the log; several words
        must all match. A query that is only punctuation matches nothing, never errors.
        """
