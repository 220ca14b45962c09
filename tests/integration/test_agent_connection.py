"""The agent's protocol client against a real server: nothing lost, nothing doubled.

The agent joins by a code a representative made, chats both ways, loses its network
(a proxy cuts it), goes silent, and outlives a server killed with SIGKILL; each time
every line arrives exactly once on both sides.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from helpline.agent.api import Api
from helpline.agent.connection import Connection, Phase
from helpline.agent.joining import Credentials, JoinTarget, join
from helpline.agent.outbox import EntryState
from helpline.agent.system import client_report
from tests.support.agent import Recorder, TcpProxy, messages, session_code
from tests.support.clients import Browser, Peer
from tests.support.server import ServerProcess


async def joined(server: ServerProcess, rep: Browser, via: str | None = None) -> Credentials:
    code = await session_code(rep)
    return await join(
        JoinTarget(server=via or server.base_url, code=code["code"]), "Dana", client_report()
    )


@asynccontextmanager
async def agent(credentials: Credentials) -> AsyncIterator[tuple[Connection, Recorder]]:
    recorder = Recorder()
    api = Api(credentials.server, credentials.token)
    connection = Connection(api, credentials.session, recorder)
    task = asyncio.create_task(connection.run())
    try:
        await recorder.wait(lambda: connection.ready, "the agent is welcomed")
        yield connection, recorder
    finally:
        connection.stop()
        await asyncio.wait_for(task, 10)
        await api.aclose()


async def console_of(rep: Browser, session: str) -> Peer:
    console = await rep.socket("/ws/console")
    await console.wait_type("welcome")
    await console.follow(session)
    return console


async def test_joins_by_code_and_chats_both_ways(
    shared_server: ServerProcess, bob: Browser
) -> None:
    credentials = await joined(shared_server, bob)
    console = await console_of(bob, credentials.session)
    async with agent(credentials) as (connection, seen):
        assert (await console.say(credentials.session, "Hello Dana"))["type"] == "ack"
        await seen.wait(lambda: "Hello Dana" in seen.texts(), "the representative's line")

        connection.send_message("My printer prints blank pages")
        await console.wait_event(
            credentials.session,
            lambda e: e["body"].get("text") == "My printer prints blank pages",
            "the agent's line",
        )
        await seen.wait(lambda: len(connection.outbox) == 0, "the outbox is empty")
        await seen.wait(
            lambda: "My printer prints blank pages" in seen.texts(), "its own line comes back"
        )
        assert seen.texts().count("My printer prints blank pages") == 1
        assert seen.texts().count("Hello Dana") == 1
    details = (await bob.http.get(f"/api/sessions/{credentials.session}")).json()["session"]
    assert details["customer"]["name"] == "Dana"
    await console.close()


async def test_a_dropped_network_loses_and_doubles_nothing(
    shared_server: ServerProcess, bob: Browser
) -> None:
    async with TcpProxy(shared_server.port) as proxy:
        credentials = await joined(shared_server, bob, via=proxy.url)
        console = await console_of(bob, credentials.session)
        async with agent(credentials) as (connection, seen):
            connection.send_message("before the drop")
            await seen.wait(lambda: "before the drop" in seen.texts(), "the first line")

            proxy.down = True
            proxy.cut()
            await seen.wait(
                lambda: connection.state.phase is Phase.RECONNECTING, "the agent notices"
            )
            connection.send_message("typed while away 1")
            connection.send_message("typed while away 2")
            for n in (1, 2):
                await console.say(credentials.session, f"said while away {n}")
            proxy.down = False
            connection.retry_now()

            await seen.wait(lambda: "typed while away 2" in seen.texts(), "the queued lines")
            await seen.wait(lambda: "said while away 2" in seen.texts(), "the missed lines")
            await console.wait_event(
                credentials.session,
                lambda e: e["body"].get("text") == "typed while away 2",
                "the queued lines at the representative's",
            )
        expected = [
            "before the drop",
            "typed while away 1",
            "typed while away 2",
            "said while away 1",
            "said while away 2",
        ]
        # Each line once everywhere; the agent's own lines in the order typed.
        assert sorted(seen.texts()) == sorted(expected)
        assert sorted(messages(console, credentials.session)) == sorted(expected)
        stored = await all_messages(bob, credentials.session)
        assert sorted(stored) == sorted(expected)
        assert [t for t in stored if t.startswith("typed")] == expected[1:3]
        await console.close()


async def test_a_lost_acknowledgement_is_resent_and_stored_once(
    strict_server: ServerProcess,
) -> None:
    """The server's replies stop reaching the agent (a half-dead NAT): the agent hears
    no heartbeat for three intervals, reconnects and resends the line whose ack it
    never got, with the same client id; the server stores it once."""
    server = strict_server
    rep = Browser(server)
    proxy = TcpProxy(server.port)
    await proxy.start()
    try:
        await rep.login("bob")
        credentials = await joined(server, rep, via=proxy.url)
        async with agent(credentials) as (connection, seen):
            proxy.mute_replies()
            entry = connection.send_message("did this arrive?")
            await seen.wait(lambda: connection.state.phase is Phase.RECONNECTING, "silence noticed")
            assert connection.outbox.get(entry.client_id) is not None
            await seen.wait(lambda: "did this arrive?" in seen.texts(), "the line")
            await seen.wait(lambda: len(connection.outbox) == 0, "the outbox is empty")
        assert await all_messages(rep, credentials.session) == ["did this arrive?"]
        assert seen.texts() == ["did this arrive?"]
    finally:
        await proxy.close()
        await rep.close()


async def test_the_agent_outlives_a_server_killed_and_restarted(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data")
    await server.seed()
    await server.start()
    rep = Browser(server)
    try:
        await rep.login("bob")
        credentials = await joined(server, rep)
        async with agent(credentials) as (connection, seen):
            for n in range(3):
                connection.send_message(f"line {n}")
            await seen.wait(lambda: "line 2" in seen.texts(), "the first lines")

            server.kill()
            await seen.wait(lambda: connection.state.phase is Phase.RECONNECTING, "the drop")
            connection.send_message("typed while the server was down")
            await server.start()
            connection.retry_now()
            await seen.wait(
                lambda: "typed while the server was down" in seen.texts(), "the queued line"
            )
            console = await console_of(rep, credentials.session)
            await console.say(credentials.session, "I am back")
            await seen.wait(lambda: "I am back" in seen.texts(), "the line after the restart")
            await console.close()
        expected = ["line 0", "line 1", "line 2", "typed while the server was down", "I am back"]
        assert seen.texts() == expected
        assert await all_messages(rep, credentials.session) == expected
        assert seen.welcomes == 2
    finally:
        await rep.close()
        server.stop()


async def test_a_refused_line_is_shown_as_not_sent_and_never_resent(
    shared_server: ServerProcess, bob: Browser
) -> None:
    async with TcpProxy(shared_server.port) as proxy:
        credentials = await joined(shared_server, bob, via=proxy.url)
        async with agent(credentials) as (connection, seen):
            too_long = connection.send_message("x" * 4001)
            await seen.wait(
                lambda: (
                    (e := connection.outbox.get(too_long.client_id)) is not None
                    and e.state is EntryState.FAILED
                ),
                "the long line fails",
            )
            failed = connection.outbox.get(too_long.client_id)
            assert failed is not None and failed.error and "4000" in failed.error
            proxy.cut()
            await seen.wait(lambda: seen.welcomes == 2, "a new socket")
            connection.send_message("a short one")
            await seen.wait(lambda: "a short one" in seen.texts(), "the next line")
        assert await all_messages(bob, credentials.session) == ["a short one"]


async def test_sent_too_fast_waits_as_told_and_sends_everything_once_in_order(
    strict_server: ServerProcess,
) -> None:
    server = strict_server
    rep = Browser(server)
    try:
        await rep.login("bob")
        credentials = await joined(server, rep)
        async with agent(credentials) as (connection, seen):
            lines = [f"quick {n}" for n in range(4)]
            for line in lines:
                connection.send_message(line)
            await seen.wait(lambda: "quick 3" in seen.texts(), "every line")
            await seen.wait(lambda: len(connection.outbox) == 0, "the outbox is empty")
        assert seen.texts() == lines
        assert await all_messages(rep, credentials.session) == lines
    finally:
        await rep.close()


async def test_wrong_credentials_end_the_connection_with_expired(
    shared_server: ServerProcess,
) -> None:
    recorder = Recorder()
    api = Api(shared_server.base_url, "not-a-token")
    try:
        state = await asyncio.wait_for(Connection(api, "AAAA-BBBB", recorder).run(), 15)
    finally:
        await api.aclose()
    assert state.phase is Phase.CLOSED and state.reason == "expired"


async def test_ending_the_session_closes_the_connection_as_ended(
    shared_server: ServerProcess, bob: Browser
) -> None:
    credentials = await joined(shared_server, bob)
    recorder = Recorder()
    api = Api(credentials.server, credentials.token)
    connection = Connection(api, credentials.session, recorder)
    task = asyncio.create_task(connection.run())
    await recorder.wait(lambda: connection.ready, "welcomed")
    ended = await bob.http.post(
        f"/api/sessions/{credentials.session}/end", json={"outcome": "resolved"}
    )
    assert ended.status_code == 200
    state = await asyncio.wait_for(task, 15)
    await api.aclose()
    assert state.reason == "ended"
    assert any(e.action == "ended" for e in recorder.events)


async def all_messages(rep: Browser, session: str) -> list[str]:
    response: httpx.Response = await rep.http.get(f"/api/sessions/{session}/events")
    return [e["body"]["text"] for e in response.json()["events"] if e["kind"] == "message"]
