"""What the agent does on the customer's computer: tasks and diagnostics reports.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

- ``session_tasks`` holds the named actions with administrator rights a representative
  asked the agent for (restart the computer, a service; elevated diagnostics; unlock
  the screen) and how far each got.
- ``diagnostics`` holds the system information reports customers sent, for the
  representatives of the session only.

Consent requests need no change: ``state`` is a short string, and a revoked grant is
one more value of it. Reversible; types are spelled out as in 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "session_tasks",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("service", sa.Text(), nullable=True),
        sa.Column("runner", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_by_name", sa.String(80), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("finished_at", _when(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_session_tasks_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["representatives.id"],
            name="fk_session_tasks_requested_by_representatives",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_session_tasks"),
    )
    op.create_index("ix_session_tasks_session_id", "session_tasks", ["session_id"])
    op.create_table(
        "diagnostics",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("task_id", sa.Text(), nullable=True),
        sa.Column("elevated", sa.Boolean(), nullable=False),
        sa.Column("sections", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_diagnostics_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_diagnostics"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_diagnostics_session_id", "diagnostics", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_diagnostics_session_id", table_name="diagnostics")
    op.drop_table("diagnostics")
    op.drop_index("ix_session_tasks_session_id", table_name="session_tasks")
    op.drop_table("session_tasks")
