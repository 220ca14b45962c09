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

SQLite: the writer holds the store's write lock (the one its other writes take), and
runs the whole transaction, BEGIN IMMEDIATE to COMMIT, as ONE function call in
aiosqlite's connection thread on the raw ``sqlite3`` connection (statements compiled
once by SQLAlchemy, values converted by the columns' own SQLAlchemy types: the
``Prepared`` statements that the store's reads use too), so a batch
costs ONE thread hand-off instead of 19 per append, and the event loop runs on during
the fsync. The connection is the writer's own (``reader.RawSqlite``): taken from the
engine's pool, so configured as every other (WAL, ``synchronous=FULL``, foreign keys,
busy timeout), then detached, since checking a pooled one out and back in (with its
ROLLBACK) cost more hand-offs than the batch itself.

PostgreSQL (and SQLite should aiosqlite lack the hooks used above): the same plan as
SQLAlchemy Core statements on an ``AsyncConnection``: the client-id lookup, one
``UPDATE sessions ... RETURNING`` for all the batch's sessions and two multi-row
INSERTs, as many round trips as one append took before. Several server processes
write concurrently: the UPDATE locks its rows in id order (a locking sub-SELECT ``ORDER
BY id FOR UPDATE``), so two batches cannot deadlock, and the row locks order the seqs.
A resend saved by another process between this batch's lookup and its INSERT makes
the INSERT fail on the unique (session, author key, client id) once that process
commits; the batch is then rolled back and tried again, and the lookup finds it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    bindparam,
    case,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from helpline.domain.errors import NotFound, SessionEnded
from helpline.domain.events import Event, EventDraft
from helpline.domain.sessions import SessionStatus
from helpline.store.protocol import Appended
from helpline.store.reader import Prepared, RawSqlite
from helpline.store.rows import event_from_row, event_values, searchable_text
from helpline.store.storable import unstorable
from helpline.store.tables import events, session_search, sessions

# Appends saved by one transaction at most: bounds a transaction's time (and the wait of
# a write queued behind it) and the statement sizes.
MAX_BATCH = 256

# SQLite batches run on the raw driver connection in aiosqlite's thread; False makes
# them go through SQLAlchemy Core like PostgreSQL's (for tests, or should an aiosqlite
# release break the way in).
USE_RAW_SQLITE = True

# (session id, author key, client id): what makes an append idempotent.
Key = tuple[int, str, str]

# How many new events a batch gives one session: if it is open, and if it has ended.
Added = tuple[int, int]


# The stored ``sessions.status`` of a session that has ended.
_ENDED = SessionStatus.ENDED.value


def _not_found() -> NotFound:
    return NotFound("There is no such session.")


def _ended(public_id: str) -> SessionEnded:
    # Worded like ``helpline.domain.sessions.check_open``: the same refusal, made later.
    return SessionEnded(f"Session {public_id} has ended.")


class _Bumped:
    """What the batch's UPDATE of one session said: its new ``last_seq``, and whether
    the session had ended (its guarded appends were not counted then)."""

    __slots__ = ("ended", "last_seq", "public_id")

    def __init__(self, last_seq: int, status: str, public_id: str) -> None:
        self.last_seq = last_seq
        self.ended = status == _ENDED
        self.public_id = public_id


class _Request:
    """One caller's append, waiting for its batch."""

    __slots__ = (
        "draft",
        "event",
        "future",
        "key",
        "now",
        "outcome",
        "require_open",
        "session_id",
    )

    def __init__(
        self,
        session_id: int,
        draft: EventDraft,
        now: datetime,
        future: asyncio.Future[Appended],
        require_open: bool = False,
    ) -> None:
        self.session_id = session_id
        self.draft = draft
        self.now = now
        self.future = future
        self.require_open = require_open
        self.key: Key | None = (
            None if draft.client_id is None else (session_id, draft.author.key, draft.client_id)
        )
        self.event: Event | None = None
        self.outcome: Appended | Exception | None = None


class _Batch:
    """The plan of one transaction over some requests. No I/O: the two ways of running
    it (raw SQLite, SQLAlchemy Core) feed it what the database said."""

    def __init__(self, requests: Sequence[_Request]) -> None:
        self.requests = requests
        self._new: list[_Request] = []
        self._twins: list[tuple[_Request, _Request]] = []
        self._counts: dict[int, Added] = {}

    def session_ids(self) -> list[int]:
        return sorted({r.session_id for r in self.requests})

    def lookup_keys(self) -> list[Key]:
        """The idempotency keys to look up in the log, each once."""
        return list(dict.fromkeys(r.key for r in self.requests if r.key is not None))

    def count_new(self, existing: Mapping[Key, Event]) -> dict[int, Added]:
        """Decide which requests make new events, given the keys already in the log;
        returns how many new events each session gets, if it is open and if it has
        ended (appends made with ``require_open`` are refused then)."""
        self._new, self._twins, self._counts = [], [], {}
        first: dict[Key, _Request] = {}
        for request in self.requests:
            request.event, request.outcome = None, None
            key = request.key
            if key is not None:
                stored = existing.get(key)
                if stored is not None:
                    # Acknowledged before, so answered even if the session ended since.
                    request.outcome = Appended(stored, created=False)
                    continue
                original = first.get(key)
                if original is not None:
                    self._twins.append((request, original))
                    continue
                first[key] = request
            self._new.append(request)
            if_open, if_ended = self._counts.get(request.session_id, (0, 0))
            self._counts[request.session_id] = (
                if_open + 1,
                if_ended + (0 if request.require_open else 1),
            )
        return dict(self._counts)

    def assign(self, bumped: Mapping[int, _Bumped]) -> list[Event]:
        """Number the new events, given what each session's UPDATE returned (a session
        missing here does not exist); returns the events to insert."""
        next_seq: dict[int, int] = {}
        for session_id, (if_open, if_ended) in self._counts.items():
            row = bumped.get(session_id)
            if row is not None:
                next_seq[session_id] = row.last_seq - (if_ended if row.ended else if_open) + 1
        created: list[Event] = []
        for request in self._new:
            seq = next_seq.get(request.session_id)
            if seq is None:
                request.outcome = _not_found()
                continue
            row = bumped[request.session_id]
            if row.ended and request.require_open:
                request.outcome = _ended(row.public_id)
                continue
            next_seq[request.session_id] = seq + 1
            event = Event.from_draft(request.draft, request.session_id, seq, request.now)
            request.event = event
            request.outcome = Appended(event, created=True)
            created.append(event)
        for request, original in self._twins:
            if original.event is not None:
                request.outcome = Appended(original.event, created=False)
            elif isinstance(original.outcome, SessionEnded):
                request.outcome = SessionEnded(original.outcome.message)
            else:
                request.outcome = _not_found()
        return created


class _Uncommitted(Exception):
    """Staging a batch failed and its transaction was rolled back: nothing was saved.
    The cause is the original error."""


class AppendWriter:
    """The queue and writer task behind ``SqlStore.append``.

    ``read_engine`` and ``write_engine`` share one pool (see ``for_writes``); ``lock``
    is the store's SQLite write lock (None on PostgreSQL). ``raw_sqlite`` (default
    ``USE_RAW_SQLITE``) picks SQLite's path.
    """

    def __init__(
        self,
        read_engine: AsyncEngine,
        write_engine: AsyncEngine,
        lock: asyncio.Lock | None,
        *,
        max_batch: int = MAX_BATCH,
        raw_sqlite: bool | None = None,
    ) -> None:
        self._read_engine = read_engine
        self._write_engine = write_engine
        self._lock = lock
        self._max_batch = max_batch
        dialect = write_engine.dialect.name
        self._postgres = dialect == "postgresql"
        self._raw_sqlite = dialect == "sqlite" and (
            USE_RAW_SQLITE if raw_sqlite is None else raw_sqlite
        )
        self._sqlite: _SqliteStatements | None = None
        self._connection = RawSqlite(read_engine)
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
        await self._connection.close()

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

    async def _write(self, requests: Sequence[_Request], *, again: bool = False) -> None:
        try:
            await self._commit(requests)
        except _Uncommitted as failed:
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
        for request in requests:
            _answer(request)

    async def _without_faults(self, requests: Sequence[_Request]) -> None:
        """A batch could not be saved. The appends whose content cannot be stored fail
        alone and the rest are saved again as one batch; if none is found at fault,
        each append is saved alone, so only the one at fault fails."""
        faults = {id(r): fault for r in requests if (fault := unstorable(r.draft)) is not None}
        if not faults:
            for request in requests:
                await self._write([request])
            return
        for request in requests:
            if id(request) in faults:
                request.outcome = faults[id(request)]
                _answer(request)
        rest = [r for r in requests if id(r) not in faults]
        if rest:
            await self._write(rest)

    async def _alone_failed(self, request: _Request, failed: _Uncommitted) -> Appended | Exception:
        cause = failed.__cause__
        error = unstorable(request.draft) or (cause if isinstance(cause, Exception) else failed)
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

    async def _commit(self, requests: Sequence[_Request]) -> None:
        batch = _Batch(requests)
        async with self._write_locked():
            if self._raw_sqlite:
                if self._sqlite is None:
                    self._sqlite = _SqliteStatements(self._write_engine.dialect)
                # The writer's own connection: a pooled one would cost a checkout and a
                # ROLLBACK on return, three more hand-offs to its thread per batch.
                if await self._connection.call(_commit_sqlite, batch, self._sqlite):
                    return
                # This aiosqlite has no way in to its thread: use SQLAlchemy Core.
                self._raw_sqlite = False
            await self._commit_core(batch)

    async def _commit_core(self, batch: _Batch) -> None:
        async with self._write_engine.connect() as conn:
            transaction = await conn.begin()
            try:
                await self._stage_core(conn, batch)
            except Exception as exc:
                await transaction.rollback()
                raise _Uncommitted from exc
            await transaction.commit()

    async def _stage_core(self, conn: AsyncConnection, batch: _Batch) -> None:
        existing: dict[Key, Event] = {}
        keys = batch.lookup_keys()
        if keys:
            if len(keys) == 1:  # the usual batch at rest: the plainest statement
                ((session_id, author_key, client_id),) = keys
                found: tuple[ColumnElement[bool], ...] = (
                    events.c.session_id == session_id,
                    events.c.author_key == author_key,
                    events.c.client_id == client_id,
                )
            else:
                key_columns = (events.c.session_id, events.c.author_key, events.c.client_id)
                found = (tuple_(*key_columns).in_(keys),)
            for row in await conn.execute(select(events).where(*found)):
                existing[(row.session_id, row.author_key, row.client_id)] = event_from_row(row)
        counts = batch.count_new(existing)
        returned = (sessions.c.id, sessions.c.last_seq, sessions.c.status, sessions.c.public_id)
        rows: Any = ()
        if len(counts) == 1:
            ((session_id, added),) = counts.items()
            rows = await conn.execute(
                update(sessions)
                .where(sessions.c.id == session_id)
                .values(last_seq=sessions.c.last_seq + _increment(added))
                .returning(*returned)
            )
        elif counts:
            session_ids: Any = list(counts)
            if self._postgres:
                # Lock the rows in id order, so two processes' batches cannot deadlock.
                session_ids = (
                    select(sessions.c.id)
                    .where(sessions.c.id.in_(session_ids))
                    .order_by(sessions.c.id)
                    .with_for_update()
                )
            increments = {session_id: _increment(added) for session_id, added in counts.items()}
            rows = await conn.execute(
                update(sessions)
                .where(sessions.c.id.in_(session_ids))
                .values(last_seq=sessions.c.last_seq + case(increments, value=sessions.c.id))
                .returning(*returned)
            )
        bumped = {
            int(row.id): _Bumped(int(row.last_seq), row.status, row.public_id) for row in rows
        }
        created = batch.assign(bumped)
        if not created:
            return
        await conn.execute(insert(events), [event_values(event) for event in created])
        searchable = [
            {"session_id": event.session_id, "content": body_text}
            for event in created
            if (body_text := searchable_text(event))
        ]
        if searchable:
            await conn.execute(insert(session_search), searchable)


def _increment(added: Added) -> Any:
    """What a batch adds to one session's ``last_seq``: with guarded appends, decided by
    the status the UPDATE finds (the latest committed one, under the row's lock)."""
    if_open, if_ended = added
    if if_open == if_ended:
        return if_open
    return case((sessions.c.status == _ENDED, if_ended), else_=if_open)


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


# SQLite, on the raw connection ---------------------------------------------------------


class _SqliteStatements:
    """The batch's statements, prepared for SQLite once (with the columns' own
    conversions, so values are stored exactly as the rest of the store stores them)."""

    def __init__(self, dialect: Dialect) -> None:
        self.find = Prepared(
            select(events).where(
                events.c.session_id == bindparam("session_id"),
                events.c.author_key == bindparam("author_key"),
                events.c.client_id == bindparam("client_id"),
            ),
            dialect,
        )
        self.bump = Prepared(
            update(sessions)
            .where(sessions.c.id == bindparam("session_id"))
            .values(
                last_seq=sessions.c.last_seq
                + case(
                    (sessions.c.status == _ENDED, bindparam("if_ended", type_=Integer)),
                    else_=bindparam("if_open", type_=Integer),
                )
            )
            .returning(sessions.c.last_seq, sessions.c.status, sessions.c.public_id),
            dialect,
        )
        self.insert_event = Prepared(
            insert(events),
            dialect,
            column_keys=[column.name for column in events.c if column.name != "id"],
        )
        self.insert_search = Prepared(
            insert(session_search), dialect, column_keys=["session_id", "content"]
        )


def _commit_sqlite(raw: sqlite3.Connection, batch: _Batch, sql: _SqliteStatements) -> bool:
    """One batch, BEGIN IMMEDIATE to COMMIT, in aiosqlite's connection thread; True once
    committed."""
    cursor = raw.cursor()
    try:
        cursor.execute("BEGIN IMMEDIATE")
        try:
            existing: dict[Key, Event] = {}
            for key in batch.lookup_keys():
                session_id, author_key, client_id = key
                found = cursor.execute(
                    sql.find.sql,
                    sql.find.params(
                        {"session_id": session_id, "author_key": author_key, "client_id": client_id}
                    ),
                ).fetchone()
                if found is not None:
                    existing[key] = event_from_row(sql.find.row(found))
            bumped: dict[int, _Bumped] = {}
            for session_id, (if_open, if_ended) in batch.count_new(existing).items():
                values = {"session_id": session_id, "if_open": if_open, "if_ended": if_ended}
                row = cursor.execute(sql.bump.sql, sql.bump.params(values)).fetchone()
                if row is not None:
                    last_seq, status, public_id = sql.bump.row(row)
                    bumped[session_id] = _Bumped(int(last_seq), status, public_id)
            created = batch.assign(bumped)
            if created:
                cursor.executemany(
                    sql.insert_event.sql,
                    [sql.insert_event.params(event_values(event)) for event in created],
                )
                searchable = [
                    sql.insert_search.params({"session_id": event.session_id, "content": body_text})
                    for event in created
                    if (body_text := searchable_text(event))
                ]
                if searchable:
                    cursor.executemany(sql.insert_search.sql, searchable)
        except Exception as exc:
            cursor.execute("ROLLBACK")
            raise _Uncommitted from exc
        try:
            cursor.execute("COMMIT")
        except Exception:
            # A failed COMMIT may leave the transaction open; never hand the
            # connection back to the pool inside one.
            if raw.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    cursor.execute("ROLLBACK")
            raise
        return True
    finally:
        cursor.close()
