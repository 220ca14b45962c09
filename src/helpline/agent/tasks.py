"""The named administrator tasks a representative may ask of the agent, and their report.

Why named tasks and nothing else: a representative never types a command for the
customer's computer. The server offers four tasks (docs/protocol.md, "Tasks"); each
maps here to one fixed command, run as root through ``sudo`` with the customer's
stored password (credentials.py), or, for a restart by the agent running as a
service, directly after the customer says yes. A service name is checked again here
against the same pattern the server uses: the agent trusts no name it did not check.

What goes back to the server is a fixed phrase or an exit status, never what a
command printed: output could hold anything, the password included.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from helpline.agent import bodies
from helpline.agent.api import Api, ApiError
from helpline.agent.bodies import TaskRequested
from helpline.agent.credentials import CredentialError, SudoResult, Vault

UNIT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._:-]{0,200}$")
TASKS = ("reboot", "restart_service", "elevated_diagnostics", "unlock_screen")
DEFAULT_REBOOT_COMMAND = "systemctl reboot"
DEFAULT_SYSTEMCTL = "systemctl"
RUN_TIMEOUT_SECONDS = 120.0
# What the customer sees when a task is used, by task (service name filled in).
WHAT = {
    "reboot": "restart the computer",
    "restart_service": "restart the system service {service}",
    "elevated_diagnostics": "collect system information with administrator rights",
    "unlock_screen": "unlock the screen",
}

Outcome = tuple[str, str]  # ("done" | "failed", detail)
# The elevated collector: given the vault, the report (diagnostics, filled elsewhere).
ElevatedCollector = Callable[[Vault], Awaitable[dict[str, Any]]]
# Asks the customer (60 s, default deny): None when they allowed it, else why not (for
# the task's "failed" note).
Confirm = Callable[[str], Awaitable[str | None]]
NOBODY_ANSWERED = "Nobody answered on the customer's computer in time."


@dataclass(frozen=True)
class TaskRequest:
    task_id: str
    task: str
    service: str | None
    runner: str  # credentials | service

    @classmethod
    def from_body(cls, body: Mapping[str, Any], what: str = "a task") -> TaskRequest | None:
        """A ``task_requested`` event's body (``what``: which, for the log), or None
        when it is not one we can run."""
        asked = bodies.read(body, TaskRequested, what)
        if asked is None or asked.task not in TASKS:
            return None
        return cls(str(asked.task_id), asked.task, asked.service, asked.runner)

    @property
    def what(self) -> str:
        return WHAT[self.task].format(service=self.service or "")


def command_for(
    task: str, service: str | None, env: Mapping[str, str] | None = None
) -> list[str] | None:
    """The command a task runs (None for elevated diagnostics, which is a collector).
    ``ValueError`` for a service name that is not a systemd unit name."""
    env = os.environ if env is None else env
    if task == "reboot":
        return shlex.split(env.get("HELPLINE_AGENT_REBOOT_COMMAND") or DEFAULT_REBOOT_COMMAND)
    if task == "restart_service":
        if service is None or not UNIT_NAME.fullmatch(service):
            raise ValueError("the service name is not a systemd unit name")
        systemctl = shlex.split(env.get("HELPLINE_AGENT_SYSTEMCTL") or DEFAULT_SYSTEMCTL)
        return [*systemctl, "restart", service]
    if task == "unlock_screen":
        session = env.get("XDG_SESSION_ID")
        return ["loginctl", "unlock-session", *([session] if session else [])]
    if task == "elevated_diagnostics":
        return None
    raise ValueError(f"unknown task {task!r}")


def _failure(program: str, result: SudoResult) -> str:
    if result.not_allowed:
        return "the customer's login may not run it with sudo"
    if result.returncode == -1:
        return f"{program} did not finish in time"
    if result.refused:
        return "sudo refused the customer's login credentials"
    return f"{program} exited with status {result.returncode}"


async def _run_plain(command: Sequence[str]) -> int:
    """A command without sudo (the agent as a service restarting the computer)."""
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError:
        return 127
    try:
        return await asyncio.wait_for(process.wait(), RUN_TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        return -1


@dataclass
class TaskRunner:
    """Runs a requested task and tells the server how it went (``POST /api/tasks``)."""

    api: Api
    vault: Vault
    # Remember (task id) or forget (None) a restart in progress, in the service's state
    # file; True when remembered: a service will come back and say it is done.
    remember_reboot: Callable[[str | None], bool] = lambda task_id: False
    elevated: ElevatedCollector | None = None
    confirm: Confirm | None = None
    env: Mapping[str, str] | None = None

    async def report(
        self, task_id: str, state: str, detail: str | None = None, **more: Any
    ) -> bool:
        body: dict[str, Any] = {"state": state, **more}
        if detail:
            body["detail"] = detail[:300]
        try:
            await self.api.call("POST", f"/api/tasks/{task_id}", body)
        except ApiError:
            return False
        return True

    async def run(self, request: TaskRequest) -> Outcome:
        """Run it and report the end (a restart reports ``restarting`` before)."""
        outcome, extra = await self._outcome(request)
        if outcome is not None:
            state, detail = outcome
            await self.report(request.task_id, state, detail, **extra)
            return outcome
        return ("done", "restarting")

    async def _outcome(self, request: TaskRequest) -> tuple[Outcome | None, dict[str, Any]]:
        try:
            command = command_for(request.task, request.service, self.env)
        except ValueError as error:
            return ("failed", str(error)), {}
        use_vault = request.runner != "service" or self.vault.holds
        if use_vault and not self.vault.holds:
            return ("failed", "the customer's login credentials are not available"), {}
        if request.task == "elevated_diagnostics":
            if self.elevated is None:
                return ("failed", "this agent cannot collect system information"), {}
            try:
                report = await self.elevated(self.vault)
            except CredentialError as error:
                return ("failed", error.message), {}
            return ("done", ""), {"report": report}
        assert command is not None
        returns = False
        if request.task == "reboot":
            if not use_vault:
                refusal = await self._ask("restart the computer")
                if refusal is not None:
                    return ("failed", refusal), {}
            # With a service to come back, "restarting" now and "done" once back (the
            # state file remembers); without one, "done" once the restart is accepted.
            returns = self.remember_reboot(request.task_id)
            if returns:
                await self.report(request.task_id, "restarting")
        program = os.path.basename(command[0])
        if use_vault:
            try:
                result = await self.vault.run(command)
            except CredentialError as error:
                code: SudoResult | None = None
                detail = error.message
            else:
                code, detail = result, ""
            ok = code is not None and code.returncode == 0
            if code is not None and not ok:
                detail = _failure(program, code)
        else:
            status = await _run_plain(command)
            ok = status == 0
            detail = "" if ok else f"{program} exited with status {status}"
        if request.task == "reboot" and returns:
            if ok:
                # The computer goes down now; the agent says "done" when it is back.
                return None, {}
            self.remember_reboot(None)
        return ("done", "") if ok else ("failed", detail), {}

    async def _ask(self, what: str) -> str | None:
        if self.confirm is None:
            return NOBODY_ANSWERED
        return await self.confirm(what)
