"""Which command each named task runs: fixed commands, the stand-ins the environment
names, and no service name that is not a systemd unit name."""

from __future__ import annotations

import pytest

from helpline.agent.tasks import TaskRequest, command_for


def test_each_task_runs_its_fixed_command() -> None:
    assert command_for("reboot", None, {}) == ["systemctl", "reboot"]
    assert command_for("restart_service", "nginx.service", {}) == [
        "systemctl",
        "restart",
        "nginx.service",
    ]
    assert command_for("unlock_screen", None, {}) == ["loginctl", "unlock-session"]
    assert command_for("unlock_screen", None, {"XDG_SESSION_ID": "3"}) == [
        "loginctl",
        "unlock-session",
        "3",
    ]
    assert command_for("elevated_diagnostics", None, {}) is None


def test_the_environment_names_stand_ins_for_tests() -> None:
    env = {"HELPLINE_AGENT_SYSTEMCTL": "/opt/fake-systemctl"}
    reboot = {"HELPLINE_AGENT_REBOOT_COMMAND": "'/opt/stand in/reboot' --now"}
    assert command_for("reboot", None, reboot) == ["/opt/stand in/reboot", "--now"]
    assert command_for("restart_service", "cups", env) == ["/opt/fake-systemctl", "restart", "cups"]


@pytest.mark.parametrize(
    "name", ["", "-H evil", "nginx; reboot", "a b", "../etc", "x" * 202, None, "$(id)"]
)
def test_a_service_name_that_is_not_a_unit_name_is_refused(name: str | None) -> None:
    with pytest.raises(ValueError, match="not a systemd unit name"):
        command_for("restart_service", name, {})


def test_only_the_servers_four_tasks_are_read_from_the_log() -> None:
    body = {"task_id": 7, "task": "restart_service", "service": "cups", "runner": "credentials"}
    request = TaskRequest.from_body(body)
    assert request is not None and request.what == "restart the system service cups"
    assert TaskRequest.from_body({**body, "task": "rm -rf /"}) is None
    assert TaskRequest.from_body({"task": "reboot"}) is None
