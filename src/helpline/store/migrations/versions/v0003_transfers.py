"""Transfers: shared files and consent requests.

Revision ID: 0003
Revises: 0002
Create Date: 2025-03-01

File transfer and consent need state that outlives a connection: which files were
offered in a session, whether the recipient accepted them, where their blobs lie in
the data folder (so the retention sweep can find and remove them), and which consent
requests still wait for the customer's answer. Nothing already stored is touched, and
no search rows are added: the notes these features write go through the usual append,
which indexes their text.

As in 0001, types are spelled out rather than imported from ``helpline.store.tables``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("sender_kind", sa.String(16), nullable=False),
        sa.Column("sender_rep_id", sa.Integer(), nullable=True),
        sa.Column("sender_name", sa.String(80), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("answered_by", sa.Text(), nullable=True),
        sa.Column("stored_as", sa.Text(), nullable=False),
        # No ON DELETE CASCADE: a record that vanished with its session would leave
        # its blob in the data folder with nothing left to name it.
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name="fk_files_session_id_sessions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_files"),
        # Ids appear in the log's notes and in download links, which outlive the
        # records: SQLite must not hand a deleted file's id to a new one.
        sqlite_autoincrement=True,
    )
    op.create_index("ix_files_session_id", "files", ["session_id"])

    op.create_table(
        "consent_requests",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_by_name", sa.String(80), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("answered_at", _when(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_consent_requests_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["representatives.id"],
            name="fk_consent_requests_requested_by_representatives",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_consent_requests"),
    )
    op.create_index("ix_consent_requests_session_id", "consent_requests", ["session_id"])


def downgrade() -> None:
    op.drop_table("consent_requests")
    op.drop_table("files")
