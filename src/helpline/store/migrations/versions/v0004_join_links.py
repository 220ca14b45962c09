"""Join links: a session code can be redeemed with a long secret instead of its digits.

Revision ID: 0004
Revises: 0003
Create Date: 2025-04-01

Nine digits can be guessed, so wrong codes are limited, and a server-wide budget of
wrong codes stops joining by code for everyone while someone guesses. A join link
carries a 256-bit secret that cannot be guessed and is therefore not held back by that
budget. Only its SHA-256 is stored, in the code's own row, so the link is single-use
and expires with the code. Codes made before this revision have no link (NULL).

As in 0001, types are spelled out rather than imported from ``helpline.store.tables``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("session_codes", sa.Column("link_hash", sa.LargeBinary(), nullable=True))
    op.create_index("ix_session_codes_link_hash", "session_codes", ["link_hash"])


def downgrade() -> None:
    # SQLite cannot drop a column in place: batch mode copies the table without it.
    with op.batch_alter_table("session_codes") as batch:
        batch.drop_index("ix_session_codes_link_hash")
        batch.drop_column("link_hash")
