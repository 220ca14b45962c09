"""The fault run: two nodes on PostgreSQL and Redis of its own, clients under load,
and a schedule of faults; then a tally against the store, the truth.

Faults, in order: a node killed with SIGKILL under load (and started again), Redis
hung with SIGSTOP (and resumed), Redis killed (and started again), PostgreSQL crashed
(and started again), a node started while Redis is down, then more node kills, each
node in turn, until the run has made at least ``--sends`` sends and ``--node-kills``
kills, and last clients whose sockets are cut (they resume with the last seq they saw).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from tests.support.server import ServerProcess
from tests.support.services import OwnPostgres, OwnRedis, wait_until

from faults.clients import Client
from helpline.store.database import create_engine
from helpline.store.sql import SqlStore


@dataclass
class Counts:
    node_kills: int = 0
    redis_kills: int = 0
    redis_hangs: int = 0
    database_restarts: int = 0


@dataclass
class Plan:
    sessions: int
    rate: float  # lines per second per customer
    fault_seconds: float  # how long a hang or outage lasts
    settle_seconds: float  # load between faults
    # At least this many sends and node kills: node kills go on until both are reached.
    sends: int = 0
    node_kills: int = 0


QUICK = Plan(sessions=2, rate=4.0, fault_seconds=3.0, settle_seconds=1.5)
FULL = Plan(sessions=12, rate=5.0, fault_seconds=15.0, settle_seconds=8.0)
# How long every client may take to be current once the load stops; one still behind
# then has a silent gap (nothing told it what it missed).
CURRENT_WITHIN_SECONDS = 120.0


# The representatives who pick the sessions up, in turn: each may hold at most 8
# (max_concurrent_sessions), so the full run's 12 need two.
REPRESENTATIVES = ("bob", "carol")


async def _login(node: ServerProcess, username: str) -> httpx.AsyncClient:
    http = httpx.AsyncClient(base_url=node.base_url, headers={"Origin": node.base_url})

    async def logged_in() -> bool:
        answer = await http.post(
            "/api/auth/login", json={"username": username, "password": "helpline-demo"}
        )
        return answer.status_code == 200

    await wait_until(logged_in, f"{username} logging in")
    return http


async def _open_sessions(
    node: ServerProcess, reps: list[httpx.AsyncClient], n: int
) -> list[tuple[str, str, int]]:
    """``n`` sessions picked up by the representatives in turn: (public id, customer
    token, which representative)."""
    opened = []
    async with httpx.AsyncClient(base_url=node.base_url, headers={"Origin": node.base_url}) as c:
        for number in range(n):
            answer = await c.post(
                "/api/portals/acme/sessions", json={"name": f"Customer {number}", "query": "x"}
            )
            answer.raise_for_status()
            body = answer.json()
            session = body["session"]["id"]
            rep = number % len(reps)
            (await reps[rep].post(f"/api/sessions/{session}/pick-up")).raise_for_status()
            opened.append((session, body["token"], rep))
    return opened


async def run(plan: Plan, folder: Path) -> tuple[str, bool]:
    counts = Counts()
    redis = OwnRedis(folder / "redis")
    postgres = OwnPostgres()
    nodes: list[ServerProcess] = []
    clients: list[Client] = []
    tasks: list[asyncio.Task[None]] = []
    try:
        await redis.start()
        await asyncio.to_thread(postgres.init)
        await asyncio.to_thread(postgres.start)
        env = {
            "HELPLINE_BUS_NAMESPACE": f"faults-{uuid.uuid4().hex}:",
            # The customers send faster than a person (plan.rate a second, where the
            # default allows one): under the default most lines would wait in the
            # outboxes, and still be draining when the tally is taken.
            "HELPLINE_MESSAGE_LIMIT": "100000 per minute",
        }
        nodes = [
            ServerProcess(folder / n, database_url=postgres.url, bus=redis.url, extra_env=env)
            for n in ("a", "b")
        ]
        await nodes[0].seed()
        nodes[1].data_dir.mkdir(parents=True, exist_ok=True)
        for node in nodes:
            await node.start()
        reps_http = [await _login(nodes[0], username) for username in REPRESENTATIVES]
        opened = await _open_sessions(nodes[0], reps_http, plan.sessions)
        cookies = ["; ".join(f"{c.name}={c.value}" for c in h.cookies.jar) for h in reps_http]
        for http in reps_http:
            await http.aclose()

        def live_urls() -> list[str]:
            up = [n.ws_url for n in nodes if n.process and n.process.poll() is None]
            return up or [nodes[0].ws_url]

        for number, (username, cookie) in enumerate(zip(REPRESENTATIVES, cookies, strict=True)):
            clients.append(
                Client(
                    f"representative {username}",
                    "/ws/console",
                    _console(nodes[0].base_url, cookie),
                    live_urls,
                    [s for s, _, r in opened if r == number],
                    sees_everything=True,
                )
            )
        reps = len(clients)
        for session, token, _ in opened:
            clients.append(
                Client(
                    f"customer {session}",
                    "/ws/customer",
                    _bearer(token),
                    live_urls,
                    [session],
                    sees_everything=False,
                )
            )
        tasks = [asyncio.create_task(c.run()) for c in clients]
        load = asyncio.create_task(_load(clients[reps:], plan.rate))
        tasks.append(load)

        async def settle() -> None:
            await asyncio.sleep(plan.settle_seconds)

        await settle()
        # A node killed under load, and started again.
        nodes[1].kill()
        counts.node_kills += 1
        await settle()
        await nodes[1].start()
        await settle()
        # Redis hung, then resumed.
        redis.hang()
        counts.redis_hangs += 1
        await asyncio.sleep(plan.fault_seconds)
        redis.resume()
        await settle()
        # Redis killed; a node restarted while it is down; Redis back.
        redis.kill()
        counts.redis_kills += 1
        nodes[1].kill()
        counts.node_kills += 1
        await nodes[1].start()
        await asyncio.sleep(plan.fault_seconds)
        await redis.start()
        await settle()
        # PostgreSQL crashed, then started again.
        await asyncio.to_thread(postgres.crash)
        counts.database_restarts += 1
        await asyncio.sleep(plan.fault_seconds)
        await asyncio.to_thread(postgres.start)
        await settle()
        # Node kills, each node in turn, until the run is as large as asked.
        while counts.node_kills < plan.node_kills or sum(c.sends for c in clients) < plan.sends:
            node = nodes[counts.node_kills % len(nodes)]
            node.kill()
            counts.node_kills += 1
            await settle()
            await node.start()
            await settle()
        # Clients whose sockets are cut resume with the last seq they saw.
        for client in clients:
            client.stop_socket()
        await settle()
        load.cancel()
        await asyncio.gather(load, return_exceptions=True)
        sessions = [s for s, _, _ in opened]
        current_within, silent = await _until_current(clients, postgres.url, sessions)
        # The clients stop before the store is read: an ack that arrived after the
        # read would otherwise count as lost.
        for client in clients:
            client.stop()
        await asyncio.wait(tasks, timeout=30)
        return await _tally(clients, postgres.url, sessions, counts, current_within, silent)
    finally:
        for client in clients:
            client.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for node in nodes:
            node.stop()
        redis.stop()
        await asyncio.to_thread(postgres.stop)


def _console(origin: str, cookie: str) -> Callable[[], dict[str, str]]:
    return lambda: {"Origin": origin, "Cookie": cookie}


def _bearer(token: str) -> Callable[[], dict[str, str]]:
    return lambda: {"Authorization": f"Bearer {token}"}


async def _load(customers: list[Client], rate: float) -> None:
    numbers = itertools.count()
    while True:
        for customer in customers:
            session = customer.sessions[0]
            customer.send(session, f"f-{uuid.uuid4().hex}", f"line {next(numbers)}")
        for customer in customers:
            # A client's timer: what is still unanswered is sent again.
            if next(numbers) % 20 == 0:
                customer.resend_outbox()
        await asyncio.sleep(1 / rate)


StoreLog = dict[str, list[tuple[int, str | None]]]


async def _store_log(
    database_url: str, sessions: list[str]
) -> dict[str, list[tuple[int, str | None]]]:
    store = SqlStore(create_engine(database_url))
    try:
        log: StoreLog = {}
        for public_id in sessions:
            session = await store.get_session_by_public_id(public_id)
            assert session is not None
            events = await store.events_after(session.id, 0, 1_000_000)
            log[public_id] = [(e.seq, e.client_id) for e in events]
        return log
    finally:
        await store.close()


async def _until_current(
    clients: list[Client], database_url: str, sessions: list[str]
) -> tuple[float, int]:
    """Seconds until every client has an empty outbox and the store's last seq of each
    of its sessions (resending what is unanswered meanwhile), and how many of its
    sessions were still behind when the wait gave up: silent gaps, which nothing (no
    event, no error, no reconnect) ever repaired."""
    started = time.monotonic()
    behind = 0

    async def current() -> bool:
        nonlocal behind
        log = await _store_log(database_url, sessions)
        last = {s: (events[-1][0] if events else 0) for s, events in log.items()}
        unsent = False
        for client in clients:
            if client.outbox:
                client.resend_outbox()
                unsent = True
        behind = sum(
            1
            for client in clients
            if client.sees_everything
            for s in client.sessions
            if client.seen.get(s) is None or client.seen[s].last_seq < last[s]
        )
        return not unsent and behind == 0

    with contextlib.suppress(TimeoutError):
        await wait_until(current, "every client current", CURRENT_WITHIN_SECONDS)
    return time.monotonic() - started, behind


async def _tally(
    clients: list[Client],
    database_url: str,
    sessions: list[str],
    counts: Counts,
    current_within: float,
    silent: int,
) -> tuple[str, bool]:
    log = await _store_log(database_url, sessions)
    stored: dict[str, list[int]] = {}
    for events in log.values():
        for seq, client_id in events:
            if client_id is not None:
                stored.setdefault(client_id, []).append(seq)
    sends = sum(c.sends for c in clients)
    acked = {cid: seq for c in clients for cid, seq in c.acked.items()}
    acked_lost = sum(1 for cid, seq in acked.items() if seq not in stored.get(cid, []))
    doubled = sum(c.doubled for c in clients) + sum(len(s) > 1 for s in stored.values())
    duplicates = sum(c.duplicates for c in clients)
    gaps = sum(seen.gaps for c in clients for seen in c.seen.values())
    out_of_order = sum(seen.out_of_order for c in clients for seen in c.seen.values())
    line = (
        f"{sends} sends, {len(acked)} acked, {acked_lost} acked-lost, "
        f"{duplicates} duplicates absorbed, {gaps} gaps, {out_of_order} out-of-order, "
        f"{silent} silent gaps; {counts.node_kills} node kills, {counts.redis_kills} Redis "
        f"kills, {counts.redis_hangs} Redis hangs, {counts.database_restarts} database "
        f"restarts; "
        + (
            f"every client current within {current_within:.1f} s"
            if silent == 0
            else f"{silent} sessions still behind after {current_within:.1f} s"
        )
    )
    ok = acked_lost == 0 and doubled == 0 and gaps == 0 and out_of_order == 0 and silent == 0
    if doubled:
        line += f" (DOUBLED: {doubled})"
    return line, ok
