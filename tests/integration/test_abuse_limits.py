"""Every abuse gets a clear answer: guessing and flooding are refused with a time to wait,
and honest people keep a way in.

The server runs with its default limits; people on different networks are clients
bound to different loopback addresses (127.0.0.2, 127.0.0.3, ...).
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from tests.support.clients import Browser, Peer, on_two_nodes
from tests.support.server import ServerProcess

RIGHT = "helpline-demo"
WRONG = "not the password"


async def log_in(browser: Browser, username: str, password: str) -> tuple[int, dict[str, str]]:
    response = await browser.http.post(
        "/api/auth/login", json={"username": username, "password": password}
    )
    return response.status_code, dict(response.headers) | response.json().get("error", {})


def assert_told_to_wait(status: int, answer: dict[str, str]) -> None:
    assert status == 429, answer
    assert answer["code"] == "rate_limited"
    assert int(answer["retry-after"]) > 0
    assert "try again in" in answer["message"]


async def test_spaces_case_and_lookalike_letters_do_not_give_a_username_fresh_tries(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    browser = browsers()
    assert (await log_in(browser, "\u00a0Bob ", RIGHT))[0] == 200

    variants = [" bob", "bob\t", "\u00a0bob", "BOB", "\uff42\uff4f\uff42"]
    statuses = [(await log_in(browser, variants[n % 5], WRONG))[0] for n in range(10)]
    assert statuses == [401] * 10

    # Eleventh try, in yet another spelling, with the right password: still refused.
    assert_told_to_wait(*await log_in(browser, "bob ", RIGHT))


async def test_wrong_passwords_for_many_usernames_from_one_address_are_refused(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    sprayer = browsers()
    for n in range(30):
        status, _ = await log_in(sprayer, f"user{n}", WRONG)
        assert status == 401
    assert_told_to_wait(*await log_in(sprayer, "alice", WRONG))
    # The count is the address's: someone on another network logs in as usual.
    colleague = Browser(server, address="127.0.0.2")
    try:
        assert (await log_in(colleague, "alice", RIGHT))[0] == 200
    finally:
        await colleague.close()


async def test_an_unknown_username_is_refused_no_faster_than_a_wrong_password(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    browser = browsers()

    async def seconds_to_refuse(username: str) -> float:
        started = time.perf_counter()
        status, _ = await log_in(browser, username, WRONG)
        assert status == 401
        return time.perf_counter() - started

    known, unknown = [], []
    for n in range(7):
        known.append(await seconds_to_refuse("carol"))
        unknown.append(await seconds_to_refuse(f"nobody{n}"))
    # Both check a password hash (argon2, tens of milliseconds); a refusal without
    # that check would take a few milliseconds and show the username does not exist.
    assert statistics.median(unknown) > 0.5 * statistics.median(known), (known, unknown)


async def test_a_customer_with_the_join_link_gets_in_while_guessing_has_paused_code_joining(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep = browsers()
    await rep.login("bob")
    made = await rep.http.post("/api/codes", json={})
    assert made.status_code == 201
    code = made.json()
    assert code["code_joining_paused"] is False
    link = code["join_link"]
    assert link.startswith(f"{server.base_url}/join/{code['code']}#link=")
    secret = link.split("#link=", 1)[1]
    assert len(secret) >= 22  # at least 128 bits in URL-safe base64
    # Only its hash is stored: a copy of the database opens nothing.
    stored = b"".join(p.read_bytes() for p in server.data_dir.glob("helpline.db*"))
    assert secret.encode() not in stored
    # The list of codes cannot show it again.
    listed = (await rep.http.get("/api/codes")).json()
    assert [c["join_link"] for c in listed["codes"]] == [None]

    # A botnet guesses from 20 addresses, 10 wrong codes each: the server's budget of
    # wrong codes is spent, and joining by code pauses for everyone.
    for host in range(2, 22):
        guesser = Browser(server, address=f"127.0.0.{host}")
        try:
            for n in range(10):
                wrong = f"{(host * 1000 + n) % 10**9:09d}"
                if wrong == code["code"]:
                    continue
                response = await guesser.http.post("/api/join", json={"code": wrong, "name": "X"})
                assert response.status_code == 404, response.text
        finally:
            await guesser.close()

    customer = Browser(server, address="127.0.0.99")
    try:
        by_code = await customer.http.post("/api/join", json={"code": code["code"], "name": "Ines"})
        assert by_code.status_code == 429
        assert int(by_code.headers["Retry-After"]) > 0
        assert "join link" in by_code.json()["error"]["message"]

        # The representative is told, both when listing codes and when making one.
        assert (await rep.http.get("/api/codes")).json()["code_joining_paused"] is True
        another = await rep.http.post("/api/codes", json={})
        assert another.json()["code_joining_paused"] is True

        joined = await customer.http.post("/api/join", json={"link": secret, "name": "Ines"})
        assert joined.status_code == 201, joined.text
        assert joined.json()["session"]["customer"]["name"] == "Ines"
        # Single use, like the code it belongs to.
        again = await customer.http.post("/api/join", json={"link": secret, "name": "Mallory"})
        assert again.status_code == 410
    finally:
        await customer.close()


async def test_a_link_that_does_not_work_says_to_ask_for_a_new_one(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    customer = browsers()
    response = await customer.http.post(
        "/api/join", json={"link": uuid.uuid4().hex * 2, "name": "Ines"}
    )
    assert response.status_code == 404
    assert "Ask your representative for a new one" in response.json()["error"]["message"]


async def test_opening_sessions_in_bulk_from_one_address_is_refused_with_a_time_to_wait(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    flooder = browsers()
    for n in range(30):
        opened = await flooder.http.post(
            "/api/portals/acme/sessions", json={"name": f"Bot {n}", "query": "spam"}
        )
        assert opened.status_code == 201, opened.text
    refused = await flooder.http.post(
        "/api/portals/acme/sessions", json={"name": "Bot", "query": "spam"}
    )
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "Please try again in" in refused.json()["error"]["message"]

    elsewhere = Browser(server, address="127.0.0.2")
    try:
        await elsewhere.ask_for_help("acme", "Dana", "A real question")
    finally:
        await elsewhere.close()


async def test_a_socket_sending_too_fast_is_told_when_to_send_again_and_nothing_is_saved(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    customer = browsers()
    session_id = (await customer.ask_for_help("acme", "Dana", "Flood"))["session"]["id"]
    chat: Peer = await customer.socket("/ws/customer")
    await chat.follow(session_id)

    for n in range(60):
        answer = await chat.say(session_id, f"line {n}", client_id=f"fast-{n}")
        assert answer["type"] == "ack", answer
    refused = await chat.say(session_id, "one too many", client_id="fast-60")
    assert refused["type"] == "error" and refused["code"] == "rate_limited"
    assert refused["session"] == session_id
    assert isinstance(refused["retry_after"], int) and refused["retry_after"] >= 1
    assert "sent again in" in refused["message"]

    events = (await customer.http.get(f"/api/sessions/{session_id}/events")).json()["events"]
    texts = [e["body"].get("text") for e in events if e["kind"] == "message"]
    assert "one too many" not in texts and "line 59" in texts
    # The socket stays open: pings and other frames are answered as before.
    await chat.send({"type": "ping"})
    await chat.wait_type("pong")
    await chat.close()


async def test_two_server_processes_on_one_redis_count_wrong_logins_together(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    async with on_two_nodes(tmp_path, postgres_url, redis_url) as (_, _, on_first, on_second):
        for n in range(10):
            browser = on_first if n % 2 else on_second
            assert (await log_in(browser, "bob", WRONG))[0] == 401
        # Five wrong passwords on each process: the eleventh is refused by both.
        assert_told_to_wait(*await log_in(on_first, "bob", RIGHT))
        assert_told_to_wait(*await log_in(on_second, "bob", RIGHT))


async def test_behind_a_named_proxy_each_client_has_its_own_limits_and_nobody_else_can_forge_one(
    tmp_path: Path,
) -> None:
    server = ServerProcess(tmp_path / "data", extra_env={"HELPLINE_TRUSTED_PROXIES": "127.0.0.1"})
    await server.seed()
    await server.start()
    proxy, stranger = Browser(server), Browser(server, address="127.0.0.2")

    async def open_session(browser: Browser, client: str) -> int:
        response = await browser.http.post(
            "/api/portals/acme/sessions",
            json={"name": "Dana", "query": "q"},
            headers={"X-Forwarded-For": client},
        )
        return response.status_code

    try:
        assert [await open_session(proxy, "203.0.113.1") for _ in range(31)][-2:] == [201, 429]
        # Another customer behind the same proxy is not held back by the first.
        assert await open_session(proxy, "203.0.113.2") == 201
        # A client that is not the proxy cannot name a fresh address each time.
        statuses = [await open_session(stranger, f"198.51.100.{n}") for n in range(31)]
        assert statuses[-2:] == [201, 429]
    finally:
        await proxy.close()
        await stranger.close()
        server.stop()
