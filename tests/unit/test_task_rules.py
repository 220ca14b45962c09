"""Tasks on the customer's computer: which permission each uses, the names a service
may have, and the order of a task's steps."""

from __future__ import annotations

import pytest

from helpline.domain.errors import Conflict, InvalidInput, NeedsGrant
from helpline.domain.tasks import (
    Runner,
    Task,
    TaskKind,
    TaskState,
    check_service_name,
    runner_for,
)


def task(kind: TaskKind = TaskKind.REBOOT, state: TaskState = TaskState.REQUESTED) -> Task:
    return Task("t", kind, Runner.CREDENTIALS, 3, "Bob", state=state)


@pytest.mark.parametrize("kind", list(TaskKind))
def test_credentials_allow_every_task(kind: TaskKind) -> None:
    assert runner_for(kind, credentials=True, service=True) is Runner.CREDENTIALS


def test_the_service_alone_allows_a_restart_of_the_computer_and_nothing_else() -> None:
    assert runner_for(TaskKind.REBOOT, credentials=False, service=True) is Runner.SERVICE
    with pytest.raises(NeedsGrant, match="login credentials"):
        runner_for(TaskKind.UNLOCK_SCREEN, credentials=False, service=True)
    with pytest.raises(NeedsGrant, match="or the agent running as a service"):
        runner_for(TaskKind.REBOOT, credentials=False, service=False)


@pytest.mark.parametrize("name", ["nginx", "cups.service", "getty@tty1.service", "a:b-c_d"])
def test_a_systemd_unit_name_is_a_service_name(name: str) -> None:
    assert check_service_name(TaskKind.RESTART_SERVICE, name) == name


@pytest.mark.parametrize("name", [None, "", "-now", "a b", "../x", "a;reboot", "x" * 202])
def test_anything_else_is_refused_as_a_service_name(name: str | None) -> None:
    with pytest.raises(InvalidInput, match="systemd"):
        check_service_name(TaskKind.RESTART_SERVICE, name)


def test_only_a_restart_of_a_service_names_one() -> None:
    assert check_service_name(TaskKind.REBOOT, None) is None
    with pytest.raises(InvalidInput, match="Only 'restart_service'"):
        check_service_name(TaskKind.REBOOT, "cups")


def test_a_restart_goes_requested_restarting_done_and_then_is_over() -> None:
    restarting = task().moved_to(TaskState.RESTARTING)
    done = restarting.moved_to(TaskState.DONE)
    assert done.state is TaskState.DONE
    with pytest.raises(Conflict, match="over"):
        done.moved_to(TaskState.FAILED)


def test_only_a_restart_not_yet_begun_can_be_restarting() -> None:
    with pytest.raises(Conflict):
        task(TaskKind.UNLOCK_SCREEN).moved_to(TaskState.RESTARTING)
    with pytest.raises(Conflict):
        task(state=TaskState.RESTARTING).moved_to(TaskState.RESTARTING)
    with pytest.raises(InvalidInput):
        task().moved_to(TaskState.REQUESTED)
