"""How the agent puts requests for consent to its customer, without a server or a
terminal: one at a time, oldest first, each declining itself with reason ``timeout``
when nobody answers; what "allow" does comes from the kind's handler."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import pytest

from helpline.agent.consent_prompts import (
    DECLINED,
    DEFAULT_TIMEOUT_SECONDS,
    TIMEOUT_ENV,
    Answer,
    ConsentPrompts,
    timeout_from,
)
from helpline.agent.events import ConsentRequest, Consents, Event

TIMEOUT = 0.2


class Customer:
    """Everything the prompts tell the session: replies, notes, changes."""

    def __init__(self, timeout: float = TIMEOUT) -> None:
        self.consents = Consents()
        self.replies: list[tuple[str, bool, str | None]] = []
        self.notes: list[str] = []
        self.tasks: list[asyncio.Task[Any]] = []
        self._rung = asyncio.Event()
        self.prompts = ConsentPrompts(
            self.consents,
            ready=lambda: True,
            reply=lambda rid, allow, reason: self.ring(self.replies, (rid, allow, reason)),
            note=lambda text, kind: self.ring(self.notes, text),
            changed=self._rung.set,
            spawn=self.spawn,
            timeout_seconds=timeout,
        )
        self.seq = 0

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.append(task)
        return task

    def requested(self, request_id: str, consent: str) -> None:
        self.seq += 1
        body = {"request_id": request_id, "consent": consent}
        self.consents.see(
            Event(self.seq, datetime.now(UTC), "consent_requested", "representative", "Bob", body)
        )
        self.prompts.ask()

    def ring(self, into: list[Any], item: Any) -> None:
        into.append(item)
        self._rung.set()

    async def until(self, check: Callable[[], object]) -> None:
        """Wait until ``check()`` holds, looking again whenever the prompts say something."""
        async with asyncio.timeout(5):
            while not check():
                self._rung.clear()
                await self._rung.wait()


async def test_nobody_answering_declines_with_the_reason_timeout() -> None:
    customer = Customer()
    customer.requested("r1", "diagnostics")
    assert customer.prompts.current() == ConsentRequest("r1", "diagnostics", "Bob", 1)
    assert customer.prompts.deadline("r1") is not None
    await customer.until(lambda: customer.replies)
    assert customer.replies == [("r1", False, "timeout")]
    assert customer.prompts.current() is None
    assert customer.prompts.deadline("r1") is None


async def test_requests_are_asked_one_at_a_time_each_with_its_own_countdown() -> None:
    customer = Customer(timeout=30)
    customer.requested("r1", "screen")
    customer.requested("r2", "diagnostics")
    customer.requested("r3", "file")  # answered in the file list, never prompted
    assert customer.prompts.deadline("r2") is None  # not asked yet
    customer.prompts.answer("r1", DECLINED)
    assert customer.replies == [("r1", False, None)]
    assert customer.prompts.current() is not None
    assert customer.prompts.current().request_id == "r2"  # type: ignore[union-attr]
    assert customer.prompts.deadline("r2") is not None
    customer.prompts.answer("r2", DECLINED)
    assert customer.prompts.current() is None
    customer.prompts.close()


async def test_view_and_typing_give_a_full_countdown_again() -> None:
    customer = Customer()
    loop = asyncio.get_running_loop()
    started = loop.time()
    customer.requested("r1", "diagnostics")
    loop.call_later(TIMEOUT / 2, customer.prompts.restart_countdown, "r1")
    await customer.until(lambda: customer.replies)
    assert loop.time() - started >= TIMEOUT * 1.5
    assert customer.replies == [("r1", False, "timeout")]


async def test_allow_runs_the_kinds_handler_and_a_failure_declines_with_the_reason() -> None:
    customer = Customer(timeout=30)
    allowed: list[tuple[str, Any]] = []

    async def allow(request: ConsentRequest, answer: Answer) -> None:
        if answer.value == "broken":
            raise RuntimeError("the report could not be sent")
        allowed.append((request.request_id, answer.value))

    customer.prompts.register("diagnostics", allow)
    customer.requested("r1", "diagnostics")
    customer.prompts.answer("r1", Answer(True, "report"))
    await asyncio.gather(*customer.tasks)
    assert allowed == [("r1", "report")]
    assert customer.replies == []  # the handler answers the server itself

    customer.requested("r2", "diagnostics")
    customer.prompts.answer("r2", Answer(True, "broken"))
    await asyncio.gather(*customer.tasks)
    assert customer.replies == [("r2", False, None)]
    assert customer.notes == [
        "Could not allow the request for system information (the report could not be "
        "sent); declined it."
    ]


async def test_a_kind_this_agent_cannot_allow_yet_is_declined_even_when_allowed() -> None:
    customer = Customer(timeout=30)
    customer.requested("r1", "credentials")
    assert not customer.prompts.can_allow("credentials")
    customer.prompts.answer("r1", Answer(True))
    assert customer.replies == [("r1", False, None)]
    assert "cannot do that yet" in customer.notes[0]


async def test_a_refusal_declines_without_asking() -> None:
    customer = Customer(timeout=30)

    async def allow(request: ConsentRequest, answer: Answer) -> None: ...

    customer.prompts.register("screen", allow, refuse=lambda request: "no_display")
    customer.requested("r1", "screen")
    assert customer.replies == [("r1", False, "no_display")]
    assert customer.prompts.current() is None


async def test_the_agents_own_question_gets_the_answer_or_declined_on_timeout() -> None:
    customer = Customer()
    asking = asyncio.ensure_future(customer.prompts.ask_locally("reboot", "Bob"))
    await customer.until(lambda: customer.prompts.current() is not None)
    request = customer.prompts.current()
    assert request is not None and request.consent == "reboot"
    customer.prompts.answer(request.request_id, Answer(True))
    assert await asking == Answer(True)

    customer.requested("r1", "diagnostics")
    server_deadline = customer.prompts.deadline("r1")
    assert await customer.prompts.ask_locally("reboot") == DECLINED
    # Shown again after the agent's own question: a full countdown again, from now.
    again = customer.prompts.deadline("r1")
    assert server_deadline is not None and again is not None and again > server_deadline
    customer.prompts.close()
    assert customer.notes == [
        f"Nobody answered the request to restart this computer within {TIMEOUT:g} seconds, "
        "so the agent declined it."
    ]
    assert customer.replies == []  # nothing of the server's


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("5", 5.0), ("0.5", 0.5), ("", DEFAULT_TIMEOUT_SECONDS), ("soon", DEFAULT_TIMEOUT_SECONDS),
     ("0", DEFAULT_TIMEOUT_SECONDS), ("-3", DEFAULT_TIMEOUT_SECONDS),
     ("inf", DEFAULT_TIMEOUT_SECONDS), ("nan", DEFAULT_TIMEOUT_SECONDS)],
)  # fmt: skip
def test_the_timeout_comes_from_the_environment(value: str, seconds: float) -> None:
    assert timeout_from({TIMEOUT_ENV: value}) == seconds
    assert timeout_from({}) == DEFAULT_TIMEOUT_SECONDS
