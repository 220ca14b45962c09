"""The tables of webhooks: the endpoints managers added, and every call made to them.

Why apart: these are the team's integration with its ticketing system, not part of a
session's conversation. Registered in the same ``metadata`` and re-exported by
``tables``, so Alembic and every query see one schema.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, text

from helpline.store.columns import JsonText, UtcDateTime, metadata

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    # The event names it is sent, as a JSON list.
    Column("events", JsonText, nullable=False),
    # None: every portal's sessions, and sessions started from a session code.
    Column("portal_id", Integer, ForeignKey("portals.id", ondelete="CASCADE"), nullable=True),
    Column("secret", Text, nullable=False),
    # False: switched off by a manager; no new calls, waiting ones given up.
    Column("enabled", Boolean, nullable=False, server_default=text("true")),
    Column("created_by", Integer, ForeignKey("representatives.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    sqlite_autoincrement=True,
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "webhook_id",
        Integer,
        ForeignKey("webhooks.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event", String(32), nullable=False),
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    # When it may be tried (again); a dispatcher claims it by moving this on.
    Column("due_at", UtcDateTime, nullable=False),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    sqlite_autoincrement=True,
)
Index("ix_webhook_deliveries_due", webhook_deliveries.c.state, webhook_deliveries.c.due_at)
Index("ix_webhook_deliveries_webhook_id", webhook_deliveries.c.webhook_id)
# Finds an earlier call of the same session to the same endpoint: calls go in order.
Index(
    "ix_webhook_deliveries_session",
    webhook_deliveries.c.webhook_id,
    webhook_deliveries.c.session_id,
)
