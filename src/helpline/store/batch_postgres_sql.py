"""The texts of the append batch's statements on PostgreSQL, and their parameters.

Why this exists: the careful batch (``batch_postgres``) and the one-statement batch
(``batch_postgres_known``) insert the same columns from the same arrays; their texts
and the conversion of events into those arrays are written once, here. Every text is
built once from the tables' own names and types, never from values (those are always
parameters, passed as arrays through ``unnest``), so asyncpg prepares each once per
connection whatever the batch's size; pyproject.toml exempts this module from S608.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Column
from sqlalchemy.engine import Dialect

from helpline.domain.events import Event
from helpline.store.rows import event_values, searchable_text
from helpline.store.search_table import session_search
from helpline.store.tables import events, sessions

Convert = Callable[[Any], Any] | None


class PostgresStatements:
    """The batch's statements, whose text does not depend on the batch, and the
    conversions of the columns' SQLAlchemy types."""

    def __init__(self, dialect: Dialect) -> None:
        def array(n: int, column: Column[Any]) -> str:
            return f"${n}::{column.type.compile(dialect=dialect)}[]"

        key = (events.c.session_id, events.c.author_key, events.c.client_id)
        keys = f"unnest({', '.join(array(n, c) for n, c in enumerate(key, 1))})"

        def stored(what: str) -> str:
            """``what`` of each key's stored event, if it has one: a probe of the
            unique index per key, whatever the plan (LIMIT keeps the subquery apart,
            so PostgreSQL cannot turn it into a join that reads the whole log)."""
            return (
                f"{keys} AS k(session_id, author_key, client_id) CROSS JOIN LATERAL "
                f"(SELECT {what} FROM events AS f WHERE f.session_id = k.session_id "
                "AND f.author_key = k.author_key AND f.client_id = k.client_id LIMIT 1) AS e"
            )

        self.find_columns = list(events.c)
        # The careful batch's lookup of resends: the stored events of the batch's keys.
        self.find = (
            f"SELECT {', '.join(f'e.{c.name}' for c in self.find_columns)} FROM {stored('*')}"
        )
        self.find_readers: list[Convert] = [
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in self.find_columns
        ]
        self.find_row: Any = namedtuple("Row", [c.name for c in self.find_columns])  # type: ignore[misc]

        # Locks the rows in id order before an UPDATE writes any, so two batches over
        # the same sessions cannot deadlock.
        def locked(n: int) -> str:
            return (
                f"(SELECT id FROM sessions WHERE id = ANY(${n}::INTEGER[]) ORDER BY id FOR UPDATE)"
            )

        # The careful batch's UPDATE: raises each session's last_seq by its count of
        # new events (the status it finds says which count) and returns its chain.
        self.bump = (
            "UPDATE sessions AS s SET last_seq = s.last_seq "
            "+ CASE WHEN s.status = $4 THEN d.if_ended ELSE d.if_open END "
            "FROM unnest($1::INTEGER[], $2::integer[], $3::integer[]) "
            "AS d(id, if_open, if_ended) WHERE s.id = d.id AND s.id = ANY($1::INTEGER[]) "
            f"AND s.id IN {locked(1)} "
            "RETURNING s.id, s.last_seq, s.status, s.public_id, s.chain_head, s.chain_salt"
        )

        self.insert_columns = [c for c in events.c if c.name != "id"]
        self.insert_writers: list[Convert] = [
            c.type.dialect_impl(dialect).bind_processor(dialect) for c in self.insert_columns
        ]
        names = ", ".join(c.name for c in self.insert_columns)
        count = len(self.insert_columns)

        def rows_from(first: int) -> str:
            """The events' columns as parameters ``$first`` on, one array each."""
            arrays = ", ".join(array(n, c) for n, c in enumerate(self.insert_columns, first))
            return f"unnest({arrays}) AS e({names})"

        def search_from(first: int) -> str:
            search = (session_search.c.session_id, session_search.c.content)
            arrays = ", ".join(array(n, c) for n, c in enumerate(search, first))
            return f"unnest({arrays}) AS t(session_id, content)"

        heads = (sessions.c.id, sessions.c.chain_head)
        # The careful batch's INSERT: events, the sessions' new chain heads and the
        # search rows in one statement (a data-modifying WITH runs to completion
        # whether or not the main statement reads it). The rows are locked already.
        self.insert = (
            f"WITH saved AS (INSERT INTO events ({names}) SELECT * FROM {rows_from(1)}), "
            "chained AS (UPDATE sessions AS s SET chain_head = h.head FROM unnest("
            f"{', '.join(array(n, c) for n, c in enumerate(heads, count + 1))}) "
            f"AS h(id, head) WHERE s.id = h.id AND s.id = ANY(${count + 1}::INTEGER[])) "
            "INSERT INTO session_search (session_id, content) "
            f"SELECT * FROM {search_from(count + 3)}"
        )

        # The one-statement batch (batch_postgres_known.py), run outside a transaction:
        # a session's row moves only if it is still as this writer left it (its
        # last_seq and chain head, not ended) and none of the batch's keys of that
        # session is in its log already (a resend); only the events and search rows
        # of the sessions that moved are inserted, and their ids come back. Keys are
        # $1-$3 as in ``find``; the rows' expectations $4-$9.
        row = "(id, was_seq, last_seq, was_head, head)"
        seq, head = sessions.c.last_seq, sessions.c.chain_head
        expected_columns = (sessions.c.id, seq, seq, head, head)
        expected = f"unnest({', '.join(array(n, c) for n, c in enumerate(expected_columns, 4))})"
        # The sessions with a resend in the batch, found as ``find`` finds them (a
        # NOT EXISTS per session row was planned as a scan of the log for each).
        resent = f"SELECT k.session_id FROM {stored('1')}"
        self.known = (
            f"WITH resent AS ({resent}), "
            "moved AS (UPDATE sessions AS s SET last_seq = r.last_seq, chain_head = r.head "
            f"FROM {expected} AS r{row} WHERE s.id = r.id AND s.last_seq = r.was_seq "
            "AND s.chain_head IS NOT DISTINCT FROM r.was_head AND s.status <> $9 "
            "AND s.id = ANY($4::INTEGER[]) "
            f"AND s.id IN {locked(4)} AND s.id NOT IN (SELECT session_id FROM resent) "
            "RETURNING s.id), "
            f"saved AS (INSERT INTO events ({names}) SELECT * FROM {rows_from(10)} "
            "WHERE e.session_id IN (SELECT id FROM moved)), "
            "searched AS (INSERT INTO session_search (session_id, content) "
            f"SELECT * FROM {search_from(10 + count)} "
            "WHERE t.session_id IN (SELECT id FROM moved)) "
            "SELECT id FROM moved"
        )
        # Which sessions' events a one-statement batch saved, when its connection was
        # lost before it said: each session's first new event, by seq and chain hash.
        firsts = (events.c.session_id, events.c.seq, events.c.chain_hash)
        self.saved = (
            "SELECT c.session_id FROM unnest("
            f"{', '.join(array(n, c) for n, c in enumerate(firsts, 1))}) "
            "AS c(session_id, seq, chain_hash) CROSS JOIN LATERAL (SELECT 1 FROM events AS e "
            "WHERE e.session_id = c.session_id AND e.seq = c.seq "
            "AND e.chain_hash = c.chain_hash LIMIT 1) AS found"
        )

    def event_columns(self, created: Sequence[Event]) -> list[list[Any]]:
        """The events as the INSERT's arrays, one per column, each value as the
        column's SQLAlchemy type stores it."""
        columns: list[list[Any]] = [[] for _ in self.insert_columns]
        writers = self.insert_writers
        for event in created:
            values = event_values(event)
            for column, values_of, convert in zip(
                self.insert_columns, columns, writers, strict=True
            ):
                value = values[column.name]
                values_of.append(value if convert is None else convert(value))
        return columns


def search_columns(created: Sequence[Event]) -> tuple[list[int], list[str]]:
    """The search rows of the events that have text: their sessions and their texts."""
    searchable = [(event.session_id, text) for event in created if (text := searchable_text(event))]
    return [session_id for session_id, _ in searchable], [text for _, text in searchable]
