"""What ``SystemdManager`` asks of systemd, in order, with ``systemctl`` and
``loginctl`` stand-ins on PATH that record their arguments (these machines are not
booted with systemd, so no real manager can take the unit; its text is checked by
``systemd-analyze verify`` in test_agent_service.py). The order matters: the unit is
enabled only once written and loaded, and removed with the stop last, because the
stop may end the very process that asks for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.agent.service import ServiceError, SystemdManager, unit_name

RECORDER = """#!/bin/sh
echo "$(basename "$0") $*" >> {log}
if [ -n "$FAIL_ON" ]; then
  case "$*" in *"$FAIL_ON"*) echo "Failed to $*: Access denied" >&2; exit 1;; esac
fi
"""
UNIT = unit_name("7KQM-2XPD")


@pytest.fixture
def recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Stand-ins for systemctl and loginctl; the log of their calls."""
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "calls.txt"
    for program in ("systemctl", "loginctl"):
        script = folder / program
        script.write_text(RECORDER.format(log=log))
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")
    monkeypatch.delenv("FAIL_ON", raising=False)
    return log


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_a_user_unit_lingers_is_loaded_then_enabled_and_goes_with_the_stop_last(
    recorded: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    manager = SystemdManager("7KQM-2XPD", root=False, home=home)
    state_file = home / ".local" / "state" / "helpline" / "service-7KQM-2XPD.json"
    manager.install(state_file)
    assert manager.unit_path == home / ".config" / "systemd" / "user" / UNIT
    assert f"--state {state_file}" in manager.unit_path.read_text()
    [linger, reload, enable] = calls(recorded)
    assert linger.startswith("loginctl enable-linger ")
    assert (reload, enable) == (
        "systemctl --user daemon-reload",
        f"systemctl --user enable --now {UNIT}",
    )

    manager.uninstall()
    assert not manager.is_installed()
    assert calls(recorded)[3:] == [
        f"systemctl --user disable {UNIT}",
        "systemctl --user daemon-reload",
        f"systemctl --user stop --no-block {UNIT}",
    ]
    manager.uninstall()  # nothing left to remove: nothing is asked
    assert len(calls(recorded)) == 6


def test_a_system_unit_as_root_needs_no_lingering(recorded: Path, tmp_path: Path) -> None:
    manager = SystemdManager("7KQM-2XPD", root=True, unit_dir=tmp_path / "system")
    manager.install(tmp_path / "state.json")
    manager.uninstall()
    assert calls(recorded) == [
        "systemctl daemon-reload",
        f"systemctl enable --now {UNIT}",
        f"systemctl disable {UNIT}",
        "systemctl daemon-reload",
        f"systemctl stop --no-block {UNIT}",
    ]


def test_a_refused_step_is_said_and_the_unit_is_removed_all_the_same(
    recorded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = SystemdManager("7KQM-2XPD", root=True, unit_dir=tmp_path / "system")
    manager.install(tmp_path / "state.json")
    monkeypatch.setenv("FAIL_ON", "disable")
    with pytest.raises(ServiceError) as refused:
        manager.uninstall()
    assert str(refused.value) == (
        f"systemctl disable {UNIT} failed: Failed to disable {UNIT}: Access denied"
    )
    assert not manager.is_installed()
    assert calls(recorded)[-2:] == ["systemctl daemon-reload", f"systemctl stop --no-block {UNIT}"]

    monkeypatch.setenv("FAIL_ON", "enable")
    with pytest.raises(ServiceError, match="enable --now"):
        manager.install(tmp_path / "state.json")
    assert not manager.is_installed()  # half installed is not installed
    assert calls(recorded)[-3:] == [
        f"systemctl disable {UNIT}",
        "systemctl daemon-reload",
        f"systemctl stop --no-block {UNIT}",
    ]
