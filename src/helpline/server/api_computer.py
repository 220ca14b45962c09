"""HTTP routes of the agent's features on the customer's computer: consent to them,
system information reports, revoking a permission, and tasks with administrator rights.

The rules are all in ``computer.py``; the routes only read the body and shape the
answer. docs/protocol.md describes each one.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from helpline.domain.consent import ConsentKind
from helpline.domain.diagnostics import MAX_REPORT_BYTES
from helpline.domain.errors import Conflict, InvalidInput, TooLarge
from helpline.domain.tasks import MAX_DETAIL, SERVICE_NAME, TaskKind, TaskState
from helpline.server import answers, computer_answers, wire
from helpline.server.accounts import customer_only
from helpline.server.computer import Computer
from helpline.server.dependencies import AnyActor, Rep, check_origin
from helpline.server.inputs import CheckedRoute, PathId
from helpline.server.openapi import answers as answer
from helpline.server.openapi import errors


def get_computer(request: Request) -> Computer:
    computer: Computer = request.app.state.computer
    return computer


ComputerService = Annotated[Computer, Depends(get_computer)]


def limit_report_body(request: Request) -> None:
    """A report is large for JSON (up to 1 MiB); anything larger is refused before it is
    read, so the body must say its length."""
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise InvalidInput("Send the report with a Content-Length header.")
    if int(declared) > MAX_REPORT_BYTES:
        raise TooLarge(f"A report has at most {MAX_REPORT_BYTES} bytes.")


router = APIRouter(prefix="/api", dependencies=[Depends(check_origin)], route_class=CheckedRoute)


class AskBody(BaseModel):
    consent: Literal["diagnostics", "credentials", "service"]


class ReportBody(BaseModel):
    report: dict[str, Any] = Field(description="See docs/protocol.md: Diagnostics reports.")


class RestartService(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task: Literal["restart_service"]
    service: str = Field(pattern=SERVICE_NAME.pattern.join("^$"))


class OtherTask(BaseModel):
    # Only a restart of a service names one: a name anywhere else is refused.
    model_config = ConfigDict(extra="forbid")
    task: Literal["reboot", "elevated_diagnostics", "unlock_screen"]


TaskBody = Annotated[RestartService | OtherTask, Field(discriminator="task")]


class StepBody(BaseModel):
    state: Literal["restarting", "done", "failed"]
    detail: str | None = Field(default=None, max_length=MAX_DETAIL)
    report: dict[str, Any] | None = None


def summary(row: Any) -> wire.JsonDict:
    return {
        "id": row.id,
        "at": wire.iso(row.created_at),
        "request": row.request_id,
        "task": row.task_id,
        "elevated": bool(row.elevated),
        "sections": row.sections,
    }


@router.post(
    "/sessions/{public_id}/consents",
    status_code=201,
    responses={**answer(answers.ConsentRequest, 201, request_id="/request"), **errors(Conflict)},
)
async def ask_for_consent(
    public_id: str, body: AskBody, actor: Rep, computer: ComputerService
) -> Any:
    request = await computer.ask(actor, public_id, ConsentKind(body.consent))
    return {"request": request.id}


@router.post(
    "/consents/{request_id}/diagnostics",
    dependencies=[Depends(limit_report_body)],
    responses={
        **answer(computer_answers.ReportSent, diagnostics_id="/diagnostics"),
        **errors(Conflict, TooLarge),
    },
)
async def send_diagnostics(
    request_id: str, body: ReportBody, actor: AnyActor, computer: ComputerService
) -> Any:
    who = customer_only(actor, "send system information")
    answered, report_id = await computer.send_report(who, request_id, body.report)
    return {"request": answered.id, "state": answered.state.value, "diagnostics": report_id}


@router.post(
    "/consents/{request_id}/revoke",
    responses={**answer(computer_answers.RevokedAnswer), **errors(Conflict)},
)
async def revoke_consent(request_id: str, actor: AnyActor, computer: ComputerService) -> Any:
    revoked = await computer.revoke(customer_only(actor, "revoke a permission"), request_id)
    return {"request": revoked.id, "state": revoked.state.value}


@router.get(
    "/sessions/{public_id}/diagnostics",
    responses=answer(computer_answers.ReportList),
)
async def session_diagnostics(public_id: str, actor: Rep, computer: ComputerService) -> Any:
    return {"diagnostics": [summary(row) for row in await computer.reports(actor, public_id)]}


@router.get(
    "/diagnostics/{diagnostics_id:int}",
    responses=answer(computer_answers.ReportAnswer),
)
async def diagnostics_report(diagnostics_id: PathId, actor: Rep, computer: ComputerService) -> Any:
    row = await computer.report(actor, diagnostics_id)
    return {**summary(row), "report": row.report}


@router.post(
    "/sessions/{public_id}/tasks",
    status_code=201,
    responses={**answer(computer_answers.TaskCreated, 201, task_id="/task"), **errors(Conflict)},
)
async def request_task(
    public_id: str, body: TaskBody, actor: Rep, computer: ComputerService
) -> Any:
    service = body.service if isinstance(body, RestartService) else None
    task = await computer.request_task(actor, public_id, TaskKind(body.task), service)
    return {"task": task.id}


@router.post(
    "/tasks/{task_id}",
    dependencies=[Depends(limit_report_body)],
    responses={**answer(computer_answers.TaskAnswer), **errors(Conflict, TooLarge)},
)
async def task_step(
    task_id: str, body: StepBody, actor: AnyActor, computer: ComputerService
) -> Any:
    who = customer_only(actor, "report how a task went")
    moved = await computer.task_step(who, task_id, TaskState(body.state), body.detail, body.report)
    return {"task": moved.id, "state": moved.state.value}


@router.post(
    "/tasks/{task_id}/cancel",
    responses={**answer(computer_answers.TaskAnswer), **errors(Conflict)},
)
async def cancel_task(task_id: str, actor: Rep, computer: ComputerService) -> Any:
    """A representative stops waiting for a task the agent never finished."""
    stopped = await computer.stop_task(actor, task_id)
    return {"task": stopped.id, "state": stopped.state.value}
