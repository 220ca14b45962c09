"""The customer's computer as the representatives may use it: credentials, the
service, and the tasks that use them, for one session.

Why apart from session.py: the session reads the log and talks to the customer; this
keeps what gives the representatives administrator rights in one place, with one
life cycle. The password vault is erased on revocation and at the session's end, the
service is removed at the session's end, and tasks run only when they are new to
this agent (requested after it joined, or after the last event a resumed service had
seen), so a replayed log never runs anything twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from helpline.agent import diagnostics, state
from helpline.agent.api import Api, ApiError
from helpline.agent.bodies import ConsentRevoked
from helpline.agent.consent_prompts import Answer, ConsentPrompts
from helpline.agent.credentials import CredentialError, Vault
from helpline.agent.diagnostics_system import ProbeFailed
from helpline.agent.events import ConsentRequest, Event
from helpline.agent.service import ServiceError, ServiceManager, manager_for
from helpline.agent.tasks import (
    NOBODY_ANSWERED,
    Confirm,
    ElevatedCollector,
    TaskRequest,
    TaskRunner,
)
from helpline.domain.diagnostics import Report

Note = Callable[[str, str], None]
UNATTENDED = (
    "Nobody is at the customer's computer to allow it (the agent runs there only as a service)."
)
SHUT_WINDOW = (
    "the customer's login credentials were given in the agent's window, which is closed "
    "now; the agent running as a service never holds them."
)


async def elevated_report(vault: Vault) -> Report:
    """System information with the tools run as root through the customer's sudo."""

    def run(command: Sequence[str], timeout: float) -> str:
        try:
            return vault.output(command, timeout)
        except CredentialError as error:
            raise ProbeFailed(error.message) from None

    return await diagnostics.collect_report(elevated=True, run=run)


Spawn = Callable[[Coroutine[Any, Any, Any]], "asyncio.Task[Any]"]


@dataclass
class Computer:
    api: Api
    session_id: str
    note: Note
    spawn: Spawn
    vault: Vault = field(default_factory=Vault)
    # The service's state file and manager: of this process when it is the service
    # (``helpline agent service``), or of the service this agent installed.
    service_state: Path | None = None
    service: ServiceManager | None = None
    # This process is the service: it keeps the last event seen in its state file,
    # and runs the tasks given to the service (the terminal app runs those that use
    # the credentials, which only it holds).
    as_service: bool = False
    # The service asks whether the customer's window runs (window.py); None: it does
    # (this is the window, or nothing can tell).
    window_open: Callable[[], bool] | None = None
    # --service-manager: systemd, process, or None for the environment's choice.
    service_choice: str | None = None
    confirm: Confirm | None = None
    elevated: ElevatedCollector | None = None
    # Tasks with a seq above this run; None: set at the first `subscribed`.
    run_after: int | None = None
    download_dir: Path = Path("~/Downloads/Helpline")

    def __post_init__(self) -> None:
        self.runner = TaskRunner(
            self.api,
            self.vault,
            remember_reboot=self._remember_reboot,
            elevated=self.elevated or elevated_report,
            confirm=self.confirm or self._ask_restart,
        )
        self.prompts: ConsentPrompts | None = None
        self.credentials_request: str | None = None
        self._saved_seq = 0

    # -------------------------------------------------------------- the log says

    def subscribed(self, last_seq: int) -> None:
        if self.run_after is None:
            self.run_after = last_seq
        record = self._state() if self.as_service else None
        if record is not None and record.pending_reboot is not None:
            self.spawn(self._back_after_reboot(record.pending_reboot))

    def event(self, event: Event) -> None:
        if event.kind == "status" and event.action == "task_requested":
            request = TaskRequest.from_body(event.body, f"the task_requested event {event.seq}")
            record = self._state()
            restarting = record is not None and record.pending_reboot is not None
            if (
                request is not None
                and self.run_after is not None
                and event.seq > self.run_after
                and self._mine(request)
                # The restart this agent began before the computer went down.
                and not (
                    restarting and record is not None and record.pending_reboot == request.task_id
                )
            ):
                self.spawn(self._run(request))
        elif event.kind == "status" and event.action == "consent_revoked":
            revoked = event.body_as(ConsentRevoked)
            if revoked is not None and revoked.consent == "credentials":
                self.forget_credentials()
        elif event.kind == "status" and event.action == "ended":
            self.ended()
        self._save_seq(event.seq)

    def _mine(self, request: TaskRequest) -> bool:
        if request.runner == "service":
            return self.as_service
        # Credentials live in the agent the customer typed them into; a service
        # without them leaves the task to that window, or says at once that it is shut.
        return self.vault.holds or not self.as_service or self._unattended()

    def _unattended(self) -> bool:
        """Only this service runs: nobody is at a window on the customer's computer."""
        return self.as_service and self.window_open is not None and not self.window_open()

    # -------------------------------------------------------------- credentials

    def register(self, prompts: ConsentPrompts) -> None:
        """What "allow" does for credentials and the service, and the question a
        restart by the service puts to the customer."""
        self.prompts = prompts
        prompts.register("credentials", self._credentials_allowed)
        prompts.register("service", self._service_allowed)

    async def _ask_restart(self, what: str) -> str | None:
        prompts = self.prompts
        if self._unattended():
            return UNATTENDED
        if prompts is None:
            return NOBODY_ANSWERED
        started = asyncio.get_running_loop().time()
        answer = await prompts.ask_locally("reboot")
        if answer.allow:
            return None
        waited = asyncio.get_running_loop().time() - started
        if waited >= prompts.timeout_seconds:
            return NOBODY_ANSWERED
        return "The customer declined the restart."

    async def _credentials_allowed(self, request: ConsentRequest, answer: Answer) -> None:
        # The prompt checked the password into the vault (credentials_prompt.py).
        if not self.vault.holds:
            raise CredentialError("The password was not checked.")
        await self.allow_credentials(request.request_id)

    async def _service_allowed(self, request: ConsentRequest, answer: Answer) -> None:
        record = self.service_record(self.api.server, self.api.token or "", self.download_dir)
        await self.allow_service(request.request_id, self.new_manager(), record)

    async def give_credentials(self, request_id: str, user: str, password: str) -> None:
        """Check the password here and, only then, allow the request.
        ``CredentialError`` when it is refused (nothing is sent then)."""
        await self.vault.check(user, password)
        await self.allow_credentials(request_id)

    async def allow_credentials(self, request_id: str) -> None:
        """Allow the request for the password the vault holds (checked)."""
        try:
            await self.api.call("POST", f"/api/consents/{request_id}", {"allow": True})
        except ApiError:
            self.vault.erase()
            raise
        self.credentials_request = request_id
        self.note(
            "The representatives may now use your login credentials for this session, for "
            "the tasks they name (each one shows here). Your password stays on this "
            "computer. Revoke them at any time.",
            "local",
        )

    async def revoke_credentials(self) -> None:
        """Erase the password at once, then tell the server."""
        request_id = self.credentials_request
        self.forget_credentials()
        if request_id is None:
            return
        try:
            await self.api.call("POST", f"/api/consents/{request_id}/revoke")
        except ApiError as error:
            if error.code != "conflict":
                self.note(error.message, "problem")
        self.note("You revoked your login credentials; the agent forgot them.", "local")

    def forget_credentials(self) -> None:
        self.vault.erase()
        self.credentials_request = None

    # -------------------------------------------------------------- the service

    def service_record(self, server: str, token: str, download_dir: Path) -> state.ServiceState:
        return state.ServiceState(server, self.session_id, token, str(download_dir))

    def new_manager(self) -> ServiceManager:
        """The chosen ServiceManager; ``ServiceError`` for an unknown choice."""
        return manager_for(self.service_choice, self.session_id, state.service_dir())

    async def allow_service(
        self, request_id: str, manager: ServiceManager, record: state.ServiceState
    ) -> Path:
        """Install the service, then allow the request; ``ServiceError`` says why not
        (whoever asked declines the request then)."""
        path = self.install_service(manager, record)
        await self.api.call("POST", f"/api/consents/{request_id}", {"allow": True})
        self.note(
            "The agent now runs as a service: it stays in this session after you log off "
            "or restart the computer, until the session ends. Stop it with "
            "'helpline agent stop'.",
            "local",
        )
        return path

    def install_service(
        self, manager: ServiceManager, record: state.ServiceState, folder: Path | None = None
    ) -> Path:
        """Write the state file and install the service that resumes from it."""
        path = state.service_path(record.session, folder)
        state.write_private(path, {**record.__dict__, "manager": manager.name})
        try:
            manager.install(path)
        except ServiceError:
            path.unlink(missing_ok=True)
            raise
        self.service, self.service_state = manager, path
        return path

    def _state(self) -> state.ServiceState | None:
        if self.service_state is None:
            return None
        try:
            return state.read_service(self.service_state)
        except ValueError:
            return None

    def _write(self, record: state.ServiceState) -> bool:
        if self.service_state is None:
            return False
        try:
            state.write_private(self.service_state, dict(record.__dict__))
        except OSError:
            return False
        return True

    def _save_seq(self, seq: int) -> None:
        if not self.as_service or self.service_state is None or seq <= self._saved_seq:
            return
        record = self._state()
        if record is not None and seq > record.last_seq:
            self._write(replace(record, last_seq=seq))
        self._saved_seq = seq

    def _remember_reboot(self, task_id: str | None) -> bool:
        record = self._state()
        if record is None:
            return False
        return self._write(replace(record, pending_reboot=task_id))

    async def _back_after_reboot(self, task_id: str) -> None:
        self._remember_reboot(None)
        if await self.runner.report(task_id, "done"):
            self.note("The computer restarted; the agent is back in the session.", "local")

    # -------------------------------------------------------------- tasks

    async def _run(self, request: TaskRequest) -> None:
        self.note(f"A representative asked the agent to {request.what}.", "local")
        if request.runner != "service" and not self.vault.holds and self._unattended():
            await self.runner.report(request.task_id, "failed", SHUT_WINDOW)
            self.note(f"Could not {request.what}: {SHUT_WINDOW}", "problem")
            return
        state_, detail = await self.runner.run(request)
        if detail == "restarting":
            self.note("Restarting the computer now.", "local")
        elif state_ == "done" and request.task == "reboot":
            self.note(
                "Restarting the computer now. The agent does not run as a service, so it "
                "will not come back to this session by itself.",
                "local",
            )
        elif state_ == "done":
            self.note(f"Done: {request.what}.", "local")
        else:
            self.note(f"Could not {request.what}: {detail}", "problem")

    # -------------------------------------------------------------- the end

    def ended(self) -> None:
        """The session ended: forget the password, remove the service and its state."""
        self.forget_credentials()
        # The state first: removing a systemd service stops this very process.
        if self.service_state is not None:
            self.service_state.unlink(missing_ok=True)
        service, self.service = self.service, None
        if service is not None:
            try:
                service.uninstall()
            except ServiceError as error:
                self.note(str(error), "problem")
