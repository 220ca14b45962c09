"""The reconnect storm, and the priming before it.

Priming sends one message per session and waits until every party has it, so every
party holds a last seq to resume after. The storm then drops every socket at once,
as a network failure would, and every party reconnects at once with the backoff of
docs/protocol.md, resubscribes after its last seq, and customers resend what was not
acknowledged (same client_id). It measures until everyone is current, then checks that
every party has every seq of its sessions and that nothing was appended twice.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from typing import TYPE_CHECKING, Any

from bench.chat import cpu_seconds
from bench.party import TryLater

if TYPE_CHECKING:
    from bench.clients import Clients
    from bench.party import Party

RECONNECT_FIRST_S = 1.0  # docs/protocol.md: 1 s doubling to 30 s, with jitter
RECONNECT_MAX_S = 30.0
now_ns = time.monotonic_ns


class StormTally:
    """The storm's and the priming's messages: where each landed, and who waits for it."""

    def __init__(self) -> None:
        # session -> text -> every seq the server gave that text (more than one: appended twice)
        self.texts: dict[str, dict[str, set[int]]] = {}
        # "TAG|TEXT" (party TAG saw TEXT) or "TAG|ack|CLIENT_ID" (TAG got its ack) -> done
        self.waiters: dict[str, asyncio.Future[None]] = {}
        # (TAG, PREFIX) -> the waiters of party TAG for the messages of PREFIX: what a
        # party waits for after reconnecting, found without scanning every waiter (at
        # 10,000 sessions that scan was most of the generator's time in the storm).
        self.awaited: dict[tuple[str, str], list[asyncio.Future[None]]] = {}

    def expect(self, key: str, tag: str, prefix: str, future: asyncio.Future[None]) -> None:
        self.waiters[key] = future
        self.awaited.setdefault((tag, prefix), []).append(future)

    def seen(self, party: Party, session: str, text: str, seq: int) -> None:
        """An ``s|`` or ``p|`` message reached ``party`` as ``seq``."""
        self.texts.setdefault(session, {}).setdefault(text, set()).add(seq)
        self.resolve(f"{party.tag}|{text}")

    def acked(self, party: Party, client_id: str) -> None:
        self.resolve(f"{party.tag}|ack|{client_id}")

    def resolve(self, key: str) -> None:
        waiter = self.waiters.get(key)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


async def _one_message_each(
    clients: Clients, prefix: str, resend: bool
) -> list[asyncio.Future[None]]:
    """Each customer sends ``PREFIX|SESSION`` (kept in its outbox until acked).

    Returns futures that resolve when every party of the session has seen it
    and the sender has its acknowledgement."""
    tally = clients.storm
    loop = asyncio.get_running_loop()
    waits: list[asyncio.Future[None]] = []
    for sid, customer in clients.customers.items():
        text = f"{prefix}|{sid}"
        client_id = f"{prefix}-{sid}"
        frame = json.dumps({"type": "send", "session": sid, "client_id": client_id, "text": text})
        customer.outbox[client_id] = (sid, frame)
        for party in clients.receivers[sid]:
            key = f"{party.tag}|{text}"
            already = text in tally.texts.get(sid, {}) and any(
                s in party.views[sid].seen for s in tally.texts[sid][text]
            )
            future = loop.create_future()
            if already:
                future.set_result(None)
            tally.expect(key, party.tag, prefix, future)
            waits.append(future)
        ack = loop.create_future()
        tally.expect(f"{customer.tag}|ack|{client_id}", customer.tag, prefix, ack)
        waits.append(ack)
        if not resend:
            await customer.send(frame)
    return waits


async def prime(clients: Clients, cmd: dict[str, Any]) -> dict[str, Any]:
    """One message per session, delivered everywhere: everyone has a last seq."""
    started = now_ns()
    waits = await _one_message_each(clients, "p", resend=False)
    # asyncio.wait, not wait_for: a timeout must leave the waits as they are, so
    # the ones still pending can be counted.
    _, not_done = await asyncio.wait(waits, timeout=float(cmd["timeout"]))
    pending_acks = sum(
        1 for key, w in clients.storm.waiters.items() if "|ack|" in key and not w.done()
    )
    return {
        "complete": not not_done,
        "pending": len(not_done),
        "pending_acks": pending_acks,
        "seconds": (now_ns() - started) / 1e9,
    }


async def run(clients: Clients, cmd: dict[str, Any]) -> dict[str, Any]:
    """Every customer sends one message, then every socket drops at once, then every
    party reconnects at once, resubscribes after its last seq, and customers resend
    what was not acknowledged (same client_id). Measures until everyone is current."""
    start = int(cmd["start_ns"])
    deadline_ns = start + int(float(cmd["timeout"]) * 1e9)
    clients.counters = {}
    clients.first_errors = []
    cpu_before = cpu_seconds()
    delay = (start - now_ns()) / 1e9
    if delay > 0:
        await asyncio.sleep(delay)
    waits = await _one_message_each(clients, "s", resend=False)
    clients.expect_drops = True
    for party in clients.parties:
        party.drop()
    await asyncio.sleep(0)
    clients.expect_drops = False
    reconnect_at = now_ns()
    current_at: list[int] = []
    connected_at: list[int] = []
    attempts_total = 0

    async def resume(party: Party) -> bool:
        nonlocal attempts_total
        backoff = RECONNECT_FIRST_S
        while now_ns() < deadline_ns:
            try:
                attempts_total += 1
                remaining = max(0.1, (deadline_ns - now_ns()) / 1e9)
                await asyncio.wait_for(party.open(), remaining)
                break
            except TryLater as later:
                # The server's time, with up to a fifth more at random (docs/protocol.md),
                # and the backoff left as it was: nothing failed.
                party.abort()
                clients.count("reconnects_deferred")
                await asyncio.sleep(later.seconds * random.uniform(1.0, 1.2))
                continue
            except Exception as error:
                party.abort()
                clients.count("reconnect_failures")
                clients.count(f"reconnect_failed: {_kind(error)}")
                if clients.counters["reconnect_failures"] <= 3:
                    clients.error(f"reconnect failed: {_kind(error)}")
                await asyncio.sleep(backoff * random.uniform(0.5, 1.0))
                backoff = min(backoff * 2, RECONNECT_MAX_S)
        else:
            return False
        connected_at.append(now_ns())
        for _client_id, (_sid, frame) in list(party.outbox.items()):
            await party.send(frame)
        mine = clients.storm.awaited.get((party.tag, "s"), [])
        remaining = (deadline_ns - now_ns()) / 1e9
        try:
            await asyncio.wait_for(asyncio.gather(*mine), max(0.1, remaining))
        except TimeoutError:
            return False
        current_at.append(now_ns())
        return True

    results = await asyncio.gather(*(resume(p) for p in clients.parties))
    del waits
    return {
        "parties": len(clients.parties),
        "current": sum(results),
        "not_current": len(results) - sum(results),
        "reconnect_at_ns": reconnect_at,
        "current_at_ns": sorted(current_at),
        "connected_at_ns": sorted(connected_at),
        "attempts": attempts_total,
        "deferred": clients.counters.get("reconnects_deferred", 0),
        **_verify(clients),
        "same_seq_twice": clients.counters.get("same_seq_twice", 0),
        "counters": dict(clients.counters),
        "errors": list(clients.first_errors),
        "cpu_s": cpu_seconds() - cpu_before,
    }


def _kind(error: BaseException) -> str:
    """The error and what caused it: "did not receive a valid HTTP response" alone does
    not say whether the server closed, reset or never answered."""
    kinds = [repr(error)]
    cause = error.__cause__ or error.__context__
    while cause is not None and len(kinds) < 3:
        kinds.append(repr(cause))
        cause = cause.__cause__ or cause.__context__
    return " <- ".join(kinds)


def _verify(clients: Clients) -> dict[str, int]:
    """Every party has every seq of its sessions, nothing appended twice."""
    missing = 0
    redelivered = 0
    duplicated_appends = 0
    for sid, parties in clients.receivers.items():
        customer = clients.customers[sid]
        truth = max(
            [p.views[sid].server_last_seq for p in parties]
            + [max(p.views[sid].seen, default=0) for p in parties]
            + [seq for cid, seq in customer.acked.items() if cid.endswith(sid)]
        )
        for party in parties:
            view = party.views[sid]
            missing += sum(1 for seq in range(1, truth + 1) if seq not in view.seen)
            redelivered += view.redelivered
        for _text, seqs in clients.storm.texts.get(sid, {}).items():
            duplicated_appends += len(seqs) - 1
    return {
        "missing": missing,
        "duplicated_appends": duplicated_appends,
        "redelivered": redelivered,
    }
