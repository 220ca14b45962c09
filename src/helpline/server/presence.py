"""Whether the customer is online: this process's customer sockets, told to the store.

Why this exists: online means "at least one open customer socket on any server
process", and consoles must hear when that changes, also when the process holding the
socket dies. Each process counts its own customer sockets per session and keeps a
presence mark in the store for every session it has one of (``store/presence.py``);
one task per process writes the marks, renews them every heartbeat and removes other
processes' marks that were not renewed for three (``domain/presence.py``). Whenever a
session's customer comes online or goes offline, its followers hear a ``session``
change on the bus, so consoles get a ``session`` frame.

One writer task, not a write per socket: a socket that opens and closes at once costs
nothing, thousands reconnecting at once cost a few transactions, and the marks of one
process are always written in the order its sockets opened and closed.

A customer whose last socket closes stays online for a grace period (``--presence-
grace-seconds``) before the mark goes: a connection that drops and comes straight back,
as a train's Wi-Fi or a network failure's thousands do, is no flicker in the console,
and no write, bus message or console read either. The mark is renewed meanwhile, so
no heartbeat takes it away early.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime

from helpline.domain.presence import stale_before
from helpline.server import wire
from helpline.server.records import SessionChanged
from helpline.server.service import HelplineService
from helpline.server.service_core import session_channel, utc_now
from helpline.store.protocol import PresenceChanges

log = logging.getLogger(__name__)

# After a failed write (the database away), wait this long before trying again.
RETRY_SECONDS = 1.0


class CustomerPresence:
    """The customer sockets of this process, per session, and the task that keeps the
    store's presence marks in step with them."""

    def __init__(
        self,
        service: HelplineService,
        heartbeat_seconds: float,
        grace_seconds: float = 0.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.service = service
        self.store = service.store
        self.heartbeat_seconds = heartbeat_seconds
        self.grace_seconds = grace_seconds
        self.clock = clock
        # This process's name on its marks: new at every start, so a restarted process
        # never renews the marks of the one that died.
        self.node = uuid.uuid4().hex[:16]
        self._sockets: Counter[int] = Counter()
        self._dirty: set[int] = set()
        # Sessions whose last socket here closed, with when (the loop's clock) they go
        # offline unless one opens again. In order of that time: the grace is the same
        # for all, so a session added later is never due earlier.
        self._leaving: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # What the gateway tells -----------------------------------------------------------

    def opened(self, session_id: int) -> None:
        """A customer socket of the session opened in this process."""
        self._sockets[session_id] += 1
        if self._sockets[session_id] > 1:
            return
        if self._leaving.pop(session_id, None) is None:
            self._changed(session_id)
        # Otherwise back within the grace: the mark is still there, nothing changed.

    def closed(self, session_id: int) -> None:
        """A customer socket of the session closed in this process."""
        self._sockets[session_id] -= 1
        if self._sockets[session_id] <= 0:
            del self._sockets[session_id]
            if self.grace_seconds <= 0 or session_id in self._dirty:
                # Dirty: its opening was never written (or its grace was already
                # over), so there is no mark to keep; the next flush settles it.
                self._changed(session_id)
                return
            self._leaving[session_id] = asyncio.get_running_loop().time() + self.grace_seconds
            if len(self._leaving) == 1:
                # The writer may be waiting for the next heartbeat: it must wake sooner.
                self._wake.set()

    def _changed(self, session_id: int) -> None:
        self._dirty.add(session_id)
        self._wake.set()

    # The writer -----------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        """Stop writing, and take this process's marks away: its sockets are gone."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            offline = await self.store.clear_presence(self.node)
            await self._announce(PresenceChanges(offline=offline))
        except Exception:
            log.exception("could not take this process's presence marks away; others will")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        renew_at = loop.time() + self.heartbeat_seconds
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(min(renew_at, self._next_leaving(renew_at))):
                    await self._wake.wait()
            self._wake.clear()
            self._left(loop.time())
            try:
                await self._flush()
                if loop.time() >= renew_at:
                    renew_at = loop.time() + self.heartbeat_seconds
                    await self._renew()
            except Exception:
                log.exception("could not write the customers' presence; trying again")
                renew_at = min(renew_at, loop.time() + RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)

    def _next_leaving(self, otherwise: float) -> float:
        """When the first session in its grace goes offline (``otherwise`` if none)."""
        return next(iter(self._leaving.values()), otherwise)

    def _left(self, now: float) -> None:
        """Sessions whose grace is over go offline at the next flush."""
        while self._leaving:
            session_id, due = next(iter(self._leaving.items()))
            if due > now:
                return
            del self._leaving[session_id]
            self._changed(session_id)

    async def _flush(self) -> None:
        """Write the marks of the sessions whose sockets came or went since last time."""
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, set()
        present = [s for s in dirty if s in self._sockets]
        absent = [s for s in dirty if s not in self._sockets]
        try:
            changes = await self.store.set_presence(self.node, present, absent, self.clock())
        except BaseException:
            # Written next time, with whatever changed meanwhile.
            self._dirty |= dirty
            raise
        await self._announce(changes)

    async def _renew(self) -> None:
        now = self.clock()
        # Sessions in their grace keep their marks until it is over.
        changes = await self.store.renew_presence(
            self.node,
            [*self._sockets, *self._leaving],
            now,
            stale_before(now, self.heartbeat_seconds),
        )
        await self._announce(changes)

    async def _announce(self, changes: PresenceChanges) -> None:
        """Ring each changed session's channel, so that its consoles hear of it."""
        await self._publish_sessions([*changes.online, *changes.offline])

    async def _publish_sessions(self, session_ids: Iterable[int]) -> None:
        # Read together: after a network failure thousands change in one flush, and
        # two reads per session were most of the flush.
        for session, attendees in await self.store.sessions_with_attendees(list(session_ids)):
            await self.service.publish(
                session_channel(session.id),
                SessionChanged(s=wire.session_record(session, attendees), presence=True),
            )
