"""What whoever runs Helpline watches it with. ``/metrics``: off unless a token or
allowed addresses are set; with one, the Prometheus page counts sockets by kind,
sessions by status, appends and their batches, live delivery lag, rate-limit refusals
and HTTP requests by route template, and never holds a session id, a name or a
message. ``--log-format json``: one object a line, never what was said."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.clients import Browser
from tests.support.server import ServerProcess, running

TOKEN = "scrape-me-7f3a9c2e41b8"


@pytest.fixture
async def watched(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    server = ServerProcess(
        tmp_path / "data",
        extra_env={
            "HELPLINE_METRICS_TOKEN": TOKEN,
            # Low enough to see a refusal after three wrong passwords.
            "HELPLINE_LOGIN_LIMIT": "2 per minute",
        },
    )
    await server.seed()
    async with running(server) as process:
        yield process


def samples(page: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(page):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(page: str, name: str, **labels: str) -> float:
    return samples(page).get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(server: ServerProcess, token: str | None = TOKEN) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        return await http.get("/metrics", headers=headers)


async def test_metrics_are_off_unless_a_token_or_addresses_are_set(
    shared_server: ServerProcess,
) -> None:
    off = await scrape(shared_server)
    assert off.status_code == 404
    assert "Metrics are off" in off.json()["error"]["message"]


async def test_a_scrape_needs_the_token(watched: ServerProcess) -> None:
    assert (await scrape(watched, token=None)).status_code == 403
    assert (await scrape(watched, token="guess")).status_code == 403
    page = await scrape(watched)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")


async def test_the_page_counts_a_live_session_without_naming_anyone(
    watched: ServerProcess,
) -> None:
    rep, customer = Browser(watched), Browser(watched)
    try:
        await rep.login("bob")
        console = await rep.socket("/ws/console")
        await console.wait_type("welcome")
        joined = await customer.ask_for_help("acme", "Dana Secretname", "Printer on fire")
        session_id = joined["session"]["id"]
        chat = await customer.socket("/ws/customer")
        await chat.wait_type("welcome")
        await chat.send({"type": "subscribe", "session": session_id, "after": 0})
        assert (await rep.http.post(f"/api/sessions/{session_id}/pick-up")).status_code == 200
        await console.follow(session_id)
        await chat.say(session_id, "The toner smells of smoke")
        await console.wait_event(
            session_id, lambda e: e["body"].get("text") == "The toner smells of smoke", "line"
        )
        for _ in range(3):
            await rep.http.post("/api/auth/login", json={"username": "carol", "password": "wrong"})

        page = (await scrape(watched)).text
        assert value(page, "helpline_open_sockets", kind="representative") == 1
        assert value(page, "helpline_open_sockets", kind="customer") == 1
        assert value(page, "helpline_sessions", status="active") == 1
        # Joined, picked up, the line, at least.
        assert value(page, "helpline_events_appended_total") >= 3
        assert value(page, "helpline_batched_appends_total") >= 1
        assert value(page, "helpline_append_batch_size_count") >= 1
        assert value(page, "helpline_append_commit_seconds_count") >= 1
        assert value(page, "helpline_delivery_lag_seconds_count") >= 1
        assert value(page, "helpline_rate_limit_refusals_total", over="http") >= 1
        assert (
            value(
                page,
                "helpline_http_requests_total",
                method="POST",
                route="/api/sessions/{public_id}/pick-up",
                status="200",
            )
            == 1
        )
        assert (
            value(
                page,
                "helpline_http_requests_total",
                method="POST",
                route="/api/auth/login",
                status="429",
            )
            >= 1
        )
        for secret in (session_id, "Secretname", "toner", "Printer on fire", "carol"):
            assert secret not in page
        await chat.close()
        await console.close()
    finally:
        await rep.close()
        await customer.close()


async def test_an_allowed_address_reads_without_the_token(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", extra_env={"HELPLINE_METRICS_ALLOW": "127.0.0.0/8"})
    await server.seed()
    async with running(server):
        assert (await scrape(server, token=None)).status_code == 200


async def test_json_logs_are_one_object_a_line_and_hold_no_message_text(tmp_path: Path) -> None:
    server = ServerProcess(
        tmp_path / "data", log_level="info", extra_env={"HELPLINE_LOG_FORMAT": "json"}
    )
    await server.seed()
    rep, customer = Browser(server), Browser(server)
    async with running(server):
        try:
            await rep.login("bob")
            joined = await customer.ask_for_help("acme", "Dana", "Printer on fire")
            session_id = joined["session"]["id"]
            chat = await customer.socket("/ws/customer")
            await chat.wait_type("welcome")
            await chat.send({"type": "subscribe", "session": session_id, "after": 0})
            await chat.say(session_id, "The toner smells of smoke")
            await chat.close()
        finally:
            await rep.close()
            await customer.close()
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["message"] == "request"]
    assert {"time", "level", "logger", "client", "method", "path", "status"} <= set(requests[0])
    assert any(
        line["path"] == "/api/portals/acme/sessions" and line["status"] == 201 for line in requests
    )
    assert all(set(line) >= {"time", "level", "logger", "message"} for line in lines)
    assert "toner" not in server.log() and "Printer on fire" not in server.log()
