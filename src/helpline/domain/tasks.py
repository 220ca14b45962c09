"""Tasks: named actions with administrator rights on the customer's computer.

"Apply login credentials" and "Reboot and reconnect" are not commands a representative
types: they are a short list of named actions the agent knows how to do (restart the
computer, restart one system service, collect system information with administrator
rights, unlock the screen). Each needs a permission the customer gave for the session
(their login credentials, or the agent running as a service) and each step of it is a
note everyone in the session reads, so the customer always sees what was done with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from helpline.domain.drafting import Disclosure, Draft, say
from helpline.domain.errors import Conflict, InvalidInput, NeedsGrant
from helpline.domain.events import Audience, Author, EventKind

MAX_DETAIL = 300
# A systemd unit name as `systemctl restart` takes it: no spaces, no options, no paths.
SERVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9@._:-]{0,200}")


class TaskKind(StrEnum):
    REBOOT = "reboot"
    RESTART_SERVICE = "restart_service"
    ELEVATED_DIAGNOSTICS = "elevated_diagnostics"
    UNLOCK_SCREEN = "unlock_screen"


class Runner(StrEnum):
    """What gives the agent the rights to do it."""

    CREDENTIALS = "credentials"
    SERVICE = "service"


class TaskState(StrEnum):
    REQUESTED = "requested"
    RESTARTING = "restarting"
    DONE = "done"
    FAILED = "failed"


FINAL = frozenset({TaskState.DONE, TaskState.FAILED})


@dataclass(frozen=True)
class Task:
    id: str
    kind: TaskKind
    runner: Runner
    requested_by: int
    requested_by_name: str
    service: str | None = None
    state: TaskState = TaskState.REQUESTED

    @property
    def what(self) -> str:
        return {
            TaskKind.REBOOT: "restart the computer",
            TaskKind.RESTART_SERVICE: f"restart the system service {self.service}",
            TaskKind.ELEVATED_DIAGNOSTICS: "collect system information with administrator rights",
            TaskKind.UNLOCK_SCREEN: "unlock the screen",
        }[self.kind]

    def moved_to(self, state: TaskState) -> Task:
        """The next step the agent reports; anything out of order is a conflict."""
        if self.state in FINAL:
            raise Conflict(f"This task is over: it is {self.state.value}.")
        if state is TaskState.REQUESTED:
            raise InvalidInput("A task's state is 'restarting', 'done' or 'failed'.")
        if state is TaskState.RESTARTING and (
            self.kind is not TaskKind.REBOOT or self.state is not TaskState.REQUESTED
        ):
            raise Conflict("Only a restart that has not begun can be restarting.")
        return replace(self, state=state)

    def stopped(self) -> Task:
        """A representative stops waiting for it (an agent that never came back)."""
        if self.state in FINAL:
            raise Conflict(f"This task is over: it is {self.state.value}.")
        return replace(self, state=TaskState.FAILED)

    def returns_after(self, was: TaskState) -> bool:
        """Whether the agent comes back after this restart: one that will not (it does not
        run as a service) reports ``done`` straight from ``requested``, once the command
        to restart was accepted; one that will reports ``restarting`` first."""
        return not (
            self.kind is TaskKind.REBOOT
            and self.state is TaskState.DONE
            and was is TaskState.REQUESTED
        )


def check_service_name(kind: TaskKind, service: str | None) -> str | None:
    if kind is not TaskKind.RESTART_SERVICE:
        if service is not None:
            raise InvalidInput("Only 'restart_service' names a service.")
        return None
    if service is None or not SERVICE_NAME.fullmatch(service):
        raise InvalidInput(
            "Name the system service as systemd does, for example 'nginx' or "
            "'cups.service': letters, digits and @ . _ : - only."
        )
    return service


def runner_for(kind: TaskKind, credentials: bool, service: bool) -> Runner:
    """The permission a task uses: the customer's credentials when given; a restart may
    also be done by the agent running as a service."""
    if credentials:
        return Runner.CREDENTIALS
    if kind is TaskKind.REBOOT and service:
        return Runner.SERVICE
    if kind is TaskKind.REBOOT:
        raise NeedsGrant(
            "Restarting the computer needs the customer's login credentials or the "
            "agent running as a service; ask the customer for one first."
        )
    raise NeedsGrant("This needs the customer's login credentials; ask the customer first.")


def requested_note(task: Task) -> Draft:
    by = Author.representative(task.requested_by, task.requested_by_name)
    template = (
        "{by} used the customer's login credentials to {what}."
        if task.runner is Runner.CREDENTIALS
        else "{by} asked the support agent to {what}."
    )
    return Draft(
        kind=EventKind.STATUS,
        audience=Audience.everyone(),
        author=by,
        text=say(template, by=by, what=task.what),
        body={
            "action": "task_requested",
            "task_id": task.id,
            "task": task.kind.value,
            "service": task.service,
            "runner": task.runner.value,
        },
        if_masked=Disclosure.ANONYMOUS,
    )


def progress_note(
    task: Task,
    customer_name: str,
    detail: str | None,
    diagnostics_id: int | None = None,
    was: TaskState = TaskState.RESTARTING,
) -> Draft:
    """A step the agent reported: restarting, done or failed (``was``: the step before)."""
    returns = task.returns_after(was)
    if task.state is TaskState.RESTARTING:
        text = say("The customer's computer is restarting.")
    elif not returns:
        text = say(
            "The customer's computer is restarting. The agent does not run as a service "
            "there, so it will not come back to this session by itself."
        )
    elif task.state is TaskState.DONE and task.kind is TaskKind.REBOOT:
        text = say("The customer's computer restarted and reconnected to this session.")
    elif task.state is TaskState.DONE:
        text = say("Done: {what}.", what=task.what)
    else:
        text = say(
            "Could not {what}: {detail}",
            what=task.what,
            detail=detail or "the agent gave no reason.",
        )
    body: dict[str, str | int | bool] = {
        "action": f"task_{task.state.value}",
        "task_id": task.id,
        "task": task.kind.value,
    }
    if not returns:
        body["reconnects"] = False
    if task.state is TaskState.FAILED and detail:
        # The agent's own words about the system, for a reader in another language.
        body["detail"] = detail
    if diagnostics_id is not None:
        body["diagnostics_id"] = diagnostics_id
    return Draft(
        kind=EventKind.STATUS,
        audience=Audience.everyone(),
        author=Author.customer(customer_name),
        text=text,
        body=body,
    )


def stopped_note(task: Task, by_id: int, by_name: str) -> Draft:
    """A representative stopped waiting for a task the agent never finished."""
    by = Author.representative(by_id, by_name)
    return Draft(
        kind=EventKind.STATUS,
        audience=Audience.everyone(),
        author=by,
        text=say(
            "{by} stopped waiting for the customer's computer to {what}.", by=by, what=task.what
        ),
        body={
            "action": "task_failed",
            "task_id": task.id,
            "task": task.kind.value,
            "reason": "stopped_waiting",
        },
        if_masked=Disclosure.ANONYMOUS,
    )


def diagnostics_note(request_id: str, diagnostics_id: int, customer_name: str) -> Draft:
    """The customer's log says a report was sent, never what it held."""
    customer = Author.customer(customer_name)
    return Draft(
        kind=EventKind.STATUS,
        audience=Audience.everyone(),
        author=customer,
        text=say("{customer} sent system information to the representatives.", customer=customer),
        body={
            "action": "diagnostics_sent",
            "request_id": request_id,
            "diagnostics_id": diagnostics_id,
        },
    )
