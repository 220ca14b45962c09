"""The fault suite's invariants on generated histories: a model of sessions, sends,
dropped sockets, reconnects and SIGKILLed restarts, run against a real server on SQLite.

Hypothesis picks the history; the model keeps what was acknowledged. After every
step nothing is doubled, reordered or skipped; after every reconnect the client is
current (its replay brought everything acknowledged before it); at the end of each
history every acknowledged line is in the store and in every log that may see it
exactly once, and each client's log is exactly the server's log as that client may
see it. The clients are the fault suite's (faults/clients.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from faults.clients import Client
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.support.fault_model import Api, Line, Viewer
from tests.support.server import ServerProcess

# Server restarts are most of the cost (a few seconds each on two busy cores). No
# shrinking: a history is at most twelve steps and reads well as it is, while replaying
# it against a real server would take minutes, and where a broken server fails first
# depends on timing, which hypothesis reports as a flaky strategy instead.
MODEL_SETTINGS = settings(
    max_examples=5,
    stateful_step_count=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
MAX_SESSIONS = 2
MAX_RESTARTS = 1  # per history


class Harness:
    """One server and one event loop for every history: the loop runs only inside a
    step, and sockets wait in the kernel between steps."""

    def __init__(self, folder: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = ServerProcess(
            folder,
            extra_env={
                "HELPLINE_MESSAGE_LIMIT": "100000 per minute",
                "HELPLINE_PORTAL_SESSION_LIMIT": "100000 per minute",
            },
        )
        self.api = Api(self.server)

    def run(self, step: Coroutine[Any, Any, None]) -> None:
        self.loop.run_until_complete(step)

    async def start(self) -> None:
        await self.server.seed()
        await self.server.start()
        await self.api.login()


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    made = Harness(tmp_path_factory.mktemp("fault-model"))
    made.run(made.start())
    try:
        yield made
    finally:
        made.server.stop()
        made.loop.close()


class FaultModel(RuleBasedStateMachine):
    def __init__(self, harness: Harness) -> None:
        super().__init__()
        self.h = harness
        self.rep: Viewer | None = None
        self.customers: dict[str, Viewer] = {}
        self.tokens: dict[str, str] = {}
        self.lines: dict[str, Line] = {}  # client_id -> what was sent
        # Per history, so a replayed history draws exactly what it drew before.
        self.numbers = itertools.count()
        self.restarts = 0
        # Once a step has failed, the end of the history only cleans up: its checks
        # would only wait out their timeouts before the failure is reported.
        self.failed = False

    # The model ---------------------------------------------------------------------

    def step(self, doing: Coroutine[Any, Any, None]) -> None:
        try:
            self.h.run(doing)
        except BaseException:
            self.failed = True
            raise

    def viewers(self) -> list[Viewer]:
        return ([self.rep] if self.rep else []) + list(self.customers.values())

    def acked(self) -> dict[str, int]:
        """Every acknowledged client id and its seq (the first ack; all must agree)."""
        return {cid: acks[0][0] for v in self.viewers() for cid, acks in v.acks.items()}

    def may_see(self, viewer: Viewer, line: Line) -> bool:
        return viewer.sees_everything or line.kind == "message"

    def send(self, viewer: Viewer, session: str, kind: str) -> str:
        client_id = f"m-{next(self.numbers)}"
        line = Line(session, viewer.name, kind, f"{viewer.name}: {kind} {client_id}")
        self.lines[client_id] = line
        viewer.client.send(session, client_id, line.text, kind)
        return client_id

    def pick(self, data: st.DataObject, viewers: list[Viewer]) -> Viewer:
        # Drawn by name, so that a failing history prints readably.
        name = data.draw(st.sampled_from(sorted(v.name for v in viewers)))
        return next(v for v in viewers if v.name == name)

    # Steps -------------------------------------------------------------------------

    async def _open_session(self) -> None:
        number = len(self.customers)
        session, token = await self.h.api.open_session(f"Customer {number}")
        self.tokens[session] = token
        server = self.h.server
        if self.rep is None:
            rep = Client(
                "representative", "/ws/console", self.h.api.rep_headers,
                lambda: [server.ws_url], [], sees_everything=True,
            )  # fmt: skip
            self.rep = Viewer("representative", rep, lambda: server.ws_url, True)
            await self.rep.connect()
        await self.rep.follow(session)
        customer = Client(
            f"customer {number}", "/ws/customer", lambda: {"Authorization": f"Bearer {token}"},
            lambda: [server.ws_url], [session], sees_everything=False,
        )  # fmt: skip
        self.customers[session] = Viewer(
            f"customer {number}", customer, lambda: server.ws_url, False
        )
        await self.customers[session].connect()

    @initialize()
    def open_first_session(self) -> None:
        self.step(self._open_session())

    @precondition(lambda self: len(self.customers) < MAX_SESSIONS)
    @rule()
    def open_another_session(self) -> None:
        self.step(self._open_session())

    @rule(data=st.data(), count=st.integers(1, 3), wait=st.booleans(), note=st.booleans())
    def send_lines(self, data: st.DataObject, count: int, wait: bool, note: bool) -> None:
        """Lines from either side, online or not; waited for, or left in flight."""
        viewer = self.pick(data, self.viewers())
        session = data.draw(st.sampled_from(viewer.client.sessions))
        kind = "note" if note and viewer.sees_everything else "message"
        self.step(self._send_lines(viewer, session, kind, count, wait))

    async def _send_lines(
        self, viewer: Viewer, session: str, kind: str, count: int, wait: bool
    ) -> None:
        sent = [self.send(viewer, session, kind) for _ in range(count)]
        if wait and viewer.connected:
            await viewer.until(lambda: all(c in viewer.acks for c in sent), "acks")

    @precondition(lambda self: any(v.connected for v in self.viewers()))
    @rule(data=st.data())
    def drop_socket(self, data: st.DataObject) -> None:
        viewer = self.pick(data, [v for v in self.viewers() if v.connected])
        self.step(viewer.drop())

    @precondition(lambda self: any(not v.connected for v in self.viewers()))
    @rule(data=st.data())
    def reconnect(self, data: st.DataObject) -> None:
        viewer = self.pick(data, [v for v in self.viewers() if not v.connected])
        self.step(self._reconnect(viewer))

    @precondition(lambda self: any(v.connected for v in self.viewers()))
    @rule(data=st.data(), count=st.integers(1, 4))
    def drop_socket_mid_flight(self, data: st.DataObject, count: int) -> None:
        """Sends still unanswered when the socket drops: committed or not, the resend
        after the reconnect must leave each exactly once."""
        viewer = self.pick(data, [v for v in self.viewers() if v.connected])
        self.step(self._drop_mid_flight(viewer, viewer.client.sessions[-1], count))

    async def _drop_mid_flight(self, viewer: Viewer, session: str, count: int) -> None:
        for _ in range(count):
            self.send(viewer, session, "message")
        await viewer.drop()
        await self._reconnect(viewer)

    def sent_by(self, viewer: Viewer) -> list[str]:
        return [cid for cid, line in self.lines.items() if line.sender == viewer.name]

    @precondition(lambda self: any(v.connected and self.sent_by(v) for v in self.viewers()))
    @rule(data=st.data())
    def resend_a_line(self, data: st.DataObject) -> None:
        """A resend with the same client id is absorbed: an acknowledged line is
        acknowledged again with its seq and ``duplicate``, and adds nothing."""
        viewer = self.pick(data, [v for v in self.viewers() if v.connected and self.sent_by(v)])
        client_id = data.draw(st.sampled_from(self.sent_by(viewer)))
        self.step(self._resend(viewer, client_id))

    async def _resend(self, viewer: Viewer, client_id: str) -> None:
        line = self.lines[client_id]
        answers = len(viewer.acks.get(client_id, []))
        viewer.client.send(line.session, client_id, line.text, line.kind)
        await viewer.until(
            lambda: len(viewer.acks.get(client_id, [])) > answers, "the resend's ack"
        )
        acks = viewer.acks[client_id]
        if answers:
            assert acks[-1] == (acks[0][0], True), (viewer.name, client_id, acks)

    @precondition(lambda self: self.restarts < MAX_RESTARTS)
    @rule(data=st.data(), count=st.integers(0, 4))
    def kill_and_restart_the_server(self, data: st.DataObject, count: int) -> None:
        """SIGKILL with sends in flight, then a start on the same data folder; the
        clients that were online reconnect and resend their outboxes."""
        self.restarts += 1
        viewer = self.pick(data, self.viewers())
        self.step(self._kill_and_restart(viewer, count))

    async def _kill_and_restart(self, viewer: Viewer, count: int) -> None:
        sent = [self.send(viewer, viewer.client.sessions[0], "message") for _ in range(count)]
        if sent and viewer.connected:
            # Kill once the server is handling them: some are acknowledged, some may be
            # committed without their ack, some not yet read.
            await viewer.until(lambda: sent[0] in viewer.acks, "the first ack")
        online = [v for v in self.viewers() if v.connected]
        self.h.server.kill()
        for v in online:
            await v.until(lambda v=v: not v.connected, "the socket closed by the kill")
        await self.h.server.start()
        for v in online:
            await self._reconnect(v)

    async def _reconnect(self, viewer: Viewer) -> None:
        acked_before = self.acked()
        await viewer.connect()
        self.check_current(viewer, acked_before)
        await viewer.flushed()

    # What must hold --------------------------------------------------------------

    def check_current(self, viewer: Viewer, acked_before: dict[str, int]) -> None:
        """Right after a replay, the viewer has every line acknowledged before it
        subscribed that it may see, exactly once and under its acknowledged seq. The
        ``replayed`` marker says how far the replay went: a customer's own last seq
        is lower whenever the newest events are not theirs to see."""
        for session in viewer.client.sessions:
            marker = viewer.markers[session][-1]
            acked_here = {
                cid: seq for cid, seq in acked_before.items() if self.lines[cid].session == session
            }
            assert marker >= max(acked_here.values(), default=0), (viewer.name, marker)
            kept = [e for e in viewer.kept.get(session, []) if e["seq"] <= marker]
            by_text: dict[str, list[int]] = {}
            for event in kept:
                by_text.setdefault(event["body"].get("text", ""), []).append(event["seq"])
            for cid, seq in acked_here.items():
                line = self.lines[cid]
                if self.may_see(viewer, line):
                    assert by_text.get(line.text) == [seq], (
                        viewer.name,
                        line,
                        by_text.get(line.text),
                    )
            if viewer.sees_everything:
                assert [e["seq"] for e in kept] == list(range(1, marker + 1)), viewer.name

    @invariant()
    def nothing_doubled_reordered_or_skipped(self) -> None:
        try:
            self._nothing_doubled_reordered_or_skipped()
        except AssertionError:
            self.failed = True
            raise

    def _nothing_doubled_reordered_or_skipped(self) -> None:
        texts = {line.text: cid for cid, line in self.lines.items()}
        for viewer in self.viewers():
            assert viewer.failure() is None, f"{viewer.name}: {viewer.failure()!r}"
            assert viewer.out_of_order == 0, viewer.name
            assert viewer.client.doubled == 0, viewer.name
            for cid, acks in viewer.acks.items():
                # One seq per line, and at most one ack that says it was new.
                assert len({seq for seq, _ in acks}) == 1, (viewer.name, cid, acks)
                assert sum(not duplicate for _, duplicate in acks) <= 1, (viewer.name, cid)
            acked = self.acked()
            for kept in viewer.kept.values():
                seqs = [e["seq"] for e in kept]
                if viewer.sees_everything:
                    assert seqs == list(range(1, len(seqs) + 1)), (viewer.name, seqs)
                seen: set[str] = set()
                for event in kept:
                    cid = texts.get(event["body"].get("text", ""))
                    if cid is None:
                        continue
                    assert cid not in seen, (viewer.name, "twice", self.lines[cid])
                    seen.add(cid)
                    assert self.may_see(viewer, self.lines[cid]), (viewer.name, self.lines[cid])
                    if cid in acked:
                        assert event["seq"] == acked[cid], (viewer.name, cid, event["seq"])

    def teardown(self) -> None:
        try:
            if self.rep is not None and not self.failed:
                self.step(self._everyone_current())
        finally:
            self.h.run(self._close())

    async def _everyone_current(self) -> None:
        """Everyone online, every outbox answered, every log complete: then each log is
        exactly the server's log as that viewer may see it."""
        for viewer in self.viewers():
            if not viewer.connected:
                await self._reconnect(viewer)
        for viewer in self.viewers():
            await viewer.flushed()
        acked = self.acked()
        assert set(acked) == set(self.lines), "a line was never acknowledged"
        for session, token in self.tokens.items():
            store = await self.h.api.events(session)
            by_client_id: dict[str, list[int]] = {}
            for event in store:
                if event.get("client_id"):
                    by_client_id.setdefault(event["client_id"], []).append(event["seq"])
            for cid, line in self.lines.items():
                if line.session == session:
                    # 0 acked-lost, and 0 saved twice.
                    assert by_client_id.get(cid) == [acked[cid]], (line, by_client_id.get(cid))
            customer_copy = await self.h.api.events(session, token)
            assert self.rep is not None
            expected = [
                (self.rep, [e["seq"] for e in store]),
                (self.customers[session], [e["seq"] for e in customer_copy]),
            ]
            for viewer, seqs in expected:
                await viewer.until(
                    lambda v=viewer, s=seqs, i=session: set(s) <= set(v.seqs(i)),
                    f"every event of {session} received",
                )
                kept = viewer.seqs(session)
                assert kept == seqs, (viewer.name, session, kept, seqs)

    async def _close(self) -> None:
        process = self.h.server.process
        if process is None or process.poll() is not None:
            await self.h.server.start()  # a failed history may leave it down
        for session in self.tokens:
            # Frees bob's seat for the next history (at most 8 open at once).
            with contextlib.suppress(httpx.HTTPError):
                await self.h.api.end(session)
        for viewer in self.viewers():
            await viewer.close()


@pytest.mark.timeout(300)
def test_acknowledged_lines_survive_generated_drops_reconnects_and_restarts(
    harness: Harness,
) -> None:
    run_state_machine_as_test(lambda: FaultModel(harness), settings=MODEL_SETTINGS)
