"""The agent's features on the customer's computer: grants, tasks, diagnostics reports.

Why this exists: these requests reach furthest into a customer's computer, so every
rule about them is applied here, once, for every route: only the agent can do them,
one request of a kind at a time, a task only with a permission in force, a report only
for the representatives of the session. The notes come from ``domain/consent.py`` and
``domain/tasks.py`` and are sealed like every other event, so a masked representative's
request reaches the customer anonymously.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from helpline.domain import consent as rules
from helpline.domain import tasks
from helpline.domain.consent import GRANTS, ConsentKind, ConsentRequest, ConsentState
from helpline.domain.diagnostics import check_report
from helpline.domain.drafting import seal
from helpline.domain.errors import Forbidden, InvalidInput, NeedsAgent, NotFound
from helpline.domain.sessions import (
    ClientApp,
    SupportSession,
    check_open,
    check_rep_in_session,
    may_read,
    of_this_session,
)
from helpline.domain.tasks import Task, TaskKind, TaskState
from helpline.server.accounts import CustomerActor, RepActor
from helpline.server.consents import Consents
from helpline.server.service import HelplineService


def granted(requests: list[ConsentRequest], kind: ConsentKind) -> bool:
    return any(r.kind is kind and r.state is ConsentState.ALLOWED for r in requests)


class Computer:
    def __init__(self, service: HelplineService) -> None:
        self.service = service
        self.store = service.store
        # Consents makes the request, once the rules of `ask` below allow it.
        self.consents = Consents(service)

    # Representatives ---------------------------------------------------------------

    async def ask(self, actor: RepActor, public_id: str, kind: ConsentKind) -> ConsentRequest:
        rules.check_consent_kind_for_ask(kind)
        session, _ = await self._rep_session(actor, public_id)
        requests = await self.store.consents_of(session.id)
        rules.check_may_ask(
            kind,
            agent=session.client.app is ClientApp.AGENT,
            pending=any(r.kind is kind and r.state is ConsentState.PENDING for r in requests),
            granted=kind in GRANTS and granted(requests, kind),
        )
        return await self.consents.ask(actor, public_id, kind)

    async def request_task(
        self, actor: RepActor, public_id: str, kind: TaskKind, service: str | None
    ) -> Task:
        name = tasks.check_service_name(kind, service)
        session, attendees = await self._rep_session(actor, public_id)
        if session.client.app is not ClientApp.AGENT:
            raise NeedsAgent(
                "This needs the Helpline agent on the customer's computer; "
                "send the agent to the customer first."
            )
        requests = await self.store.consents_of(session.id)
        runner = tasks.runner_for(
            kind,
            credentials=granted(requests, ConsentKind.CREDENTIALS),
            service=granted(requests, ConsentKind.SERVICE),
        )
        task = Task(
            id=uuid.uuid4().hex,
            kind=kind,
            runner=runner,
            requested_by=actor.rep.id,
            requested_by_name=actor.rep.display_name,
            service=name,
        )
        note = seal(tasks.requested_note(task), attendees)
        event = await self.store.create_task(session.id, task, note, self.service.clock())
        await self.service.publish_events(session.id, [event])
        return task

    async def reports(self, actor: RepActor, public_id: str) -> list[Any]:
        session = await self.service.session_for(actor, public_id)
        return await self.store.diagnostics_of(session.id)

    async def report(self, actor: RepActor, report_id: int) -> Any:
        row = await self.store.get_diagnostics(report_id)
        if row is None:
            raise NotFound("There is no such report.")
        attendees = await self.store.list_attendees(row.session_id)
        if not may_read(attendees, actor.rep.id):
            raise Forbidden("This report belongs to a session you are not in.")
        return row

    # The customer's agent ----------------------------------------------------------

    async def send_report(
        self, actor: CustomerActor, request_id: str, report: object
    ) -> tuple[ConsentRequest, int]:
        """Allow a request for system information by sending it."""
        session, request = await self._customer_request(actor, request_id)
        if request.kind is not ConsentKind.DIAGNOSTICS:
            raise InvalidInput("Only a request for system information is answered with a report.")
        checked = check_report(report)
        answered = request.answered(True)
        attendees = await self.store.list_attendees(session.id)
        answer = seal(rules.answer_note(answered, session.customer_name), attendees)

        def notes(report_id: int) -> list[Any]:
            sent = tasks.diagnostics_note(answered.id, report_id, session.customer_name)
            return [answer, seal(sent, attendees)]

        async def save() -> int:
            report_id, events = await self.store.answer_with_report(
                answered, checked, notes, self.service.clock()
            )
            await self.service.publish_events(session.id, events)
            return report_id

        # Shielded like every write from a client: see HelplineService.append_and_publish.
        return answered, await asyncio.shield(save())

    async def revoke(self, actor: CustomerActor, request_id: str) -> ConsentRequest:
        session, request = await self._customer_request(actor, request_id)
        revoked = request.revoked()
        attendees = await self.store.list_attendees(session.id)
        note = seal(rules.revoke_note(revoked, session.customer_name), attendees)

        async def save() -> None:
            events = await self.store.revoke_consent(revoked, [note], self.service.clock())
            await self.service.publish_events(session.id, events)

        await asyncio.shield(save())
        return revoked

    async def task_step(
        self,
        actor: CustomerActor,
        task_id: str,
        state: TaskState,
        detail: str | None,
        report: object,
    ) -> Task:
        session_id = actor.session_id
        task = of_this_session(await self.store.get_task(task_id), session_id, "task")
        session = await self._open_session(session_id)
        moved = task.moved_to(state)
        wants_report = moved.kind is TaskKind.ELEVATED_DIAGNOSTICS and state is TaskState.DONE
        if wants_report != (report is not None):
            raise InvalidInput(
                "A report comes with 'done' of 'elevated_diagnostics', and only there."
            )
        checked = None if report is None else {**check_report(report), "elevated": True}
        attendees = await self.store.list_attendees(session_id)

        def notes(report_id: int) -> list[Any]:
            note = tasks.progress_note(
                moved, session.customer_name, detail, report_id if checked else None, task.state
            )
            return [seal(note, attendees)]

        async def save() -> None:
            events = await self.store.move_task(
                task.state, moved, notes, self.service.clock(), report=checked
            )
            await self.service.publish_events(session_id, events)

        await asyncio.shield(save())
        return moved

    async def stop_task(self, actor: RepActor, task_id: str) -> Task:
        """Stop waiting for a task: the agent never reported its end (a computer that
        did not come back), and one task at a time would block every later one."""
        found = await self.store.get_task(task_id)
        if found is None:
            raise NotFound("There is no such task.")
        session_id, task = found
        session = await self._open_session(session_id)
        attendees = await self.store.list_attendees(session_id)
        check_rep_in_session(attendees, actor.rep.id)
        stopped = task.stopped()
        note = seal(tasks.stopped_note(task, actor.rep.id, actor.rep.display_name), attendees)

        async def save() -> None:
            events = await self.store.move_task(task.state, stopped, [note], self.service.clock())
            await self.service.publish_events(session.id, events)

        await asyncio.shield(save())
        return stopped

    # ------------------------------------------------------------------------------

    async def _rep_session(self, actor: RepActor, public_id: str) -> tuple[SupportSession, Any]:
        session = await self.service.session_for(actor, public_id)
        check_open(session)
        attendees = await self.store.list_attendees(session.id)
        check_rep_in_session(attendees, actor.rep.id)
        return session, attendees

    async def _customer_request(
        self, actor: CustomerActor, request_id: str
    ) -> tuple[SupportSession, ConsentRequest]:
        found = await self.store.get_consent(request_id)
        request = of_this_session(found, actor.session_id, "request")
        return await self._open_session(actor.session_id), request

    async def _open_session(self, session_id: int) -> SupportSession:
        session = await self.store.get_session(session_id)
        if session is None:
            raise NotFound("There is no such session.")
        check_open(session)
        return session
