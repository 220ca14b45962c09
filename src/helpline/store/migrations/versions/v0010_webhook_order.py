"""An index that keeps each endpoint's calls for one session in order, cheaply.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

A due call waits while an earlier call of the same session to the same endpoint is
still waiting (``store/webhooks.py``); ``ix_webhook_deliveries_session`` on
``(webhook_id, session_id)`` finds that earlier call without reading the endpoint's
whole delivery log. Reversible.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_webhook_deliveries_session",
        "webhook_deliveries",
        ["webhook_id", "session_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_session", table_name="webhook_deliveries")
