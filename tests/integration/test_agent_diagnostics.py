"""A representative asks for system information and the customer answers in the
agent's terminal app (Textual's pilot, a real server): OK sends the report for the
representatives to read, Cancel declines, View shows exactly what would be sent and
then sends it, copies it, or closes (declining), and nobody answering declines with
the reason ``timeout``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from helpline.agent.app import AgentApp
from helpline.agent.consent_prompts import TIMEOUT_ENV
from helpline.agent.consent_screens import ConsentQuestion, DiagnosticsPrompt, ReportView
from helpline.domain.diagnostics import report_as_text
from tests.support.agent_app import app_for, shown, until
from tests.support.clients import Browser, Frame, Peer
from tests.support.server import ServerProcess


@asynccontextmanager
async def asked(
    server: ServerProcess, rep: Browser, folder: Path, consent: str = "diagnostics", **more: Any
) -> AsyncIterator[tuple[AgentApp, Pilot[Any], Peer, str]]:
    """The agent's app in a session whose representative just asked for ``consent``."""
    await rep.login("carol")
    async with app_for(server.base_url, rep, folder, **more) as (app, pilot, console):
        made = await rep.http.post(
            f"/api/sessions/{app.agent.id}/consents", json={"consent": consent}
        )
        assert made.status_code == 201, made.text
        yield app, pilot, console, made.json()["request"]


@asynccontextmanager
async def diagnostics_prompt(
    server: ServerProcess, rep: Browser, folder: Path
) -> AsyncIterator[tuple[AgentApp, Pilot[Any], Peer, str]]:
    """The agent's app showing the customer a representative's request for system
    information."""
    async with asked(server, rep, folder) as (app, pilot, console, request):
        await until(pilot, lambda: isinstance(app.screen, DiagnosticsPrompt), "the prompt")
        yield app, pilot, console, request


def prompt_text(app: AgentApp) -> str:
    return " ".join(str(part.render()) for part in app.screen.query(Static))


async def answer_of(console: Peer, session: str, request: str) -> Frame:
    return await console.wait_event(
        session,
        lambda e: e["kind"] == "consent_answered" and e["body"]["request_id"] == request,
        "the customer's answer",
    )


async def report_sent(console: Peer, session: str, request: str, rep: Browser) -> Any:
    """The report the representatives read, after the note that it was sent."""
    note = await console.wait_event(
        session,
        lambda e: (
            e["body"].get("action") == "diagnostics_sent" and e["body"].get("request_id") == request
        ),
        "the note that the report was sent",
    )
    got = await rep.http.get(f"/api/diagnostics/{note['body']['diagnostics_id']}")
    assert got.status_code == 200, got.text
    assert got.json()["request"] == request
    return got.json()["report"]


async def test_ok_sends_the_report_and_the_representative_reads_it(
    shared_server: ServerProcess, shared_browsers: Callable[[], Browser], tmp_path: Path
) -> None:
    rep = shared_browsers()
    async with diagnostics_prompt(shared_server, rep, tmp_path) as (app, pilot, console, request):
        assert "Carol Diaz asks for system information about this computer" in prompt_text(app)
        assert "Declined by itself in" in prompt_text(app)
        await pilot.press("o")
        report = await report_sent(console, app.agent.id, request, rep)
        sections = [s["id"] for s in report["sections"]]
        assert sections[:8] == [
            "os", "uptime", "cpu", "memory", "disks", "network", "dns_routes", "processes"
        ]  # fmt: skip
        assert report["elevated"] is False
        await until(
            pilot,
            lambda: "Dana sent system information to the representatives." in shown(app),
            "the customer's log says it was sent",
        )
        assert "Operating system" not in shown(app)  # what it held stays out of the log
        assert not isinstance(app.screen, DiagnosticsPrompt)


async def test_cancel_declines(
    shared_server: ServerProcess, shared_browsers: Callable[[], Browser], tmp_path: Path
) -> None:
    rep = shared_browsers()
    async with diagnostics_prompt(shared_server, rep, tmp_path) as (app, pilot, console, request):
        await pilot.click("#cancel")
        answer = await answer_of(console, app.agent.id, request)
        assert answer["body"]["answer"] == "declined"
        assert "reason" not in answer["body"]
        listed = await rep.http.get(f"/api/sessions/{app.agent.id}/diagnostics")
        assert listed.json() == {"diagnostics": []}
        assert not isinstance(app.screen, DiagnosticsPrompt)


async def test_view_shows_exactly_what_is_sent_then_copy_and_send(
    shared_server: ServerProcess, shared_browsers: Callable[[], Browser], tmp_path: Path
) -> None:
    rep = shared_browsers()
    async with diagnostics_prompt(shared_server, rep, tmp_path) as (app, pilot, console, request):
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, ReportView), "the report")
        assert isinstance(app.screen, ReportView)
        viewed = app.screen.report_text.text
        assert viewed.startswith("== Operating system ==\n")
        await pilot.press("pagedown", "down")  # it scrolls: the keys reach the report
        await pilot.press("c")
        assert app.clipboard == viewed
        await pilot.click("#send")
        report = await report_sent(console, app.agent.id, request, rep)
        assert report_as_text(report) == viewed
        await until(
            pilot, lambda: not isinstance(app.screen, ReportView | DiagnosticsPrompt), "closed"
        )


async def test_view_then_close_declines(
    shared_server: ServerProcess, shared_browsers: Callable[[], Browser], tmp_path: Path
) -> None:
    rep = shared_browsers()
    async with diagnostics_prompt(shared_server, rep, tmp_path) as (app, pilot, console, request):
        await pilot.click("#view")
        await until(pilot, lambda: isinstance(app.screen, ReportView), "the report")
        await pilot.press("escape")
        answer = await answer_of(console, app.agent.id, request)
        assert answer["body"]["answer"] == "declined"
        await until(
            pilot, lambda: not isinstance(app.screen, ReportView | DiagnosticsPrompt), "closed"
        )


async def test_nobody_answering_declines_with_the_reason_timeout(
    shared_server: ServerProcess,
    shared_browsers: Callable[[], Browser],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "1")
    rep = shared_browsers()
    async with diagnostics_prompt(shared_server, rep, tmp_path) as (app, pilot, console, request):
        await pilot.press("v")  # the customer looks, then walks away: still declined
        await until(pilot, lambda: isinstance(app.screen, ReportView), "the report")
        answer = await answer_of(console, app.agent.id, request)
        assert answer["body"]["answer"] == "declined"
        assert answer["body"]["reason"] == "timeout"
        await until(
            pilot,
            lambda: "Nobody answered the request for system information" in shown(app),
            "the log says so",
        )
        await until(
            pilot, lambda: not isinstance(app.screen, ReportView | DiagnosticsPrompt), "closed"
        )
        assert (await rep.http.get(f"/api/sessions/{app.agent.id}/diagnostics")).json() == {
            "diagnostics": []
        }


async def test_the_service_question_says_what_follows_and_n_declines(
    shared_server: ServerProcess, shared_browsers: Callable[[], Browser], tmp_path: Path
) -> None:
    rep = shared_browsers()
    async with asked(shared_server, rep, tmp_path, "service", consent_timeout=30) as (
        app,
        pilot,
        console,
        request,
    ):
        await until(pilot, lambda: isinstance(app.screen, ConsentQuestion), "the question")
        text = prompt_text(app)
        assert "Carol Diaz asks to keep the support agent in this session" in text
        assert "'helpline agent stop' stops it sooner" in text
        assert len(app.screen.query("#yes")) == 1
        await pilot.press("n")
        answer = await answer_of(console, app.agent.id, request)
        assert answer["body"]["answer"] == "declined"
