"""Asking the customer: which requests for consent the agent puts to them, one at a
time, and the answer it gives itself when nobody answers in time.

Why apart from the session: every kind (the screen, system information, login
credentials, the service, and questions the agent asks on its own, like a restart) is
asked the same way: oldest first, once the log is caught up, declined with reason
``timeout`` after ``HELPLINE_AGENT_CONSENT_TIMEOUT`` seconds (60 by default: every
request defaults to *no*). Kinds differ only in what "allow" does, which each one
registers (``ConsentPrompts.register``); the app registers the prompt it draws
(``consent_screens.register_prompt``). Nothing here knows a kind's details.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from helpline.agent.api import Api, ApiError
from helpline.agent.events import ConsentRequest, Consents
from helpline.protocol.client_frames import ClientFrame, Consent

TIMEOUT_ENV = "HELPLINE_AGENT_CONSENT_TIMEOUT"
DEFAULT_TIMEOUT_SECONDS = 60.0
# Requests of the server the agent puts to its customer. ``file`` and ``url`` are
# answered elsewhere (the file list, the browser).
ASKED_KINDS = frozenset({"screen", "diagnostics", "credentials", "service"})
LOCAL_PREFIX = "local-"

# How the agent's own notes name a request ("Nobody answered {what} in time ...").
WHAT = {
    "screen": "the request to see your screen",
    "diagnostics": "the request for system information",
    "credentials": "the request for your login credentials",
    "service": "the request to run the agent as a service",
    "reboot": "the request to restart this computer",
}


def timeout_from(environ: Mapping[str, str] = os.environ) -> float:
    """``HELPLINE_AGENT_CONSENT_TIMEOUT`` in seconds; the default when unset or not a
    positive number (a typo must not make the agent wait forever, nor decline at once)."""
    try:
        seconds = float(environ.get(TIMEOUT_ENV, ""))
    except ValueError:
        return DEFAULT_TIMEOUT_SECONDS
    return seconds if 0 < seconds < float("inf") else DEFAULT_TIMEOUT_SECONDS


@dataclass(frozen=True)
class Answer:
    """The customer's answer from a prompt. ``value`` is what the prompt gathered for
    "allow": the report the customer viewed (diagnostics), a password (credentials)."""

    allow: bool
    value: Any = None


DECLINED = Answer(False)

# What "allow" does for one kind: act, then answer the server (or raise to decline).
Allow = Callable[[ConsentRequest, Answer], Awaitable[None]]
# Sends the customer's answer to the server: (request id, allow, reason or None).
Reply = Callable[[str, bool, str | None], None]
# Why the agent declines a request without asking (``no_display``), or None to ask.
Refuse = Callable[[ConsentRequest], str | None]


class ConsentPrompts:
    """The requests waiting for the customer, their countdowns, and their answers."""

    def __init__(
        self,
        consents: Consents,
        ready: Callable[[], bool],
        reply: Reply,
        note: Callable[[str, str], None],
        changed: Callable[[], None],
        spawn: Callable[[Coroutine[Any, Any, Any]], object],
        timeout_seconds: float | None = None,
    ) -> None:
        self.consents = consents
        self.timeout_seconds = timeout_seconds or timeout_from()
        self.reply, self._ready, self._note = reply, ready, note
        self._changed, self._spawn = changed, spawn
        self._allow: dict[str, Allow] = {}
        self._refuse: dict[str, Refuse] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._deadlines: dict[str, float] = {}
        self._local: dict[str, tuple[ConsentRequest, asyncio.Future[Answer]]] = {}
        self._numbers = itertools.count(1)
        # False for the agent running as a service: nobody sees its prompts, so it
        # leaves the server's requests to the terminal agent (its own still time out)...
        self.asks_server = True
        # ...or, when this says nobody is at a window (window.py), declines them at once
        # with the reason ``unattended``.
        self.unattended: Callable[[], bool] | None = None

    # -------------------------------------------------------------- kinds

    def register(self, kind: str, allow: Allow, refuse: Refuse | None = None) -> None:
        """What "allow" does for ``kind``: ``allow(request, answer)`` acts and answers
        the server itself (a frame, or a route of its own); if it raises, the agent
        declines and shows the error. Kinds without one can only be declined.
        ``refuse(request)`` gives a reason to decline without asking, or None."""
        self._allow[kind] = allow
        if refuse is not None:
            self._refuse[kind] = refuse

    def can_allow(self, kind: str) -> bool:
        return kind in self._allow or any(r.consent == kind for r, _ in self._local.values())

    # -------------------------------------------------------------- what waits

    def current(self) -> ConsentRequest | None:
        """The request the customer should answer now: the agent's own questions first
        (something waits on them), then the server's, oldest first."""
        if self._local:
            return next(iter(self._local.values()))[0]
        if not self._ready() or not self.asks_server:
            return None
        waiting = [r for r in self.consents.waiting() if r.consent in ASKED_KINDS]
        return waiting[0] if waiting else None

    def deadline(self, request_id: str) -> float | None:
        """When (the loop's time) ``request_id`` declines itself; None when not asked."""
        return self._deadlines.get(request_id)

    def ask(self) -> ConsentRequest | None:
        """Put the current request to the customer: its countdown starts when it is
        first asked (not when it arrived: requests are asked one at a time), and stops
        while it is not shown (the log replaying, a question of the agent's own first)."""
        self._decline_unattended()
        request = self.current()
        for request_id in list(self._timers):
            if request is None or request_id != request.request_id:
                self._stop_countdown(request_id)
        while request is not None and request.request_id not in self._timers:
            refuse = self._refuse.get(request.consent)
            reason = refuse(request) if refuse is not None else None
            if reason is None:
                self._countdown(request.request_id)
                break
            self._done(request.request_id)
            self.reply(request.request_id, False, reason)
            request = self.current()
        self._changed()
        return request

    def _decline_unattended(self) -> None:
        if self.asks_server or self.unattended is None or not self._ready():
            return
        waiting = [r for r in self.consents.waiting() if r.consent in ASKED_KINDS]
        if waiting and self.unattended():
            for request in waiting:
                self._done(request.request_id)
                self.reply(request.request_id, False, "unattended")

    def restart_countdown(self, request_id: str) -> None:
        """The customer is at it (View, typing): a full timeout again from now."""
        if request_id in self._timers:
            self._countdown(request_id)
            self._changed()

    def _countdown(self, request_id: str) -> None:
        self._stop_countdown(request_id)
        loop = asyncio.get_running_loop()
        self._deadlines[request_id] = loop.time() + self.timeout_seconds
        self._timers[request_id] = loop.call_later(self.timeout_seconds, self._expired, request_id)

    def _stop_countdown(self, request_id: str) -> None:
        timer = self._timers.pop(request_id, None)
        if timer is not None:
            timer.cancel()
        self._deadlines.pop(request_id, None)

    # -------------------------------------------------------------- answers

    def answer(self, request_id: str, answer: Answer) -> None:
        """The customer's answer from the prompt of ``request_id``."""
        request = self._still_waiting(request_id)
        if request is None:
            return  # answered meanwhile (the timeout, another window)
        self._done(request_id)
        local = self._local.pop(request_id, None)
        if local is not None:
            local[1].set_result(answer)
        elif not answer.allow:
            self.reply(request_id, False, None)
        elif request.consent not in self._allow:
            self.reply(request_id, False, None)
            self._note(
                f"This agent cannot do that yet, so it declined {_what(request)}.", "problem"
            )
        else:
            self._spawn(self._allowing(request, answer))
        self.ask()

    def decline(self, request_id: str, reason: str | None = None) -> None:
        """Decline without asking (``no_display``), or for the customer (``timeout``)."""
        request = self._still_waiting(request_id)
        if request is None:
            return
        self._done(request_id)
        local = self._local.pop(request_id, None)
        if local is not None:
            local[1].set_result(DECLINED)
        else:
            self.reply(request_id, False, reason)
        self.ask()

    async def _allowing(self, request: ConsentRequest, answer: Answer) -> None:
        try:
            await self._allow[request.consent](request, answer)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # whatever "allow" ran into: decline, and say why
            message = getattr(error, "message", None) or str(error) or type(error).__name__
            self._note(f"Could not allow {_what(request)} ({message}); declined it.", "problem")
            self.reply(request.request_id, False, None)

    def _expired(self, request_id: str) -> None:
        self._timers.pop(request_id, None)
        request = self._still_waiting(request_id)
        if request is None:
            return
        if request_id in self._local:
            # No note from the server for the agent's own questions: say it here.
            self._note(
                f"Nobody answered {_what(request)} within {self.timeout_seconds:g} seconds, "
                "so the agent declined it.",
                "local",
            )
        self.decline(request_id, "timeout")

    def _still_waiting(self, request_id: str) -> ConsentRequest | None:
        if request_id in self._local:
            return self._local[request_id][0]
        return next((r for r in self.consents.waiting() if r.request_id == request_id), None)

    def _done(self, request_id: str) -> None:
        self._stop_countdown(request_id)
        if request_id not in self._local:
            self.consents.answered(request_id)

    # -------------------------------------------------------------- the agent's own

    async def ask_locally(self, kind: str, by: str = "") -> Answer:
        """Ask the customer something that is no request of the server (a restart the
        agent was told to do as a service): the same prompt and countdown; DECLINED when
        nobody answers. The app draws it with the prompt registered for ``kind``."""
        request_id = f"{LOCAL_PREFIX}{next(self._numbers)}"
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._local[request_id] = (ConsentRequest(request_id, kind, by, 0), future)
        self.ask()
        try:
            return await future
        finally:
            if self._local.pop(request_id, None) is not None:  # cancelled while asking
                self._stop_countdown(request_id)
                self.ask()

    def close(self) -> None:
        """The session is over: nothing waits any more, nothing declines later."""
        for request_id in list(self._timers):
            self._stop_countdown(request_id)
        for _, future in self._local.values():
            if not future.done():
                future.set_result(DECLINED)
        self._local.clear()
        self._changed()


def server_reply(
    session: str,
    send_control: Callable[[ClientFrame], bool],
    api: Api,
    spawn: Callable[[Coroutine[Any, Any, Any]], object],
    note: Callable[[str, str], None],
) -> Reply:
    """The ``Reply`` of a session: the socket's ``consent`` frame, or, while the socket
    is down, the same answer over HTTP (an answer must not wait for a reconnect)."""

    async def over_http(request_id: str, body: dict[str, Any]) -> None:
        try:
            await api.call("POST", f"/api/consents/{request_id}", body)
        except ApiError as error:
            note(error.message, "problem")

    def reply(request_id: str, allow: bool, reason: str | None) -> None:
        body: dict[str, Any] = {"allow": allow}
        if reason is not None:
            body["reason"] = reason
        frame = Consent(session=session, request=request_id, allow=allow, reason=reason)
        if not send_control(frame):
            spawn(over_http(request_id, body))

    return reply


def _what(request: ConsentRequest) -> str:
    return WHAT.get(request.consent, f"the request ({request.consent})")
