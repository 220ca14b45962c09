"""The tables of the customer's presence and the Helpline agent's attach links.

Why this exists: these two serve the customer's connection rather than the
conversation (``presence.py`` and ``agent_links.py`` are their only writers), and
keeping them apart keeps ``tables.py`` short. They are registered in the same
``metadata`` and re-exported by ``tables``, so Alembic and every query see one schema.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, String, Table

from helpline.store.columns import UtcDateTime, metadata

customer_presence = Table(
    "customer_presence",
    metadata,
    # One mark per session and server process holding customer sockets of it, renewed
    # every heartbeat; a mark not renewed is a dead process's (domain/presence.py).
    Column(
        "session_id",
        Integer,
        ForeignKey("sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("node", String(32), primary_key=True),
    Column("seen_at", UtcDateTime, nullable=False),
    Index("ix_customer_presence_node", "node"),
    Index("ix_customer_presence_seen_at", "seen_at"),
)

agent_links = Table(
    "agent_links",
    metadata,
    # One link per session: a new one replaces the last.
    Column(
        "session_id",
        Integer,
        ForeignKey("sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # SHA-256 of the link's secret; the secret itself is never stored.
    Column("secret_hash", LargeBinary, nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
)
