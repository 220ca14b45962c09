"""The Helpline agent: the customer's computer in detail, presence, and attach links.

Revision ID: 0005
Revises: 0004
Create Date: 2025-05-01

- ``sessions`` gains what the agent reports of the customer's computer (kernel,
  architecture, host name, user: '' for sessions made before, and for browsers), what
  the customer uses (``client_app``: every earlier session was a browser's), and
  whether the customer is online (false: nobody is connected while migrating).
- ``customer_presence`` holds one mark per session and server process that has the
  customer's sockets, renewed every heartbeat, so "online" holds across processes and
  outlives none of them (docs/architecture.md).
- ``agent_links`` holds the hash of the one live attach link of a session.

Reversible: ``downgrade`` drops exactly what ``upgrade`` adds. As in 0001, types are
spelled out rather than imported from ``helpline.store.tables``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DETAILS = ("client_kernel", "client_arch", "client_host", "client_user")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    for name in _DETAILS:
        op.add_column(
            "sessions",
            sa.Column(name, sa.String(80), server_default=sa.text("''"), nullable=False),
        )
    op.add_column(
        "sessions",
        sa.Column("client_app", sa.String(16), server_default=sa.text("'browser'"), nullable=False),
    )
    op.add_column(
        "sessions",
        sa.Column("customer_online", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )

    op.create_table(
        "customer_presence",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("node", sa.String(32), nullable=False),
        sa.Column("seen_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_customer_presence_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "node", name="pk_customer_presence"),
    )
    op.create_index("ix_customer_presence_node", "customer_presence", ["node"])
    op.create_index("ix_customer_presence_seen_at", "customer_presence", ["seen_at"])

    op.create_table(
        "agent_links",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("expires_at", _when(), nullable=False),
        sa.Column("used_at", _when(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_agent_links_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name="pk_agent_links"),
        sa.UniqueConstraint("secret_hash", name="uq_agent_links_secret_hash"),
    )


def downgrade() -> None:
    op.drop_table("agent_links")
    op.drop_index("ix_customer_presence_seen_at", table_name="customer_presence")
    op.drop_index("ix_customer_presence_node", table_name="customer_presence")
    op.drop_table("customer_presence")
    # Dropped in place (SQLite 3.35 and newer can), never by copying the table as
    # batch mode would: with foreign keys on, dropping the old ``sessions`` would
    # delete every row that refers to it (attendees, events, tokens) by cascade.
    for name in ("customer_online", "client_app", *reversed(_DETAILS)):
        op.drop_column("sessions", name)
