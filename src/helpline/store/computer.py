"""Grants, tasks and diagnostics reports: what the agent does on the customer's computer.

Why this exists: one of the concerns ``SqlStore`` is composed of (see ``sql.py``). Every
change is a guarded ``UPDATE`` in the transaction that appends its notes (a revocation
only of a grant in force, a task's step only from the step it was at), so a race saves
one answer with its notes and the other saves nothing. A report is saved in the same
transaction as the answer or the step it came with, and its note names its id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from helpline.domain.consent import ConsentRequest, ConsentState
from helpline.domain.errors import Conflict, NotFound
from helpline.domain.events import Event, EventDraft
from helpline.domain.tasks import FINAL, Runner, Task, TaskKind, TaskState
from helpline.store.base import StoreBase
from helpline.store.consents import record_answer
from helpline.store.log import insert_events
from helpline.store.reader import Query
from helpline.store.rows import consent_from_row
from helpline.store.tables import consent_requests, diagnostics, session_tasks

# The notes of a report, once its id is known.
ReportNotes = Callable[[int], Sequence[EventDraft]]


def task_from_row(row: Any) -> Task:
    return Task(
        id=row.id,
        kind=TaskKind(row.task),
        runner=Runner(row.runner),
        requested_by=row.requested_by,
        requested_by_name=row.requested_by_name,
        service=row.service,
        state=TaskState(row.state),
    )


async def _save_report(
    conn: AsyncConnection,
    session_id: int,
    report: dict[str, Any],
    now: datetime,
    request_id: str | None = None,
    task_id: str | None = None,
) -> int:
    saved = await conn.scalar(
        insert(diagnostics)
        .values(
            session_id=session_id,
            request_id=request_id,
            task_id=task_id,
            elevated=bool(report.get("elevated")),
            sections=len(report["sections"]),
            report=report,
            created_at=now,
        )
        .returning(diagnostics.c.id)
    )
    return int(saved)


class ComputerMixin(StoreBase):
    """Reading grants, revoking them, tasks and their steps, and diagnostics reports."""

    async def consents_of(self, session_id: int) -> list[ConsentRequest]:
        return [
            consent_from_row(r) for r in await self._reads.all(_CONSENTS, session_id=session_id)
        ]

    async def revoke_consent(
        self, revoked: ConsentRequest, notes: Sequence[EventDraft], now: datetime
    ) -> list[Event]:
        async with self._writing() as conn:
            session_id = await conn.scalar(
                update(consent_requests)
                .where(
                    consent_requests.c.id == revoked.id,
                    consent_requests.c.state == ConsentState.ALLOWED.value,
                )
                .values(state=ConsentState.REVOKED.value)
                .returning(consent_requests.c.session_id)
            )
            if session_id is None:
                raise Conflict("Only a permission that is in force can be revoked.")
            return await insert_events(conn, session_id, notes, now)

    async def answer_with_report(
        self,
        answered: ConsentRequest,
        report: dict[str, Any],
        notes: ReportNotes,
        now: datetime,
    ) -> tuple[int, list[Event]]:
        """Allow a request for system information and keep its report, together."""
        async with self._writing() as conn:
            session_id = await record_answer(conn, answered, now)
            report_id = await _save_report(conn, session_id, report, now, request_id=answered.id)
            return report_id, await insert_events(conn, session_id, notes(report_id), now)

    async def create_task(
        self, session_id: int, task: Task, note: EventDraft, now: datetime
    ) -> Event:
        """One task at a time per session: ``Conflict`` while another is unfinished."""
        async with self._writing() as conn:
            busy = await conn.scalar(
                select(session_tasks.c.id).where(
                    session_tasks.c.session_id == session_id,
                    session_tasks.c.state.not_in([s.value for s in FINAL]),
                )
            )
            if busy is not None:
                raise Conflict("The agent is still busy with the last task; wait for it.")
            (event,) = await insert_events(conn, session_id, (note,), now)
            await conn.execute(
                insert(session_tasks).values(
                    id=task.id,
                    session_id=session_id,
                    task=task.kind.value,
                    service=task.service,
                    runner=task.runner.value,
                    requested_by=task.requested_by,
                    requested_by_name=task.requested_by_name,
                    state=task.state.value,
                    created_at=now,
                    finished_at=None,
                )
            )
        return event

    async def get_task(self, task_id: str) -> tuple[int, Task] | None:
        row = await self._reads.first(_TASK, task_id=task_id)
        return None if row is None else (row.session_id, task_from_row(row))

    async def move_task(
        self,
        was: TaskState,
        moved: Task,
        notes: ReportNotes | Sequence[EventDraft],
        now: datetime,
        report: dict[str, Any] | None = None,
    ) -> list[Event]:
        """Save a task's next step if it is still at ``was``, with its report if any."""
        async with self._writing() as conn:
            session_id = await conn.scalar(
                update(session_tasks)
                .where(session_tasks.c.id == moved.id, session_tasks.c.state == was.value)
                .values(
                    state=moved.state.value,
                    finished_at=now if moved.state in FINAL else None,
                )
                .returning(session_tasks.c.session_id)
            )
            if session_id is None:
                raise Conflict("This task has moved on already.")
            if report is not None and callable(notes):
                report_id = await _save_report(conn, session_id, report, now, task_id=moved.id)
                drafts = notes(report_id)
            else:
                drafts = notes(0) if callable(notes) else notes
            return await insert_events(conn, session_id, drafts, now)

    async def diagnostics_of(self, session_id: int) -> list[Any]:
        return await self._reads.all(_REPORTS, session_id=session_id)

    async def get_diagnostics(self, report_id: int) -> Any | None:
        return await self._reads.first(_REPORT, report_id=report_id)


def unknown_task() -> NotFound:
    return NotFound("There is no such task.")


_CONSENTS = Query(
    select(consent_requests)
    .where(consent_requests.c.session_id == bindparam("session_id"))
    .order_by(consent_requests.c.created_at)
)
_TASK = Query(select(session_tasks).where(session_tasks.c.id == bindparam("task_id")))
_REPORT_LIST_COLUMNS = [
    diagnostics.c.id,
    diagnostics.c.session_id,
    diagnostics.c.request_id,
    diagnostics.c.task_id,
    diagnostics.c.elevated,
    diagnostics.c.sections,
    diagnostics.c.created_at,
]
_REPORTS = Query(
    select(*_REPORT_LIST_COLUMNS)
    .where(diagnostics.c.session_id == bindparam("session_id"))
    .order_by(diagnostics.c.id)
)
_REPORT = Query(select(diagnostics).where(diagnostics.c.id == bindparam("report_id")))
