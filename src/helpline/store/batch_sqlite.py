"""One group-commit batch on SQLite, run whole on the append writer's own connection.

Through SQLAlchemy's async engine a batch would cost about 19 hand-offs to aiosqlite's
connection thread per append (each statement through the greenlet adapter). Here the
whole transaction, BEGIN IMMEDIATE to COMMIT, is ONE function, ``commit_sqlite``, that
the append writer runs on its own ``sqlite3`` connection in that connection's thread
(``sqlite_thread.SqliteThread``), so a batch costs ONE hand-off and the event loop runs
on during the fsync. The statements are compiled once by SQLAlchemy and values
converted by the columns' own SQLAlchemy types (``prepared.Prepared``, which the
store's reads use too), so rows are stored exactly as the rest of the store stores
them. What the transaction
does is the ``batch_plan.Batch``'s; this module only asks the database. The writer
holds the store's SQLite write lock around it.
"""

from __future__ import annotations

import contextlib
import sqlite3

from sqlalchemy import Integer, bindparam, case, insert, select, update
from sqlalchemy.engine import Dialect

from helpline.domain.events import Event
from helpline.store.batch_plan import ENDED, Batch, Bumped, Key, Uncommitted
from helpline.store.prepared import Prepared
from helpline.store.rows import event_from_row, event_values, searchable_text
from helpline.store.search_table import session_search
from helpline.store.tables import events, sessions


class SqliteStatements:
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
                    (sessions.c.status == ENDED, bindparam("if_ended", type_=Integer)),
                    else_=bindparam("if_open", type_=Integer),
                )
            )
            .returning(
                sessions.c.last_seq,
                sessions.c.status,
                sessions.c.public_id,
                sessions.c.chain_head,
                sessions.c.chain_salt,
            ),
            dialect,
        )
        self.set_head = Prepared(
            update(sessions)
            .where(sessions.c.id == bindparam("session_id"))
            .values(chain_head=bindparam("head")),
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


def commit_sqlite(raw: sqlite3.Connection, batch: Batch, sql: SqliteStatements) -> None:
    """One batch, BEGIN IMMEDIATE to COMMIT, in the writer connection's thread.
    Staging that fails is rolled back and raised as ``Uncommitted``."""
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
            bumped: dict[int, Bumped] = {}
            for session_id, (if_open, if_ended) in batch.count_new(existing).items():
                values = {"session_id": session_id, "if_open": if_open, "if_ended": if_ended}
                row = cursor.execute(sql.bump.sql, sql.bump.params(values)).fetchone()
                if row is not None:
                    last_seq, status, public_id, head, salt = sql.bump.row(row)
                    bumped[session_id] = Bumped(int(last_seq), status, public_id, head, salt)
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
                cursor.executemany(
                    sql.set_head.sql,
                    [
                        sql.set_head.params({"session_id": session_id, "head": head})
                        for session_id, head in batch.heads.items()
                    ],
                )
        except Exception as exc:
            cursor.execute("ROLLBACK")
            raise Uncommitted from exc
        try:
            cursor.execute("COMMIT")
        except Exception:
            # A failed COMMIT may leave the transaction open; never leave the
            # connection inside one for the next batch.
            if raw.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    cursor.execute("ROLLBACK")
            raise
    finally:
        cursor.close()
