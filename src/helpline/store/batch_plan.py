"""The plan of one group-commit transaction: pure, no I/O, no database, no event loop.

The append writer (``helpline.store.writer``) saves many callers' appends in one
transaction. What that transaction must do is decided here, apart from how it runs, so
the rules are stated once for both ways of running it (``batch_sqlite`` on SQLite's
raw connection, ``batch_postgres`` on PostgreSQL's asyncpg connection) and tested without a database
(tests/unit/test_batch_plan.py):

- which appends go together: a ``Batch`` plans one transaction over some ``Append``s;
- idempotent resends: an append whose (session, author key, client id) is already in
  the log is answered with the stored event and ``created=False``; a key repeated
  within the batch makes one event, and its repeats get that event;
- seqs: each session's ``last_seq`` is raised once by the number of its new events,
  which are numbered consecutively in queue order; with appends made with
  ``require_open``, the UPDATE adds one of two counts, as the status it finds says;
- what fails alone: an unknown session (``NotFound``), an ended one for a guarded
  append (``SessionEnded``), and, once a batch failed, the appends whose content
  cannot be stored (``unstorable``), each answered with its own error.

An execution path feeds a ``Batch`` what the database said (the keys found, the
sessions' UPDATE rows) and stores the events it returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from helpline.domain.chain import content_hash, genesis
from helpline.domain.errors import NotFound, SessionEnded
from helpline.domain.events import Event, EventDraft
from helpline.domain.sessions import SessionStatus
from helpline.store.protocol import Appended
from helpline.store.storable import unstorable

# (session id, author key, client id): what makes an append idempotent.
Key = tuple[int, str, str]

# How many new events a batch gives one session: if it is open, and if it has ended.
Added = tuple[int, int]

# The stored ``sessions.status`` of a session that has ended.
ENDED = SessionStatus.ENDED.value


def not_found() -> NotFound:
    return NotFound("There is no such session.")


def ended(public_id: str) -> SessionEnded:
    # Worded like ``helpline.domain.sessions.check_open``: the same refusal, made later.
    return SessionEnded(f"Session {public_id} has ended.")


class Bumped:
    """What the batch's UPDATE of one session said: its new ``last_seq``, whether
    the session had ended (its guarded appends were not counted then), and its chain's
    head before this batch (None: no event yet) and salt (``helpline.domain.chain``)."""

    __slots__ = ("ended", "head", "last_seq", "public_id", "salt", "status")

    def __init__(
        self,
        last_seq: int,
        status: str,
        public_id: str,
        head: str | None = None,
        salt: str | None = None,
    ) -> None:
        self.last_seq = last_seq
        self.status = status
        self.ended = status == ENDED
        self.public_id = public_id
        self.head = head
        self.salt = salt or ""


class Append:
    """One caller's append as a batch sees it; ``outcome`` is what it is answered with
    once the batch is planned (an ``Appended`` or the error it fails with)."""

    __slots__ = ("draft", "event", "key", "now", "outcome", "require_open", "session_id")

    def __init__(
        self, session_id: int, draft: EventDraft, now: datetime, require_open: bool = False
    ) -> None:
        self.session_id = session_id
        self.draft = draft
        self.now = now
        self.require_open = require_open
        self.key: Key | None = (
            None if draft.client_id is None else (session_id, draft.author.key, draft.client_id)
        )
        self.event: Event | None = None
        self.outcome: Appended | Exception | None = None


class Batch:
    """The plan of one transaction over some appends. The two ways of running it feed
    it what the database said."""

    def __init__(self, appends: Sequence[Append]) -> None:
        self.appends = appends
        self._new: list[Append] = []
        self._twins: list[tuple[Append, Append]] = []
        self._counts: dict[int, Added] = {}
        # Each session's chain head after ``assign``: what its row is to say.
        self.heads: dict[int, str] = {}

    def lookup_keys(self) -> list[Key]:
        """The idempotency keys to look up in the log, each once."""
        return list(dict.fromkeys(a.key for a in self.appends if a.key is not None))

    def count_new(self, existing: Mapping[Key, Event]) -> dict[int, Added]:
        """Decide which appends make new events, given the keys already in the log;
        returns how many new events each session gets, if it is open and if it has
        ended (appends made with ``require_open`` are refused then)."""
        self._new, self._twins, self._counts = [], [], {}
        first: dict[Key, Append] = {}
        for append in self.appends:
            append.event, append.outcome = None, None
            key = append.key
            if key is not None:
                stored = existing.get(key)
                if stored is not None:
                    # Acknowledged before, so answered even if the session ended since.
                    append.outcome = Appended(stored, created=False)
                    continue
                original = first.get(key)
                if original is not None:
                    self._twins.append((append, original))
                    continue
                first[key] = append
            self._new.append(append)
            if_open, if_ended = self._counts.get(append.session_id, (0, 0))
            self._counts[append.session_id] = (
                if_open + 1,
                if_ended + (0 if append.require_open else 1),
            )
        return dict(self._counts)

    def assign(self, bumped: Mapping[int, Bumped]) -> list[Event]:
        """Number the new events and chain them, given what each session's UPDATE
        returned (a session missing here does not exist); returns the events to insert,
        and leaves each session's new chain head in ``heads``."""
        next_seq: dict[int, int] = {}
        heads = self.heads = {}
        for session_id, (if_open, if_ended) in self._counts.items():
            row = bumped.get(session_id)
            if row is not None:
                next_seq[session_id] = row.last_seq - (if_ended if row.ended else if_open) + 1
        created: list[Event] = []
        for append in self._new:
            seq = next_seq.get(append.session_id)
            if seq is None:
                append.outcome = not_found()
                continue
            row = bumped[append.session_id]
            if row.ended and append.require_open:
                append.outcome = ended(row.public_id)
                continue
            next_seq[append.session_id] = seq + 1
            prev = heads.get(append.session_id) or row.head or genesis(row.public_id)
            draft = append.draft
            chain_hash = content_hash(draft, seq, append.now, prev, row.salt)
            heads[append.session_id] = chain_hash
            event = Event.from_draft(draft, append.session_id, seq, append.now, chain_hash)
            append.event = event
            append.outcome = Appended(event, created=True)
            created.append(event)
        for append, original in self._twins:
            if original.event is not None:
                append.outcome = Appended(original.event, created=False)
            elif isinstance(original.outcome, SessionEnded):
                append.outcome = SessionEnded(original.outcome.message)
            else:
                append.outcome = not_found()
        return created


class Uncommitted(Exception):
    """Staging a batch failed and its transaction was rolled back: nothing was saved.
    The cause is the original error."""


_A = TypeVar("_A", bound=Append)


def unstorable_apart(appends: Sequence[_A]) -> tuple[list[tuple[_A, Exception]], list[_A]]:
    """After a batch failed: the appends whose content cannot be stored, each with its
    error (they fail alone), and the rest, in queue order, to save again as one batch.
    With none at fault, the rest is every append, and each is saved alone instead."""
    faults: list[tuple[_A, Exception]] = []
    rest: list[_A] = []
    for append in appends:
        fault = unstorable(append.draft)
        if fault is None:
            rest.append(append)
        else:
            faults.append((append, fault))
    return faults, rest


def alone_failure(append: Append, failed: Uncommitted) -> Exception:
    """What an append whose batch of one failed is answered with: why its content
    cannot be stored if it cannot, else the database's error."""
    cause = failed.__cause__
    return unstorable(append.draft) or (cause if isinstance(cause, Exception) else failed)
