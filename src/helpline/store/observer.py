"""What the store tells whoever watches its appends: each batch it takes to the
database and how long the commit took.

Why a seam of its own: the server's metrics count batches and commit times, and the
store's tests wait for a batch to reach the database, without either reaching into
the append writer's internals. Observers are called on the event loop, between the
writer's own steps: they must be quick and must not raise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from helpline.domain.events import Event


class AppendObserver(Protocol):
    def committing(self, size: int) -> None:
        """A batch of ``size`` appends goes to the database now. An observer that
        raises here fails the batch as a bug in the writer would: its callers get the
        error and the writer goes on with the next batch."""

    def committed(
        self, size: int, seconds: float, stored: Sequence[Event], one_statement: bool
    ) -> None:
        """That batch is committed, ``seconds`` after it went; ``stored`` are the
        events it added to the log, in the order they were appended; ``one_statement``:
        saved in one statement, as the writer knew its sessions' rows (on PostgreSQL;
        ``size`` then counts only the appends it saved, the others go in a batch of
        their own)."""
