"""Tasks on the customer's computer: which permission each uses, the names a service
may have, the order of a task's steps, and what everyone reads of each step."""

from __future__ import annotations

import pytest

from helpline.domain.drafting import Draft, seal
from helpline.domain.errors import Conflict, InvalidInput, NeedsGrant
from helpline.domain.tasks import (
    Runner,
    Task,
    TaskKind,
    TaskState,
    check_service_name,
    diagnostics_note,
    progress_note,
    requested_note,
    runner_for,
    stopped_note,
)
from tests.support.domain import a_rep, as_events, attending, customer_reads

BOB = a_rep(3, "Bob")


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


@pytest.mark.parametrize("state", [TaskState.DONE, TaskState.FAILED])
def test_any_task_may_finish_straight_from_requested(state: TaskState) -> None:
    assert task(TaskKind.UNLOCK_SCREEN).moved_to(state).state is state


@pytest.mark.parametrize("state", [TaskState.DONE, TaskState.FAILED])
def test_a_finished_task_takes_no_further_step(state: TaskState) -> None:
    with pytest.raises(Conflict, match=rf"^This task is over: it is {state.value}\.$"):
        task(state=state).moved_to(TaskState.DONE)
    with pytest.raises(Conflict, match=rf"^This task is over: it is {state.value}\.$"):
        task(state=state).stopped()


def test_the_state_requested_is_never_reported() -> None:
    with pytest.raises(
        InvalidInput, match=r"^A task's state is 'restarting', 'done' or 'failed'\.$"
    ):
        task(state=TaskState.RESTARTING).moved_to(TaskState.REQUESTED)


@pytest.mark.parametrize("state", [TaskState.REQUESTED, TaskState.RESTARTING])
def test_a_representative_who_stops_waiting_fails_the_task(state: TaskState) -> None:
    assert task(state=state).stopped().state is TaskState.FAILED


def test_a_restart_done_straight_from_requested_will_not_come_back() -> None:
    done = task().moved_to(TaskState.DONE)
    assert not done.returns_after(TaskState.REQUESTED)
    assert done.returns_after(TaskState.RESTARTING)
    assert task(TaskKind.UNLOCK_SCREEN, TaskState.DONE).returns_after(TaskState.REQUESTED)


# What everyone reads of a task ------------------------------------------------------------


def read(draft: Draft, *, bob_masked: bool = False) -> list[str]:
    return customer_reads(as_events([seal(draft, [attending(BOB, masked=bob_masked)])]))


@pytest.mark.parametrize(
    ("kind", "service", "what"),
    [
        (TaskKind.REBOOT, None, "restart the computer"),
        (TaskKind.RESTART_SERVICE, "cups", "restart the system service cups"),
        (
            TaskKind.ELEVATED_DIAGNOSTICS,
            None,
            "collect system information with administrator rights",
        ),
        (TaskKind.UNLOCK_SCREEN, None, "unlock the screen"),
    ],
)
def test_the_customer_reads_what_was_done_with_their_credentials(
    kind: TaskKind, service: str | None, what: str
) -> None:
    asked = Task("t", kind, Runner.CREDENTIALS, BOB.id, "Bob", service)

    note = requested_note(asked)

    assert read(note) == [f"Bob used the customer's login credentials to {what}."]
    assert note.body == {
        "action": "task_requested",
        "task_id": "t",
        "task": kind.value,
        "service": service,
        "runner": "credentials",
    }


def test_a_restart_by_the_service_says_the_agent_was_asked() -> None:
    asked = Task("t", TaskKind.REBOOT, Runner.SERVICE, BOB.id, "Bob")
    assert read(requested_note(asked)) == ["Bob asked the support agent to restart the computer."]


def test_a_masked_representative_s_task_is_still_shown_to_the_customer() -> None:
    asked = Task("t", TaskKind.REBOOT, Runner.CREDENTIALS, BOB.id, "Bob")
    assert read(requested_note(asked), bob_masked=True) == [
        "A representative used the customer's login credentials to restart the computer."
    ]


def test_each_step_of_a_restart_is_told_to_everyone() -> None:
    restarting = task().moved_to(TaskState.RESTARTING)
    done = restarting.moved_to(TaskState.DONE)

    assert read(progress_note(restarting, "Dana", None)) == [
        "The customer's computer is restarting."
    ]
    assert read(progress_note(done, "Dana", None)) == [
        "The customer's computer restarted and reconnected to this session."
    ]


def test_a_restart_without_the_service_warns_that_the_agent_will_not_return() -> None:
    done = task().moved_to(TaskState.DONE)

    note = progress_note(done, "Dana", None, was=TaskState.REQUESTED)

    assert read(note) == [
        "The customer's computer is restarting. The agent does not run as a service "
        "there, so it will not come back to this session by itself."
    ]
    assert note.body["reconnects"] is False


def test_a_task_done_or_failed_says_what_and_why() -> None:
    unlocked = task(TaskKind.UNLOCK_SCREEN).moved_to(TaskState.DONE)
    failed = task(TaskKind.UNLOCK_SCREEN).moved_to(TaskState.FAILED)

    assert read(progress_note(unlocked, "Dana", None)) == ["Done: unlock the screen."]
    assert read(progress_note(failed, "Dana", "no session is locked")) == [
        "Could not unlock the screen: no session is locked"
    ]
    assert read(progress_note(failed, "Dana", None)) == [
        "Could not unlock the screen: the agent gave no reason."
    ]


def test_a_failure_carries_the_agent_s_reason_for_a_page_in_another_language() -> None:
    failed = task(TaskKind.UNLOCK_SCREEN).moved_to(TaskState.FAILED)

    assert progress_note(failed, "Dana", "no session is locked").body["detail"] == (
        "no session is locked"
    )
    assert "detail" not in progress_note(failed, "Dana", None).body
    done = task(TaskKind.UNLOCK_SCREEN).moved_to(TaskState.DONE)
    assert "detail" not in progress_note(done, "Dana", "ignored").body


def test_system_information_collected_by_a_task_names_its_report() -> None:
    done = task(TaskKind.ELEVATED_DIAGNOSTICS).moved_to(TaskState.DONE)
    note = progress_note(done, "Dana", None, diagnostics_id=12)
    assert note.body == {
        "action": "task_done",
        "task_id": "t",
        "task": "elevated_diagnostics",
        "diagnostics_id": 12,
    }


def test_everyone_reads_that_a_representative_stopped_waiting() -> None:
    note = stopped_note(task(), BOB.id, "Bob")

    assert read(note) == [
        "Bob stopped waiting for the customer's computer to restart the computer."
    ]
    assert note.body["reason"] == "stopped_waiting"
    assert read(note, bob_masked=True)[0].startswith("A representative stopped waiting")


def test_the_log_says_system_information_was_sent_never_what_it_held() -> None:
    note = diagnostics_note("r1", 12, "Dana")

    assert read(note) == ["Dana sent system information to the representatives."]
    assert note.body == {"action": "diagnostics_sent", "request_id": "r1", "diagnostics_id": 12}
