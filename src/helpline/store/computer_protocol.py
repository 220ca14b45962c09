"""What the server needs of the store for grants, tasks and diagnostics reports.

Why apart from ``protocol.py``: these serve the agent's features on the customer's
computer, and keeping them in their own protocol keeps each protocol readable. The SQL
implementation is ``computer.py``; ``HelplineStore`` includes this protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from helpline.domain.consent import ConsentRequest
from helpline.domain.events import Event, EventDraft
from helpline.domain.tasks import Task, TaskState


class ComputerStore(Protocol):
    async def consents_of(self, session_id: int) -> list[ConsentRequest]:
        """Every consent request of the session, oldest first."""

    async def revoke_consent(
        self, revoked: ConsentRequest, notes: Sequence[EventDraft], now: datetime
    ) -> list[Event]:
        """Mark an allowed grant revoked and append ``notes``, atomically; ``Conflict``
        unless it was allowed."""

    async def answer_with_report(
        self,
        answered: ConsentRequest,
        report: dict[str, Any],
        notes: Callable[[int], Sequence[EventDraft]],
        now: datetime,
    ) -> tuple[int, list[Event]]:
        """Allow a pending request for system information, keep ``report`` and append
        ``notes(report_id)``, atomically; ``Conflict`` unless still pending."""

    async def create_task(
        self, session_id: int, task: Task, note: EventDraft, now: datetime
    ) -> Event:
        """Save a requested task and append its note; ``Conflict`` while another task of
        the session is unfinished."""

    async def get_task(self, task_id: str) -> tuple[int, Task] | None:
        """The session id and the task."""

    async def move_task(
        self,
        was: TaskState,
        moved: Task,
        notes: Callable[[int], Sequence[EventDraft]] | Sequence[EventDraft],
        now: datetime,
        report: dict[str, Any] | None = None,
    ) -> list[Event]:
        """Save the task's next step if it is still at ``was`` (else ``Conflict``), with
        ``report`` kept in the same transaction (``notes`` then takes its id)."""

    async def diagnostics_of(self, session_id: int) -> list[Any]:
        """Rows (id, request_id, task_id, elevated, sections, created_at) of the
        session's reports, oldest first, without the reports themselves."""

    async def get_diagnostics(self, report_id: int) -> Any | None:
        """The row of one report, with ``session_id`` and ``report``."""
