"""One load-generator process: real WebSocket clients on one asyncio loop.

The coordinator (``bench.runner``) starts several of these, pinned to the generator's
cores, and drives them over a pipe with small command dicts. Every party of a session
(its customer and the consoles that follow it) lives in the same worker, so the
sender's count and the receivers' counts meet in one place and loss, duplication
and reordering are counted exactly.

Message bodies carry everything a receiver needs: ``b|STEP|SENDER|SESSION|N|T`` where
N numbers the sender's messages in that session and T is the *scheduled* send time
(CLOCK_MONOTONIC, shared by all processes of the machine). Latency is delivery time
minus scheduled time, so a sender that fell behind, or a stalled server, shows up as
latency instead of hiding as a lower offered rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import resource
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection, connect

from bench.stats import Latency

PAD = "x" * 48
CONNECT_CONCURRENCY = 64
PING_EVERY_S = 20.0  # under the server's 3 x 25 s silence limit
RECONNECT_FIRST_S = 1.0  # docs/protocol.md: 1 s doubling to 30 s, with jitter
RECONNECT_MAX_S = 30.0
now_ns = time.monotonic_ns


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class View:
    """What one party knows of one session."""

    __slots__ = ("last_seq", "redelivered", "seen", "server_last_seq")

    def __init__(self) -> None:
        self.last_seq = 0
        self.seen: set[int] = set()
        self.redelivered = 0
        self.server_last_seq = 0


class Party:
    """A customer (one session) or a console (several sessions): one socket at a time."""

    def __init__(self, worker: Worker, role: str, tag: str, sessions: list[str], **auth: Any):
        self.worker = worker
        self.role = role  # "customer" | "console" | "peer-rep"
        self.tag = tag
        self.sessions = sessions
        self.auth = auth
        self.views = {s: View() for s in sessions}
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.welcome: asyncio.Future[None] | None = None
        self.subscribed: dict[str, asyncio.Future[None]] = {}
        self.address = "127.0.0.1"
        self.outbox: dict[str, tuple[str, str]] = {}  # client_id -> (session, frame)
        self.acked: dict[str, int] = {}  # client_id -> seq
        self.connects = 0

    # Connecting -------------------------------------------------------------------

    async def open(self) -> None:
        target = self.worker.target
        kind = target["kind"]
        base = f"ws://{target['host']}:{target['port']}"
        headers: list[tuple[str, str]] = []
        if kind == "helpline":
            if self.role == "customer":
                uri = f"{base}/ws/customer"
                headers.append(("Authorization", f"Bearer {self.auth['token']}"))
            else:
                uri = f"{base}/ws/console"
                headers.append(("Origin", f"http://127.0.0.1:{target['port']}"))
                headers.append(("Cookie", f"helpline_console={self.auth['cookie']}"))
        elif kind == "relay":
            uri = f"{base}/relay/{quote(self.sessions[0])}"
        elif kind == "channels":
            uri = f"{base}/ws/relay/{quote(self.sessions[0])}/"
        elif kind == "socketio":
            uri = f"{base}/socket.io/?EIO=4&transport=websocket"
        else:
            raise ValueError(kind)
        loop = asyncio.get_running_loop()
        self.welcome = loop.create_future()
        self.subscribed = {s: loop.create_future() for s in self.sessions}
        self.ws = await connect(
            uri,
            additional_headers=headers,
            compression=None,
            ping_interval=None,
            max_size=4 * 1024 * 1024,
            open_timeout=60,
            close_timeout=2,
            local_addr=(self.address, 0),
        )
        self.connects += 1
        self.reader = asyncio.create_task(self._read(self.ws))
        if kind == "helpline":
            await asyncio.wait_for(self.welcome, 60)
            for session in self.sessions:
                after = self.views[session].last_seq
                await self.ws.send(
                    json.dumps({"type": "subscribe", "session": session, "after": after})
                )
            await asyncio.wait_for(asyncio.gather(*self.subscribed.values()), 120)
        elif kind == "socketio":
            await asyncio.wait_for(self.welcome, 30)  # the Engine.IO open packet
            loop = asyncio.get_running_loop()
            self.welcome = loop.create_future()
            await self.ws.send("40" + json.dumps({"room": self.sessions[0]}))
            await asyncio.wait_for(self.welcome, 30)  # the namespace connect answer

    def abort(self) -> None:
        """Drop the connection as a network failure would: no close handshake."""
        if self.ws is not None:
            transport = self.ws.transport
            if transport is not None:
                transport.abort()
        self.ws = None

    async def close(self) -> None:
        ws, self.ws = self.ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 3)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(BaseException):
                await self.reader

    # Receiving --------------------------------------------------------------------

    async def _read(self, ws: ClientConnection) -> None:
        handle = self.worker.handlers[self.worker.target["kind"]]
        try:
            async for message in ws:
                handle(self, message)
        except Exception as error:
            self.worker.note_closed(self, error)
        else:
            self.worker.note_closed(self, None)

    async def send(self, text: str) -> bool:
        ws = self.ws
        if ws is None:
            return False
        try:
            await ws.send(text)
        except Exception:
            return False
        return True


class Worker:
    def __init__(self, index: int) -> None:
        self.index = index
        self.target: dict[str, Any] = {}
        self.parties: list[Party] = []
        self.customers: dict[str, Party] = {}
        self.receivers: dict[str, list[Party]] = {}  # session -> parties that follow it
        self.senders: list[tuple[Party, str]] = []
        self.counters: dict[str, int] = {}
        self.first_errors: list[str] = []
        self.handlers: dict[str, Callable[[Party, Any], None]] = {
            "helpline": self._on_helpline,
            "relay": self._on_raw,
            "channels": self._on_raw,
            "socketio": self._on_socketio,
        }
        self.step = ""
        self.streams: dict[tuple[str, str, str], list[Any]] = {}
        self.latency = Latency()
        self.ack_latency = Latency()
        self.pending_acks: dict[tuple[str, str], int] = {}
        self.unique = 0
        self.expected = 0
        self.last_delivery_ns = 0
        self.delivered_all = asyncio.Event()
        self.sending_done = False
        self.storm_texts: dict[str, dict[str, set[int]]] = {}
        self.storm_waiters: dict[str, asyncio.Future[None]] = {}
        self.ping_task: asyncio.Task[None] | None = None
        self.closed_unexpectedly = 0
        self.expect_drops = False

    def count(self, name: str, by: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + by

    def error(self, text: str) -> None:
        self.count("errors")
        if len(self.first_errors) < 5:
            self.first_errors.append(text[:300])

    def note_closed(self, party: Party, error: BaseException | None) -> None:
        if not self.expect_drops and party.ws is not None:
            self.closed_unexpectedly += 1
            code = getattr(party.ws, "close_code", None)
            self.error(f"{party.role} socket closed unexpectedly (code {code}): {error!r}")

    # Frames -----------------------------------------------------------------------

    def _on_helpline(self, party: Party, message: Any) -> None:
        frame = json.loads(message)
        kind = frame.get("type")
        if kind == "event":
            session = frame["session"]
            event = frame["event"]
            seq = event["seq"]
            view = party.views.get(session)
            if view is None:
                return
            if seq <= view.last_seq:
                view.redelivered += 1
            else:
                view.last_seq = seq
            if seq in view.seen:
                self.count("same_seq_twice")
            view.seen.add(seq)
            text = event.get("body", {}).get("text", "")
            if text.startswith("b|"):
                self._delivered(party, text)
            elif text.startswith(("s|", "p|")):
                self._storm_seen(party, session, text, seq)
        elif kind == "ack":
            client_id = frame["client_id"]
            party.acked[client_id] = frame["seq"]
            party.outbox.pop(client_id, None)
            self.count("acks")
            sched = self.pending_acks.pop((party.tag, client_id), None)
            if sched is not None:
                self.ack_latency.record((now_ns() - sched) // 1000)
            waiter = self.storm_waiters.get(f"{party.tag}|ack|{client_id}")
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        elif kind == "subscribed":
            session = frame["session"]["id"]
            view = party.views.get(session)
            if view is not None:
                view.server_last_seq = max(view.server_last_seq, frame["last_seq"])
            future = party.subscribed.get(session)
            if future is not None and not future.done():
                future.set_result(None)
        elif kind == "welcome":
            if party.welcome is not None and not party.welcome.done():
                party.welcome.set_result(None)
        elif kind == "error":
            self.error(f"error frame: {frame.get('code')}: {frame.get('message')}")
            future = party.subscribed.get(frame.get("session", ""))
            if future is not None and not future.done():
                future.set_exception(RuntimeError(frame.get("message")))

    def _on_raw(self, party: Party, message: Any) -> None:
        frame = json.loads(message)
        text = frame.get("text", "")
        if text.startswith("b|"):
            self._delivered(party, text)

    def _on_socketio(self, party: Party, message: Any) -> None:
        if message.startswith("42"):
            _name, frame = json.loads(message[2:])
            text = frame.get("text", "")
            if text.startswith("b|"):
                self._delivered(party, text)
        elif message == "2":  # Engine.IO ping: answer or the server drops us
            asyncio.get_running_loop().create_task(party.send("3"))
        elif message.startswith(("0", "40")):
            if party.welcome is not None and not party.welcome.done():
                party.welcome.set_result(None)
        elif message.startswith("44"):
            self.error(f"socket.io connect error: {message}")

    def _delivered(self, party: Party, text: str) -> None:
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

    # Commands ---------------------------------------------------------------------

    async def cmd_connect(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """Open every party of the given groups; a helpline party also subscribes."""
        self.target = cmd["target"]
        kind = self.target["kind"]
        addresses = cmd.get("addresses") or ["127.0.0.1"]
        senders = cmd.get("senders", "customer+primary")
        made: list[Party] = []
        for group in cmd["groups"]:
            ids = [s["id"] for s in group["sessions"]]
            for s in group["sessions"]:
                customer = Party(self, "customer", f"c{s['id']}", [s["id"]], token=s["token"])
                self.customers[s["id"]] = customer
                made.append(customer)
                self.receivers.setdefault(s["id"], []).append(customer)
                self.senders.append((customer, s["id"]))
            if kind == "helpline":
                for position, console in enumerate(group["consoles"]):
                    party = Party(self, "console", f"r{console['rep']}", ids, **console)
                    made.append(party)
                    for sid in ids:
                        self.receivers[sid].append(party)
                        if position == 0 and senders == "customer+primary":
                            self.senders.append((party, sid))
            else:  # a peer relay: one representative socket per session
                for sid in ids:
                    party = Party(self, "peer-rep", f"r{sid}", [sid])
                    made.append(party)
                    self.receivers[sid].append(party)
                    self.senders.append((party, sid))
        for i, party in enumerate(made):
            party.address = addresses[(self.index * 7919 + i) % len(addresses)]
        semaphore = asyncio.Semaphore(cmd.get("concurrency", CONNECT_CONCURRENCY))
        started = now_ns()
        failures: list[str] = []

        async def open_one(party: Party) -> None:
            async with semaphore:
                for attempt in range(3):
                    try:
                        await party.open()
                        return
                    except Exception as error:
                        party.abort()
                        if attempt == 2:
                            failures.append(f"{party.role}: {error!r}")
                        await asyncio.sleep(0.5 * (attempt + 1))

        await asyncio.gather(*(open_one(p) for p in made))
        self.parties.extend(made)
        if kind == "helpline" and self.ping_task is None:
            self.ping_task = asyncio.create_task(self._ping_forever())
        return {
            "parties": len(made),
            "customers": sum(p.role == "customer" for p in made),
            "consoles": sum(p.role != "customer" for p in made),
            "failed": len(failures),
            "failures": failures[:5],
            "seconds": (now_ns() - started) / 1e9,
        }

    async def _ping_forever(self) -> None:
        ping = json.dumps({"type": "ping"})
        while True:
            await asyncio.sleep(PING_EVERY_S)
            for party in list(self.parties):
                if party.ws is not None:
                    await party.send(ping)

    async def cmd_chat(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """Open-loop: send at a fixed rate for a while, then wait for stragglers."""
        self.step = str(cmd["step"])
        rate = float(cmd["rate"])
        duration = float(cmd["duration"])
        start = int(cmd["start_ns"])
        kind = self.target["kind"]
        self.streams = {}
        self.latency = Latency()
        self.ack_latency = Latency()
        self.pending_acks = {}
        self.unique = 0
        self.expected = 0
        self.last_delivery_ns = 0
        self.delivered_all = asyncio.Event()
        self.sending_done = False
        self.counters = {}
        self.first_errors = []
        senders = [
            (party, sid, len(self.receivers[sid]) - 1)
            for party, sid in self.senders
            if party.ws is not None
        ]
        counters: dict[tuple[str, str], int] = getattr(self, "_numbers", {})
        self._numbers = counters
        total = int(rate * duration) if senders else 0
        interval = 1e9 / rate if rate > 0 else 0
        cpu_before = _cpu()
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
            n = counters.get(key, 0) + 1
            counters[key] = n
            text = f"b|{self.step}|{party.tag}|{sid}|{n}|{due}|{PAD}"
            client_id = f"b{n}"
            # Built by hand: the text needs no escaping, and json.dumps would cost the
            # generator more than the frame is worth.
            body = f'{{"session":"{sid}","client_id":"{client_id}","text":"{text}"}}'
            frame = f'42["send",{body}]' if kind == "socketio" else f'{{"type":"send",{body[1:]}'
            if kind == "helpline":
                self.pending_acks[(party.tag, client_id)] = due
            self.expected += receivers
            if await party.send(frame):
                sent += 1
            else:
                send_failures += 1
            i += 1
        send_done = now_ns()
        self.sending_done = True
        if self.unique < self.expected:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.delivered_all.wait(), float(cmd["drain"]))
        if kind == "helpline":
            deadline = now_ns() + int(float(cmd["drain"]) * 1e9)
            while self.pending_acks and now_ns() < deadline:  # noqa: ASYNC110 - bounded poll
                await asyncio.sleep(0.05)
        missing = max(0, self.expected - self.unique)
        return {
            "sent": sent,
            "send_failures": send_failures,
            "expected_deliveries": self.expected,
            "delivered": self.unique,
            "missing": missing,
            "unacked": len(self.pending_acks) if kind == "helpline" else 0,
            "start_ns": start,
            "send_done_ns": send_done,
            "last_delivery_ns": self.last_delivery_ns,
            "behind_max_ms": behind_max_ns / 1e6,
            "latency": self.latency.payload(),
            "ack_latency": self.ack_latency.payload(),
            "counters": dict(self.counters),
            "errors": list(self.first_errors),
            "cpu_s": _cpu() - cpu_before,
            "closed_unexpectedly": self.closed_unexpectedly,
        }

    def _storm_seen(self, party: Party, session: str, text: str, seq: int) -> None:
        self.storm_texts.setdefault(session, {}).setdefault(text, set()).add(seq)
        waiter = self.storm_waiters.get(f"{party.tag}|{text}")
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _one_message_each(self, prefix: str, resend: bool) -> list[asyncio.Future[None]]:
        """Each customer sends ``PREFIX|SESSION`` (kept in its outbox until acked).

        Returns futures that resolve when every party of the session has seen it
        and the sender has its acknowledgement."""
        loop = asyncio.get_running_loop()
        waits: list[asyncio.Future[None]] = []
        for sid, customer in self.customers.items():
            text = f"{prefix}|{sid}"
            client_id = f"{prefix}-{sid}"
            frame = json.dumps(
                {"type": "send", "session": sid, "client_id": client_id, "text": text}
            )
            customer.outbox[client_id] = (sid, frame)
            for party in self.receivers[sid]:
                key = f"{party.tag}|{text}"
                already = text in self.storm_texts.get(sid, {}) and any(
                    s in party.views[sid].seen for s in self.storm_texts[sid][text]
                )
                future = loop.create_future()
                if already:
                    future.set_result(None)
                self.storm_waiters[key] = future
                waits.append(future)
            ack = loop.create_future()
            self.storm_waiters[f"{customer.tag}|ack|{client_id}"] = ack
            waits.append(ack)
            if not resend:
                await customer.send(frame)
        return waits

    async def cmd_prime(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """One message per session, delivered everywhere: everyone has a last seq."""
        started = now_ns()
        waits = await self._one_message_each("p", resend=False)
        # asyncio.wait, not wait_for: a timeout must leave the waits as they are, so
        # the ones still pending can be counted.
        _, not_done = await asyncio.wait(waits, timeout=float(cmd["timeout"]))
        pending_acks = sum(
            1 for key, w in self.storm_waiters.items() if "|ack|" in key and not w.done()
        )
        return {
            "complete": not not_done,
            "pending": len(not_done),
            "pending_acks": pending_acks,
            "seconds": (now_ns() - started) / 1e9,
        }

    async def cmd_storm(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """Every customer sends one message, then every socket drops at once, then every
        party reconnects at once, resubscribes after its last seq, and customers resend
        what was not acknowledged (same client_id). Measures until everyone is current."""
        start = int(cmd["start_ns"])
        deadline_ns = start + int(float(cmd["timeout"]) * 1e9)
        self.counters = {}
        self.first_errors = []
        cpu_before = _cpu()
        delay = (start - now_ns()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)
        waits = await self._one_message_each("s", resend=False)
        self.expect_drops = True
        for party in self.parties:
            party.abort()
            if party.reader is not None:
                party.reader.cancel()
        await asyncio.sleep(0)
        self.expect_drops = False
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
                except Exception as error:
                    party.abort()
                    self.count("reconnect_failures")
                    if self.counters["reconnect_failures"] <= 3:
                        self.error(f"reconnect failed: {error!r}")
                    await asyncio.sleep(backoff * random.uniform(0.5, 1.0))
                    backoff = min(backoff * 2, RECONNECT_MAX_S)
            else:
                return False
            connected_at.append(now_ns())
            for _client_id, (_sid, frame) in list(party.outbox.items()):
                await party.send(frame)
            mine = [
                f
                for key, f in self.storm_waiters.items()
                if key.startswith(f"{party.tag}|s|") or key.startswith(f"{party.tag}|ack|s-")
            ]
            remaining = (deadline_ns - now_ns()) / 1e9
            try:
                await asyncio.wait_for(asyncio.gather(*mine), max(0.1, remaining))
            except TimeoutError:
                return False
            current_at.append(now_ns())
            return True

        results = await asyncio.gather(*(resume(p) for p in self.parties))
        del waits
        # Verify: every party has every seq of its sessions, nothing appended twice.
        missing = 0
        redelivered = 0
        duplicated_appends = 0
        for sid, parties in self.receivers.items():
            customer = self.customers[sid]
            truth = max(
                [p.views[sid].server_last_seq for p in parties]
                + [max(p.views[sid].seen, default=0) for p in parties]
                + [seq for cid, seq in customer.acked.items() if cid.endswith(sid)]
            )
            for party in parties:
                view = party.views[sid]
                missing += sum(1 for seq in range(1, truth + 1) if seq not in view.seen)
                redelivered += view.redelivered
            for _text, seqs in self.storm_texts.get(sid, {}).items():
                duplicated_appends += len(seqs) - 1
        return {
            "parties": len(self.parties),
            "current": sum(results),
            "not_current": len(results) - sum(results),
            "reconnect_at_ns": reconnect_at,
            "current_at_ns": sorted(current_at),
            "connected_at_ns": sorted(connected_at),
            "attempts": attempts_total,
            "missing": missing,
            "duplicated_appends": duplicated_appends,
            "redelivered": redelivered,
            "same_seq_twice": self.counters.get("same_seq_twice", 0),
            "counters": dict(self.counters),
            "errors": list(self.first_errors),
            "cpu_s": _cpu() - cpu_before,
        }

    async def cmd_close(self, cmd: dict[str, Any]) -> dict[str, Any]:
        self.expect_drops = True
        if self.ping_task is not None:
            self.ping_task.cancel()
            self.ping_task = None
        if cmd.get("abort"):
            for party in self.parties:
                party.abort()
                if party.reader is not None:
                    party.reader.cancel()
        else:
            semaphore = asyncio.Semaphore(256)

            async def close_one(party: Party) -> None:
                async with semaphore:
                    await party.close()

            await asyncio.gather(*(close_one(p) for p in self.parties))
        closed = len(self.parties)
        self.parties = []
        self.customers = {}
        self.receivers = {}
        self.senders = []
        self.storm_texts = {}
        self.storm_waiters = {}
        self.expect_drops = False
        self.closed_unexpectedly = 0
        return {"closed": closed}


async def _serve(pipe: Connection, worker: Worker) -> None:
    loop = asyncio.get_running_loop()
    while True:
        cmd = await loop.run_in_executor(None, pipe.recv)
        op = cmd["op"]
        if op == "exit":
            pipe.send({"ok": True})
            return
        try:
            reply = await getattr(worker, f"cmd_{op}")(cmd)
            reply["ok"] = True
        except Exception as error:
            reply = {"ok": False, "error": f"{error!r}", "trace": traceback.format_exc()}
        pipe.send(reply)


def main(pipe: Connection, index: int, cpus: list[int] | None) -> None:
    if cpus:
        os.sched_setaffinity(0, set(cpus))
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    worker = Worker(index)
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    runner(_serve(pipe, worker))
