"""Webhooks can be switched off and on, without losing their secret or their log.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

``webhooks.enabled``: true for every endpoint added before (they were all on). A
switched-off endpoint is sent no new calls, and its waiting ones are given up.
Reversible.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "webhooks",
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
    )


def downgrade() -> None:
    # SQLite cannot drop a column in place: batch mode copies the table without it.
    with op.batch_alter_table("webhooks") as batch:
        batch.drop_column("enabled")
