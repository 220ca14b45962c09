"""Session tools: outcomes, invitations, team settings, script libraries, history search.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01

Sessions gain an outcome and end-of-session notes. New tables hold invitations and
transfers, team-wide settings, and the categories and scripts of the scripted message
and URL libraries. The history search index is made per dialect (an FTS5 table on
SQLite, a table with a GIN index on PostgreSQL) and filled here from the sessions and
events already stored, so an upgraded database finds old conversations too.

As in 0001, types are spelled out rather than imported from ``helpline.store.tables``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("sessions", sa.Column("outcome", sa.String(16), nullable=True))
    op.add_column(
        "sessions",
        sa.Column("end_notes", sa.Text(), server_default=sa.text("''"), nullable=False),
    )
    op.create_index("ix_sessions_started_at", "sessions", ["started_at"])

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("from_rep_id", sa.Integer(), nullable=False),
        sa.Column("from_name", sa.String(80), nullable=False),
        sa.Column("to_rep_id", sa.Integer(), nullable=True),
        sa.Column("to_portal_id", sa.Integer(), nullable=True),
        sa.Column("masked", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("expires_at", _when(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_invitations_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_rep_id"],
            ["representatives.id"],
            name="fk_invitations_from_rep_id_representatives",
        ),
        sa.ForeignKeyConstraint(
            ["to_rep_id"], ["representatives.id"], name="fk_invitations_to_rep_id_representatives"
        ),
        sa.ForeignKeyConstraint(
            ["to_portal_id"], ["portals.id"], name="fk_invitations_to_portal_id_portals"
        ),
        sa.ForeignKeyConstraint(
            ["answered_by"],
            ["representatives.id"],
            name="fk_invitations_answered_by_representatives",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_invitations"),
    )
    op.create_index("ix_invitations_state_expires_at", "invitations", ["state", "expires_at"])
    op.create_index("ix_invitations_session_id_state", "invitations", ["session_id", "state"])

    op.create_table(
        "team_settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_team_settings"),
    )

    op.create_table(
        "script_categories",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("owner_rep_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_rep_id"],
            ["representatives.id"],
            name="fk_script_categories_owner_rep_id_representatives",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_script_categories"),
    )
    op.create_index(
        "ix_script_categories_kind_owner_rep_id_position",
        "script_categories",
        ["kind", "owner_rep_id", "position"],
    )
    op.create_table(
        "scripts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["script_categories.id"],
            name="fk_scripts_category_id_script_categories",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_scripts"),
    )
    op.create_index("ix_scripts_category_id_position", "scripts", ["category_id", "position"])

    if op.get_bind().dialect.name == "postgresql":
        _create_search_postgresql()
    else:
        _create_search_sqlite()


def _create_search_sqlite() -> None:
    # remove_diacritics 2 folds accents everywhere (1 misses some combined letters);
    # columnsize=0 drops the per-row sizes that only ranking (bm25) would use.
    op.execute(
        "CREATE VIRTUAL TABLE session_search USING fts5("
        "session_id UNINDEXED, content, "
        "tokenize = 'unicode61 remove_diacritics 2', columnsize = 0)"
    )
    op.execute(
        "INSERT INTO session_search (session_id, content) "
        "SELECT id, customer_name || char(10) || query FROM sessions ORDER BY id"
    )
    op.execute(
        "INSERT INTO session_search (session_id, content) "
        "SELECT session_id, json_extract(body, '$.text') FROM events "
        "WHERE json_type(body, '$.text') = 'text' "
        "AND trim(json_extract(body, '$.text')) <> '' "
        "ORDER BY id"
    )


def _create_search_postgresql() -> None:
    op.execute(
        "CREATE TABLE session_search ("
        "id BIGINT GENERATED BY DEFAULT AS IDENTITY CONSTRAINT pk_session_search PRIMARY KEY, "
        "session_id INTEGER NOT NULL CONSTRAINT fk_session_search_session_id_sessions "
        "REFERENCES sessions (id) ON DELETE CASCADE, "
        "content TEXT NOT NULL)"
    )
    # Filled before the indexes exist: building a GIN index once is far cheaper than
    # growing it row by row.
    op.execute(
        "INSERT INTO session_search (session_id, content) "
        "SELECT id, customer_name || chr(10) || query FROM sessions ORDER BY id"
    )
    op.execute(
        "INSERT INTO session_search (session_id, content) "
        "SELECT session_id, body::jsonb ->> 'text' FROM events "
        "WHERE jsonb_typeof(body::jsonb -> 'text') = 'string' "
        "AND btrim(body::jsonb ->> 'text') <> '' "
        "ORDER BY id"
    )
    op.execute("CREATE INDEX ix_session_search_session_id ON session_search (session_id)")
    # The query must spell this expression exactly ('simple'::regconfig, not a bound
    # parameter) for the planner to use the index.
    op.execute(
        "CREATE INDEX ix_session_search_content ON session_search "
        "USING gin (to_tsvector('simple'::regconfig, content))"
    )


def downgrade() -> None:
    op.execute("DROP TABLE session_search")
    for table in ("scripts", "script_categories", "team_settings", "invitations"):
        op.drop_table(table)
    with op.batch_alter_table("sessions") as batch:
        batch.drop_index("ix_sessions_started_at")
        batch.drop_column("end_notes")
        batch.drop_column("outcome")
