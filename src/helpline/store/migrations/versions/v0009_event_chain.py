"""The tamper-evident chain of each session's log (``helpline.domain.chain``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

- ``events.chain_hash``: SHA-256 of the previous event's hash and this event's
  canonical content.
- ``sessions.chain_head``: the newest event's hash, raised with ``last_seq``;
  ``sessions.chain_salt``: a random salt per session.

Every existing session gets a salt, and its events are chained in seq order (one
UPDATE per event: minutes for millions of events, in the one transaction every
migration runs in). Reversible (the columns are dropped).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from helpline.domain.chain import chained, genesis
from helpline.store.columns import JsonText, UtcDateTime
from helpline.store.rows import event_from_row

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables as this revision knows them, with the types that read their values.
_sessions = sa.table(
    "sessions",
    sa.column("id", sa.Integer()),
    sa.column("public_id", sa.String()),
    sa.column("chain_head", sa.String()),
    sa.column("chain_salt", sa.String()),
)
_events = sa.table(
    "events",
    *(
        sa.column(name, sa.Integer())
        for name in ("id", "session_id", "seq", "audience_rep_id", "author_rep_id")
    ),
    sa.column("created_at", UtcDateTime()),
    *(
        sa.column(name, sa.String())
        for name in (
            "kind",
            "audience_kind",
            "author_kind",
            "author_name",
            "client_id",
            "chain_hash",
        )
    ),
    sa.column("body", JsonText()),
    sa.column("internal", JsonText()),
    sa.column("reveals_masked", sa.Boolean()),
)


def upgrade() -> None:
    op.add_column("events", sa.Column("chain_hash", sa.String(64), nullable=True))
    op.add_column("sessions", sa.Column("chain_head", sa.String(64), nullable=True))
    op.add_column("sessions", sa.Column("chain_salt", sa.String(32), nullable=True))
    connection = op.get_bind()
    found = connection.execute(sa.select(_sessions.c.id, _sessions.c.public_id)).all()
    for session_id, public_id in found:
        salt = secrets.token_hex(16)
        prev = genesis(public_id)
        rows = connection.execute(
            sa.select(_events).where(_events.c.session_id == session_id).order_by(_events.c.seq)
        ).all()
        hashes = []
        for row in rows:
            event = chained(event_from_row(row), prev, salt)
            assert event.chain_hash is not None
            prev = event.chain_hash
            hashes.append({"row_id": row.id, "new_hash": prev})
        if hashes:
            connection.execute(
                _events.update()
                .where(_events.c.id == sa.bindparam("row_id"))
                .values(chain_hash=sa.bindparam("new_hash")),
                hashes,
            )
        connection.execute(
            _sessions.update()
            .where(_sessions.c.id == session_id)
            .values(chain_salt=salt, chain_head=prev if hashes else None)
        )


def downgrade() -> None:
    # Dropped in place (SQLite 3.35 and newer can), never by copying the table as
    # batch mode would: with foreign keys on, dropping the old ``sessions`` would
    # delete every row that refers to it (attendees, events, tokens) by cascade.
    op.drop_column("sessions", "chain_salt")
    op.drop_column("sessions", "chain_head")
    op.drop_column("events", "chain_hash")
