"""The chat step: an open-loop send at a fixed rate, and the tally of its deliveries.

Message bodies carry everything a receiver needs: ``b|STEP|SENDER|SESSION|N|T`` where
N numbers the sender's messages in that session and T is the *scheduled* send time
(CLOCK_MONOTONIC, shared by all processes of the machine). Latency is delivery time
minus scheduled time, so a sender that fell behind, or a stalled server, shows up as
latency instead of hiding as a lower offered rate. Every party of a session lives in
the same generator process, so the sender's count and the receivers' counts meet here
and loss, duplication and reordering are counted exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bench.stats import Latency

if TYPE_CHECKING:
    from bench.clients import Clients
    from bench.party import Party

PAD = "x" * 48
now_ns = time.monotonic_ns


def cpu_seconds() -> float:
    """CPU time of this generator process so far, user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class ChatTally:
    """What one chat step has seen arrive: fresh for every step."""

    def __init__(self, count: Callable[[str], None], step: str = "") -> None:
        self.count = count  # bumps one of the generator's counters
        self.step = step
        # (receiver, sender, session) -> [highest N seen, every N seen]
        self.streams: dict[tuple[str, str, str], list[Any]] = {}
        self.latency = Latency()
        self.ack_latency = Latency()
        self.pending_acks: dict[tuple[str, str], int] = {}  # (sender, client_id) -> due
        self.unique = 0
        self.expected = 0
        self.last_delivery_ns = 0
        self.delivered_all = asyncio.Event()
        self.sending_done = False

    def delivered(self, party: Party, text: str) -> None:
        """A ``b|`` message reached ``party``."""
        _, step, sender, session, n_text, sched_text, _ = text.split("|", 6)
        if sender == party.tag:
            self.count("echo")
            return
        if step != self.step:
            self.count("late_from_other_step")
            return
        now = now_ns()
        self.latency.record((now - int(sched_text)) // 1000)
        n = int(n_text)
        key = (party.tag, sender, session)
        stream = self.streams.get(key)
        if stream is None:
            stream = self.streams[key] = [0, set()]
        seen: set[int] = stream[1]
        if n in seen:
            self.count("duplicated")
            return
        seen.add(n)
        if n < stream[0]:
            self.count("reordered")
        else:
            stream[0] = n
        self.unique += 1
        self.last_delivery_ns = now
        if self.sending_done and self.unique >= self.expected:
            self.delivered_all.set()

    def acked(self, party: Party, client_id: str) -> None:
        """Helpline acknowledged a message of ``party``: time it if this step sent it."""
        sched = self.pending_acks.pop((party.tag, client_id), None)
        if sched is not None:
            self.ack_latency.record((now_ns() - sched) // 1000)


async def run(clients: Clients, cmd: dict[str, Any]) -> dict[str, Any]:
    """Open-loop: send at a fixed rate for a while, then wait for stragglers."""
    tally = clients.chat = ChatTally(clients.count, str(cmd["step"]))
    rate = float(cmd["rate"])
    duration = float(cmd["duration"])
    start = int(cmd["start_ns"])
    kind = clients.target["kind"]
    clients.counters = {}
    clients.first_errors = []
    senders = [
        (party, sid, len(clients.receivers[sid]) - 1)
        for party, sid in clients.senders
        if party.ws is not None
    ]
    numbers = clients.message_numbers
    total = int(rate * duration) if senders else 0
    interval = 1e9 / rate if rate > 0 else 0
    cpu_before = cpu_seconds()
    delay = (start - now_ns()) / 1e9
    if delay > 0:
        await asyncio.sleep(delay)
    sent = 0
    send_failures = 0
    behind_max_ns = 0
    i = 0
    while i < total:
        due = start + int(i * interval)
        now = now_ns()
        if due > now:
            await asyncio.sleep((due - now) / 1e9)
            continue
        behind_max_ns = max(behind_max_ns, now - due)
        party, sid, receivers = senders[i % len(senders)]
        key = (party.tag, sid)
        n = numbers.get(key, 0) + 1
        numbers[key] = n
        text = f"b|{tally.step}|{party.tag}|{sid}|{n}|{due}|{PAD}"
        client_id = f"b{n}"
        # Built by hand: the text needs no escaping, and json.dumps would cost the
        # generator more than the frame is worth.
        body = f'{{"session":"{sid}","client_id":"{client_id}","text":"{text}"}}'
        frame = f'42["send",{body}]' if kind == "socketio" else f'{{"type":"send",{body[1:]}'
        if kind == "helpline":
            tally.pending_acks[(party.tag, client_id)] = due
        tally.expected += receivers
        if await party.send(frame):
            sent += 1
        else:
            send_failures += 1
        i += 1
    send_done = now_ns()
    tally.sending_done = True
    if tally.unique < tally.expected:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tally.delivered_all.wait(), float(cmd["drain"]))
    if kind == "helpline":
        deadline = now_ns() + int(float(cmd["drain"]) * 1e9)
        while tally.pending_acks and now_ns() < deadline:  # noqa: ASYNC110 - bounded poll
            await asyncio.sleep(0.05)
    missing = max(0, tally.expected - tally.unique)
    return {
        "sent": sent,
        "send_failures": send_failures,
        "expected_deliveries": tally.expected,
        "delivered": tally.unique,
        "missing": missing,
        "unacked": len(tally.pending_acks) if kind == "helpline" else 0,
        "start_ns": start,
        "send_done_ns": send_done,
        "last_delivery_ns": tally.last_delivery_ns,
        "behind_max_ms": behind_max_ns / 1e6,
        "latency": tally.latency.payload(),
        "ack_latency": tally.ack_latency.payload(),
        "counters": dict(clients.counters),
        "errors": list(clients.first_errors),
        "cpu_s": cpu_seconds() - cpu_before,
        "closed_unexpectedly": clients.closed_unexpectedly,
    }
