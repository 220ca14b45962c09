"""Every client one generator process holds: who they are, what they follow and send on.

The coordinator hands each process whole groups (eight sessions and their consoles),
so every party of a session lives in the same process and the counts of the chat step
and the storm (``bench.chat``, ``bench.storm``) are exact. This module builds the
parties of a group, opens and closes them all, keeps Helpline's sockets alive with
pings, and holds the counters and first errors that every step reports.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from typing import Any

from bench import inbound
from bench.chat import ChatTally
from bench.party import Party, TryLater
from bench.storm import StormTally

CONNECT_CONCURRENCY = 64
PING_EVERY_S = 20.0  # under the server's 3 x 25 s silence limit
FIRST_ERRORS_KEPT = 5
now_ns = time.monotonic_ns


class Clients:
    """The parties of one generator process, the target they reach, and their tallies."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.target: dict[str, Any] = {}
        self.parties: list[Party] = []
        self.customers: dict[str, Party] = {}  # session -> its customer
        self.receivers: dict[str, list[Party]] = {}  # session -> parties that follow it
        self.senders: list[tuple[Party, str]] = []  # (party, session it sends on)
        self.counters: dict[str, int] = {}
        self.first_errors: list[str] = []
        self.handlers: dict[str, Callable[[Party, Any], None]] = inbound.readers(self)
        self.chat = ChatTally(self.count)
        self.storm = StormTally()
        # (sender, session) -> the last N sent: N keeps counting up from step to step
        self.message_numbers: dict[tuple[str, str], int] = {}
        self.ping_task: asyncio.Task[None] | None = None
        self.closed_unexpectedly = 0
        self.expect_drops = False

    def count(self, name: str, by: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + by

    def error(self, text: str) -> None:
        self.count("errors")
        if len(self.first_errors) < FIRST_ERRORS_KEPT:
            self.first_errors.append(text[:300])

    def note_closed(self, party: Party, error: BaseException | None) -> None:
        if not self.expect_drops and party.ws is not None:
            self.closed_unexpectedly += 1
            code = getattr(party.ws, "close_code", None)
            self.error(f"{party.role} socket closed unexpectedly (code {code}): {error!r}")

    # Commands ---------------------------------------------------------------------

    async def connect(self, cmd: dict[str, Any]) -> dict[str, Any]:
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
                attempt = 0
                while attempt < 3:
                    try:
                        await party.open()
                        return
                    except TryLater as later:
                        party.abort()
                        await asyncio.sleep(later.seconds * random.uniform(1.0, 1.2))
                        continue
                    except Exception as error:
                        party.abort()
                        if attempt == 2:
                            failures.append(f"{party.role}: {error!r}")
                        attempt += 1
                        await asyncio.sleep(0.5 * attempt)

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

    async def close(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """Close every party (``abort``: drop them instead) and forget them all."""
        self.expect_drops = True
        if self.ping_task is not None:
            self.ping_task.cancel()
            self.ping_task = None
        if cmd.get("abort"):
            for party in self.parties:
                party.drop()
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
        self.storm = StormTally()
        self.expect_drops = False
        self.closed_unexpectedly = 0
        return {"closed": closed}
