"""The agent's Textual app, driven by Textual's pilot against a real server: typing
and sending, a new line in a message, a file offer answered with its keys, the
request to see the screen, saving the chat log, ending with a confirmation, and the
status line through a dropped network."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from helpline.agent.app import AgentApp
from helpline.agent.consent_screens import ConsentQuestion
from helpline.agent.offers import OfferState
from helpline.agent.widgets import FileRow, Question, SendFile
from tests.support.agent import TcpProxy
from tests.support.agent_app import app_for, shown, status, until
from tests.support.clients import Browser
from tests.support.server import ServerProcess


async def test_typing_sends_and_ctrl_j_makes_a_new_line(
    shared_server: ServerProcess, carol: Browser, tmp_path: Path
) -> None:
    async with app_for(shared_server.base_url, carol, tmp_path) as (app, pilot, console):
        assert "Connected: session" in status(app) and "Carol Diaz" in status(app)
        await pilot.press(*"first line", "ctrl+j", *"second line", "enter")
        line = await console.wait_event(
            app.agent.id, lambda e: e["kind"] == "message", "the customer's message"
        )
        assert line["body"]["text"] == "first line\nsecond line"
        await console.say(app.agent.id, "Got it")
        await until(pilot, lambda: "Carol Diaz: Got it" in shown(app), "the answer")
        assert "Dana: first line\n    second line" in shown(app)
        assert app.agent.connection.outbox.all() == []


async def test_a_file_offer_is_shown_and_answered_with_its_keys(
    shared_server: ServerProcess, carol: Browser, tmp_path: Path
) -> None:
    async with app_for(shared_server.base_url, carol, tmp_path) as (app, pilot, _console):
        for name in ("wanted.txt", "unwanted.txt"):
            made = await carol.http.post(
                f"/api/sessions/{app.agent.id}/files",
                params={"name": name, "to": "customer"},
                content=name.encode() * 100,
            )
            assert made.status_code == 201
        await until(pilot, lambda: len(app.query(FileRow)) == 2, "two file rows")
        first, second = app.query(FileRow)
        assert "wanted.txt (1000 bytes), from Carol Diaz: waiting for you" in str(
            first.label.render()
        )
        assert first.accept.display and first.decline.display

        await pilot.press("f4")
        await until(
            pilot,
            lambda: (
                (p := app.agent.progress.get(first.file_id or 0)) is not None and p.phase == "saved"
            ),
            "saved",
        )
        assert (tmp_path / "downloads" / "wanted.txt").read_bytes() == b"wanted.txt" * 100
        await pilot.click(f"#{second.decline.id}")
        await until(
            pilot,
            lambda: (
                (o := app.agent.offers.get(second.file_id or 0)) is not None
                and o.state is OfferState.DECLINED
            ),
            "declined",
        )
        await until(pilot, lambda: "Dana declined the file unwanted.txt" in shown(app), "note")
        assert not second.accept.display and not second.decline.display

        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, SendFile), "the path question")
        assert isinstance(app.screen, SendFile)
        app.screen.path.value = str(tmp_path / "nothing-here.log")
        await pilot.press("enter")
        await until(pilot, lambda: "There is no file" in shown(app), "the clear refusal")


async def test_the_screen_request_asks_and_a_decline_is_answered(
    shared_server: ServerProcess, carol: Browser, tmp_path: Path
) -> None:
    async with app_for(shared_server.base_url, carol, tmp_path, display=lambda: True) as (
        app,
        pilot,
        console,
    ):
        asked = await carol.http.post(f"/api/sessions/{app.agent.id}/screen/request")
        assert asked.status_code == 201
        await until(pilot, lambda: isinstance(app.screen, ConsentQuestion), "the question")
        asked_text = " ".join(str(part.render()) for part in app.screen.query(Static))
        assert "Carol Diaz asks to see your screen." in asked_text
        await pilot.press("n")
        answer = await console.wait_event(
            app.agent.id, lambda e: e["kind"] == "consent_answered", "the answer"
        )
        assert answer["body"]["answer"] == "declined"
        assert not isinstance(app.screen, ConsentQuestion)


async def test_save_chat_log_and_end_the_session_after_confirming(
    shared_server: ServerProcess, carol: Browser, tmp_path: Path
) -> None:
    async with app_for(shared_server.base_url, carol, tmp_path) as (app, pilot, console):
        await pilot.press("f2")
        saved = tmp_path / "downloads" / "chatlog.txt"
        await until(pilot, lambda: f"Saved the chat log as {saved}" in shown(app), "saved")
        assert saved.read_text().startswith("Helpline chat log\n")

        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, Question), "the confirmation")
        await pilot.press("n")
        await pilot.pause()
        assert not app.agent.ended

        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, Question), "the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: app.agent.ended, "ended")
        await until(pilot, lambda: "ended" in status(app), "the status line says so")
        await console.wait_event(
            app.agent.id, lambda e: e["body"].get("action") == "ended", "the end"
        )


async def test_the_status_line_follows_a_dropped_network(
    shared_server: ServerProcess, carol: Browser, tmp_path: Path
) -> None:
    async with (
        TcpProxy(shared_server.port) as proxy,
        app_for(proxy.url, carol, tmp_path) as (app, pilot, _console),
    ):
        proxy.down = True
        proxy.cut()
        await until(pilot, lambda: "Connection lost" in status(app), "reconnecting shown")
        await pilot.press(*"typed offline", "enter")
        await until(pilot, lambda: "Sending: typed offline" in unsent(app), "kept")
        proxy.down = False
        app.agent.connection.retry_now()
        await until(pilot, lambda: "Reconnected." in shown(app), "reconnected")
        await until(pilot, lambda: "Dana: typed offline" in shown(app), "sent once back")
        assert status(app).startswith("Connected")
        assert unsent(app) == ""
        assert shown(app).count("Dana: typed offline") == 1


def unsent(app: AgentApp) -> str:
    return str(app.query_one("#unsent", Static).render())
