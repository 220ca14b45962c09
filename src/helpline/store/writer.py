"""Group commit for ``SqlStore.append``: one writer task saves waiting appends together.

Every append used to be its own transaction: on SQLite one fsync and about six
statements (each a hop to aiosqlite's thread and through SQLAlchemy's greenlet adapter)
per chat message. Now callers queue their drafts and wait; one writer task per store
takes everything waiting (at most ``MAX_BATCH``) and saves it in ONE transaction, then
answers each caller. Under load the batch grows by itself: while one transaction
commits, the next one's appends queue up. At rest a batch is a single append.

The contract of ``Store.append`` holds for each caller exactly as before:

- ``seq`` is assigned in the committing transaction, gapless per session: a batch
  raises each session's ``last_seq`` once by the number of its new events and numbers
  them consecutively in queue order. A batch that fails rolls its increments back.
- Idempotent on (session, author key, client id): keys already in the log answer with
  the stored event and ``created=False``; a key repeated within the batch makes one
  event and its repeats get that event with ``created=False``.
- An append to an unknown session fails with ``NotFound`` on its own; its batch-mates
  commit. So does an append made with ``require_open`` to a session whose status is
  ``ended`` when the batch's transaction runs (``SessionEnded``): the status is read by
  the same UPDATE that raises ``last_seq``, under the session row's lock (on SQLite,
  under BEGIN IMMEDIATE), so an ``apply`` that ends the session is either committed
  before (and the append refused) or waits for this commit (and the message comes
  before the end). A resend of an event already in the log is answered with it even
  so: it was acknowledged before the end. Any other error while staging the batch rolls
  it back; the appends whose content cannot be stored (``store/storable.py``: no UTF-8
  form, NUL, not JSON) then fail alone and the rest are saved again as one batch, or,
  when none is found at fault, one by one. No content of one append fails another's,
  and nothing an append holds stops the writer: it answers every batch it takes.
- Search index rows go in the same transaction as their events.
- A caller is answered only after COMMIT returned. A caller cancelled while waiting
  does not disturb the batch; if its append was already taken into one, it stays
  committed (like a cancellation that lands after commit did before); one cancelled
  before its batch was taken is dropped, never written.

The plan of each transaction (which appends go together, idempotent resends, seqs,
what fails alone) is ``batch_plan``'s, pure and tested alone. On SQLite it runs as ONE
call (``batch_sqlite``), under the store's write lock, on the writer's own ``sqlite3``
connection in a thread of its own (``sqlite_thread.SqliteThread``: opened as the
engine's connections are, WAL, ``synchronous=FULL``, foreign keys, busy timeout), so a
batch is one hand-off. On PostgreSQL it runs on the writer's own asyncpg connection,
checked out of the store's pool once (``batch_postgres``): BEGIN, three statements
prepared once, COMMIT; or, when the writer knows each session's row as it last left it,
one statement (``batch_postgres_known``), whose sessions that did not move are then
saved as a careful batch of their own. This module is the queue and the writer task: it
takes the batches, runs them, tries again or splits the ones that fail, and answers
every caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from helpline.domain.events import Event, EventDraft
from helpline.store.batch_plan import (
    Added,
    Append,
    Batch,
    Key,
    Uncommitted,
    alone_failure,
    unstorable_apart,
)
from helpline.store.batch_postgres import PostgresBatches
from helpline.store.batch_sqlite import SqliteStatements, commit_sqlite
from helpline.store.database import connect_sqlite
from helpline.store.observer import AppendObserver
from helpline.store.protocol import Appended
from helpline.store.rows import event_from_row
from helpline.store.sqlite_thread import SqliteThread
from helpline.store.tables import events
from helpline.store.wal_checkpoints import WalCheckpoints, without_autocheckpoint

__all__ = ["MAX_BATCH", "Added", "AppendWriter", "Key"]

# Appends saved by one transaction at most: bounds a transaction's time (and the wait of
# a write queued behind it) and the statement sizes.
MAX_BATCH = 256


class _Request(Append):
    """One caller's append, waiting for its batch."""

    __slots__ = ("future",)

    def __init__(
        self,
        session_id: int,
        draft: EventDraft,
        now: datetime,
        future: asyncio.Future[Appended],
        require_open: bool = False,
    ) -> None:
        # ``Append.__init__``'s body, not a call to it: one call less per append.
        self.session_id = session_id
        self.draft = draft
        self.now = now
        self.require_open = require_open
        self.key: Key | None = (
            None if draft.client_id is None else (session_id, draft.author.key, draft.client_id)
        )
        self.event: Event | None = None
        self.outcome: Appended | Exception | None = None
        self.future = future


class AppendWriter:
    """The queue and writer task behind ``SqlStore.append``.

    ``read_engine`` and ``write_engine`` share one pool (see ``for_writes``); ``lock``
    is the store's SQLite write lock (None on PostgreSQL).
    """

    def __init__(
        self,
        read_engine: AsyncEngine,
        write_engine: AsyncEngine,
        lock: asyncio.Lock | None,
        *,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._read_engine = read_engine
        self._write_engine = write_engine
        self._lock = lock
        self._max_batch = max_batch
        self._observers: list[AppendObserver] = []
        self._postgres = write_engine.dialect.name == "postgresql"
        # SQLite's batches: the writer's own connection and thread, and its statements.
        self._sqlite = (
            None
            if self._postgres
            else SqliteThread(
                without_autocheckpoint(connect_sqlite(write_engine)), "helpline-sqlite-appends"
            )
        )
        # Its WAL checkpoints run beside it, not inside its commits (wal_checkpoints.py).
        self._checkpoints = None if self._postgres else WalCheckpoints(connect_sqlite(write_engine))
        self._statements: SqliteStatements | None = None
        # PostgreSQL's batches: the writer's own connection, checked out of the pool.
        self._pg = PostgresBatches(write_engine) if self._postgres else None
        self._pending: deque[_Request] = deque()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def append(
        self, session_id: int, draft: EventDraft, now: datetime, *, require_open: bool = False
    ) -> Appended:
        loop = asyncio.get_running_loop()
        wake = self._running(loop)
        future: asyncio.Future[Appended] = loop.create_future()
        self._pending.append(_Request(session_id, draft, now, future, require_open))
        wake.set()
        return await future

    async def close(self) -> None:
        """Save everything queued, then stop the writer (a later append starts it
        again)."""
        task = self._task
        if task is not None and not task.done():
            self._closing = True
            assert self._wake is not None
            self._wake.set()
            if task.get_loop() is asyncio.get_running_loop():
                await task
        if self._checkpoints is not None:
            await self._checkpoints.close()
        if self._sqlite is not None:
            await self._sqlite.close()
        if self._pg is not None:
            await self._pg.close()

    def _running(self, loop: asyncio.AbstractEventLoop) -> asyncio.Event:
        task = self._task
        if task is not None and not task.done() and task.get_loop() is loop:
            assert self._wake is not None
            return self._wake
        if task is not None and task.get_loop() is not loop:
            # The store moved to another event loop (tests do this); whatever waits on
            # the old loop cannot be answered from this one.
            self._pending = deque()
        self._wake = asyncio.Event()
        self._closing = False
        self._task = loop.create_task(self._run(self._wake), name="helpline-append-writer")
        return self._wake

    async def _run(self, wake: asyncio.Event) -> None:
        batch: list[_Request] = []
        try:
            while True:
                if not self._pending:
                    if self._closing:
                        return
                    wake.clear()
                    await wake.wait()
                    continue
                batch = self._take()
                if batch:
                    try:
                        await self._write(batch)
                    except Exception as exc:
                        # A bug, not a database error (those answer their callers):
                        # answer this batch with it and keep serving the others.
                        for request in batch:
                            request.outcome = exc
                            _answer(request)
                    batch = []
        except BaseException:
            # Only cancellation gets here (the event loop is going away): nobody will
            # be answered, so say so rather than leave callers waiting.
            for request in [*batch, *self._pending]:
                request.future.cancel()
            self._pending.clear()
            raise

    def _take(self) -> list[_Request]:
        batch: list[_Request] = []
        pending = self._pending
        while pending and len(batch) < self._max_batch:
            request = pending.popleft()
            # A caller cancelled before its batch was taken was promised nothing.
            if not request.future.done():
                batch.append(request)
        return batch

    async def _write(
        self, requests: Sequence[_Request], *, again: bool = False, careful: bool = False
    ) -> None:
        """Save ``requests`` and answer them. ``careful``: as one transaction that
        looks their keys up, never in one statement; ``again``: carefully, after an
        IntegrityError (not tried a third time)."""
        try:
            undecided = await self._commit(requests, careful=careful or again)
        except Uncommitted as failed:
            if self._postgres and isinstance(failed.__cause__, IntegrityError) and not again:
                # Another process committed one of these client ids after this batch
                # looked them up (it waited for that commit to fail): looked up again,
                # the key is found.
                await self._write(requests, again=True)
                return
            if len(requests) > 1:
                await self._without_faults(requests)
                return
            (request,) = requests
            request.outcome = await self._alone_failed(request, failed)
        except Exception as exc:
            # Connecting, BEGIN or COMMIT failed: the batch's fate is unknown or
            # shared by all, as a single append's was before.
            for request in requests:
                request.outcome = exc
        else:
            if undecided:
                # A one-statement batch saved the others; these sessions' rows were not
                # as the writer knew them, or they hold a resend: a careful batch.
                for request in requests:
                    if request.outcome is not None:
                        _answer(request)
                await self._write(undecided, careful=True)
                return
        for request in requests:
            _answer(request)

    async def _without_faults(self, requests: Sequence[_Request]) -> None:
        """A batch could not be saved. The appends whose content cannot be stored fail
        alone and the rest are saved again as one batch; if none is found at fault,
        each append is saved alone, so only the one at fault fails."""
        faults, rest = unstorable_apart(requests)
        if not faults:
            for request in requests:
                await self._write([request])
            return
        for request, fault in faults:
            request.outcome = fault
            _answer(request)
        if rest:
            await self._write(rest)

    async def _alone_failed(self, request: _Request, failed: Uncommitted) -> Appended | Exception:
        error = alone_failure(request, failed)
        if isinstance(error, IntegrityError) and request.key is not None:
            # On PostgreSQL a resend in another process won the race for this key.
            try:
                stored = await self._stored(request.key)
            except Exception:
                return error
            if stored is not None:
                return Appended(stored, created=False)
        return error

    async def _stored(self, key: Key) -> Event | None:
        session_id, author_key, client_id = key
        async with self._read_engine.connect() as conn:
            row = (
                await conn.execute(
                    select(events).where(
                        events.c.session_id == session_id,
                        events.c.author_key == author_key,
                        events.c.client_id == client_id,
                    )
                )
            ).first()
        return None if row is None else event_from_row(row)

    @contextlib.asynccontextmanager
    async def _write_locked(self) -> AsyncIterator[None]:
        if self._lock is None:
            yield
            return
        async with self._lock:
            yield

    def watch(self, observer: AppendObserver) -> None:
        """Tell ``observer`` of every batch from now on (observer.py)."""
        self._observers.append(observer)

    async def _commit(
        self, requests: Sequence[_Request], *, careful: bool = False
    ) -> list[_Request]:
        """One batch to the database; returns the requests it left undecided (a
        one-statement batch's sessions that did not move), which are no part of it."""
        batch = Batch(requests)
        undecided: list[_Request] = []
        async with self._write_locked():
            for observer in self._observers:
                observer.committing(len(requests))
            started = time.perf_counter()
            one_statement = False
            if self._pg is not None:
                one_statement = not careful and await self._pg.commit_known(batch)
                if one_statement:
                    undecided = [r for r in requests if r.outcome is None]
                else:
                    await self._pg.commit(batch)
            else:
                assert self._sqlite is not None
                if self._statements is None:
                    self._statements = SqliteStatements(self._write_engine.dialect)
                await self._sqlite.call(commit_sqlite, batch, self._statements)
                if self._checkpoints is not None:
                    self._checkpoints.batch_committed()
            took = time.perf_counter() - started
            if self._observers:
                stored = [
                    r.outcome.event
                    for r in requests
                    if isinstance(r.outcome, Appended) and r.outcome.created
                ]
                for observer in self._observers:
                    observer.committed(len(requests) - len(undecided), took, stored, one_statement)
        return undecided


def _answer(request: _Request) -> None:
    future = request.future
    if future.done():  # its caller was cancelled
        return
    outcome = request.outcome
    if isinstance(outcome, Appended):
        future.set_result(outcome)
    elif outcome is not None:
        future.set_exception(outcome)
    else:  # a bug, but never leave a caller waiting
        future.set_exception(RuntimeError("the append writer did not decide this append"))
