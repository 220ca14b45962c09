"""One round trip for a batch over sessions whose rows the writer knows (known_heads.py).

Why this exists: the careful batch (``batch_postgres``) is five round trips, each a
wait on the server's busy event loop and on PostgreSQL, and under load the append
writer spent nearly all its time in them. Here each session's ``last_seq`` and chain
head are what this writer last committed, so the batch is numbered and chained before
anything is sent (by ``batch_plan.Batch``, exactly as the careful batch is, with no
resend found), and ONE statement, outside any transaction, saves it: a session's row
moves only if it still says what the writer expects and none of the batch's keys of
that session is in the log already; only the events of the rows that moved are
inserted. PostgreSQL checks both under the row's lock, so an expectation out of date
costs a miss, never a gap or a broken chain. The appends of a session that did not
move are left undecided (no outcome) for a careful batch, which looks their keys up.

The statement is atomic: it fails whole, and then nothing of it was saved. Only a
connection lost while it ran leaves open whether it committed; the log says: each
session's first new event, at its seq with its chain hash, is there or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpline.domain.events import Event
from helpline.store.batch_plan import ENDED, Batch, Bumped
from helpline.store.batch_postgres_sql import PostgresStatements, search_columns
from helpline.store.known_heads import Head, KnownHeads


async def save_known(
    raw: Any, batch: Batch, known: Mapping[int, Head], heads: KnownHeads, sql: PostgresStatements
) -> None:
    """Save ``batch``, every session of which is in ``known``, in one statement. The
    appends of the sessions whose rows did not move are left without an outcome. Raises
    what the statement raised."""
    counts = batch.count_new({})
    bumped: dict[int, Bumped] = {}
    for session_id, (if_open, _) in counts.items():
        head = known[session_id]
        bumped[session_id] = Bumped(
            head.last_seq + if_open, head.status, head.public_id, head.head, head.salt
        )
    created = batch.assign(bumped)
    if not created:
        return
    keys = batch.lookup_keys()
    key_sessions = [key[0] for key in keys]
    authors = [key[1] for key in keys]
    clients = [key[2] for key in keys]
    session_ids = list(counts)
    search_ids, search_texts = search_columns(created)
    rows = await raw.fetch(
        sql.known,
        key_sessions,
        authors,
        clients,
        session_ids,
        [known[session_id].last_seq for session_id in session_ids],
        [bumped[session_id].last_seq for session_id in session_ids],
        [known[session_id].head for session_id in session_ids],
        [batch.heads[session_id] for session_id in session_ids],
        ENDED,
        *sql.event_columns(created),
        search_ids,
        search_texts,
    )
    moved = {row[0] for row in rows}
    for session_id in session_ids:
        if session_id in moved:
            heads.moved(session_id, bumped[session_id].last_seq, batch.heads[session_id])
    heads.missed(session_id for session_id in session_ids if session_id not in moved)
    leave_undecided(batch, moved)


async def saved_sessions(raw: Any, batch: Batch, sql: PostgresStatements) -> set[int]:
    """After the connection was lost during ``save_known``: the sessions whose new
    events are in the log (each one's first, at its seq with its chain hash)."""
    firsts: dict[int, Event] = {}
    for append in batch.appends:
        event = append.event
        if event is not None and event.session_id not in firsts:
            firsts[event.session_id] = event
    if not firsts:
        return set()
    rows = await raw.fetch(
        sql.saved,
        list(firsts),
        [event.seq for event in firsts.values()],
        [event.chain_hash for event in firsts.values()],
    )
    return {row[0] for row in rows}


def leave_undecided(batch: Batch, moved: set[int]) -> None:
    """Take back the outcome planned for each append of a session that did not move."""
    for append in batch.appends:
        if append.session_id not in moved:
            append.event, append.outcome = None, None
