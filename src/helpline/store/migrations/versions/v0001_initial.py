"""The initial schema: representatives, portals, sessions, the event log and codes.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Types are spelled out here rather than imported from ``helpline.store.tables``: a
revision must create the same schema forever, whatever the current code says.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "representatives",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(80), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("preferences", sa.Text(), nullable=False),
        sa.Column(
            "max_concurrent_sessions", sa.Integer(), server_default=sa.text("8"), nullable=False
        ),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_representatives"),
        sa.UniqueConstraint("username", name="uq_representatives_username"),
    )
    op.create_table(
        "logins",
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("expires_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["representatives.id"],
            name="fk_logins_rep_id_representatives",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_logins"),
    )
    op.create_index("ix_logins_rep_id", "logins", ["rep_id"])
    op.create_table(
        "portals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(48), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("fields", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("greeting", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_portals"),
        sa.UniqueConstraint("slug", name="uq_portals_slug"),
    )
    op.create_table(
        "portal_members",
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["portals.id"],
            name="fk_portal_members_portal_id_portals",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["representatives.id"],
            name="fk_portal_members_rep_id_representatives",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("portal_id", "rep_id", name="pk_portal_members"),
    )
    op.create_index("ix_portal_members_rep_id", "portal_members", ["rep_id"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(16), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", _when(), nullable=False),
        sa.Column("customer_name", sa.String(80), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("client_os", sa.String(80), nullable=False),
        sa.Column("client_browser", sa.String(80), nullable=False),
        sa.Column("primary_rep_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", _when(), nullable=True),
        sa.Column("ended_by", sa.String(80), nullable=True),
        sa.Column("last_seq", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name="fk_sessions_portal_id_portals"
        ),
        sa.ForeignKeyConstraint(
            ["primary_rep_id"],
            ["representatives.id"],
            name="fk_sessions_primary_rep_id_representatives",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.UniqueConstraint("public_id", name="uq_sessions_public_id"),
    )
    op.create_index(
        "ix_sessions_status_portal_id_started_at",
        "sessions",
        ["status", "portal_id", "started_at"],
    )
    op.create_table(
        "customer_tokens",
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_customer_tokens_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_customer_tokens"),
    )
    op.create_index("ix_customer_tokens_session_id", "customer_tokens", ["session_id"])
    op.create_table(
        "attendees",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(80), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("masked", sa.Boolean(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("joined_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_attendees_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["representatives.id"], name="fk_attendees_rep_id_representatives"
        ),
        sa.PrimaryKeyConstraint("session_id", "rep_id", name="pk_attendees"),
    )
    op.create_index("ix_attendees_rep_id_present", "attendees", ["rep_id", "present"])
    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("audience_kind", sa.String(16), nullable=False),
        sa.Column("audience_rep_id", sa.Integer(), nullable=True),
        sa.Column("author_kind", sa.String(16), nullable=False),
        sa.Column("author_rep_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(80), nullable=False),
        sa.Column("author_key", sa.String(32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("internal", sa.Text(), nullable=False),
        sa.Column("reveals_masked", sa.Boolean(), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_events_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.UniqueConstraint("session_id", "seq", name="uq_events_session_id_seq"),
        sa.UniqueConstraint(
            "session_id",
            "author_key",
            "client_id",
            name="uq_events_session_id_author_key_client_id",
        ),
    )
    op.create_table(
        "session_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("expires_at", _when(), nullable=False),
        sa.Column("used_at", _when(), nullable=True),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["representatives.id"],
            name="fk_session_codes_rep_id_representatives",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name="fk_session_codes_portal_id_portals"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_session_codes"),
    )
    op.create_index("ix_session_codes_code", "session_codes", ["code"])
    op.create_index("ix_session_codes_rep_id", "session_codes", ["rep_id"])


def downgrade() -> None:
    for table in (
        "session_codes",
        "events",
        "attendees",
        "customer_tokens",
        "sessions",
        "portal_members",
        "portals",
        "logins",
        "representatives",
    ):
        op.drop_table(table)
