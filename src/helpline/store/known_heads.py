"""What the append writer last committed to each session's row, so that its next batch
over those sessions can be numbered and chained before anything is sent.

Why this exists: on PostgreSQL a batch took five round trips (BEGIN, the lookup of
resends, the UPDATE that raises ``last_seq`` and returns each chain head, the INSERT,
COMMIT), each a wait on the server's busy event loop and on PostgreSQL. A writer that
knows what it last wrote to a session's row (its ``last_seq`` and chain head) can number
and chain the next events itself and save them in ONE statement, on condition that the
row still says what the writer left there (``batch_postgres_known``). PostgreSQL checks
that condition under the row's lock, so an entry that is out of date costs a miss and
the careful batch, never a gap or a broken chain.

An entry is trusted (``confirmed``) while only this writer moves the row. After a miss
(another server process wrote the session, or a status note was written outside the
writer) the session is saved the careful way until a careful batch finds the row as
this writer left it: two processes that take turns on one session do not pay for a
statement that misses every time. Pure: no I/O, no event loop.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

# Sessions remembered at most; the least recently written are forgotten first. An entry
# is about 200 bytes; a process rarely has this many sessions in conversation at once.
LIMIT = 4096


@dataclass(slots=True)
class Head:
    """A session's row as this writer last committed it."""

    last_seq: int
    head: str | None
    status: str
    public_id: str
    salt: str
    confirmed: bool = True


class KnownHeads:
    """Each open session's row as this writer last committed it, least recently used
    first."""

    def __init__(self, limit: int = LIMIT) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._limit = limit
        self._heads: OrderedDict[int, Head] = OrderedDict()

    def __len__(self) -> int:
        return len(self._heads)

    def get(self, session_id: int) -> Head | None:
        return self._heads.get(session_id)

    def ready(self, session_ids: Iterable[int]) -> dict[int, Head] | None:
        """Every one of these sessions' trusted entries, or None if any is missing or
        not trusted (the batch is then saved the careful way)."""
        found: dict[int, Head] = {}
        heads = self._heads
        for session_id in session_ids:
            head = heads.get(session_id)
            if head is None or not head.confirmed:
                return None
            found[session_id] = head
        for session_id in found:
            heads.move_to_end(session_id)
        return found

    def learned(
        self,
        session_id: int,
        before_seq: int,
        last_seq: int,
        head: str | None,
        status: str,
        public_id: str,
        salt: str,
    ) -> None:
        """A careful batch committed: it found the row at ``before_seq`` and left it at
        ``last_seq`` with chain head ``head``. The entry is trusted if this writer had
        no entry, or if the row was as its entry said (nobody else moved it)."""
        known = self._heads.get(session_id)
        confirmed = known is None or (known.last_seq == before_seq)
        self._put(session_id, Head(last_seq, head, status, public_id, salt, confirmed=confirmed))

    def moved(self, session_id: int, last_seq: int, head: str | None) -> None:
        """A one-statement batch committed: the row moved to ``last_seq`` and ``head``."""
        known = self._heads.get(session_id)
        if known is not None:
            known.last_seq = last_seq
            known.head = head

    def missed(self, session_ids: Iterable[int]) -> None:
        """The row of each was not as its entry said: trust it again only once a
        careful batch finds the row as this writer left it."""
        for session_id in session_ids:
            known = self._heads.get(session_id)
            if known is not None:
                known.confirmed = False

    def forget(self, session_ids: Iterable[int] | None = None) -> None:
        """Drop these entries (all of them, with None): what the rows say is not
        known (a commit whose outcome is unknown, a session that ended)."""
        if session_ids is None:
            self._heads.clear()
            return
        for session_id in session_ids:
            self._heads.pop(session_id, None)

    def _put(self, session_id: int, head: Head) -> None:
        heads = self._heads
        heads[session_id] = head
        heads.move_to_end(session_id)
        while len(heads) > self._limit:
            heads.popitem(last=False)
