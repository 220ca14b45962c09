"""The schema, as SQLAlchemy Core tables: the one description the queries are written against.

The Alembic migrations create the same tables with explicit ``op.create_table`` calls
(a migration must not change when this file does); an integration test checks that the
two agree. The one exception is the history search index, whose shape differs per
dialect: it is described at the end of this file, outside ``metadata``. Enumerations
are stored as short strings and structured values as JSON text, so both SQLite and
PostgreSQL hold exactly the same thing (the types and ``metadata`` are in
``columns.py``; the presence and agent-link tables in ``agent_tables.py``, tasks and
diagnostics reports in ``computer_tables.py``, re-exported
here so that this module still names the whole schema).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from helpline.store.agent_tables import agent_links, customer_presence
from helpline.store.columns import BigId, JsonText, UtcDateTime, metadata
from helpline.store.computer_tables import diagnostics, session_tasks
from helpline.store.webhook_tables import webhook_deliveries, webhooks

# The agent's tables live in ``agent_tables``; they are named here too, so that
# importing this module (as Alembic's env does) registers every table in ``metadata``.
__all__ = [
    "agent_links",
    "attendees",
    "consent_requests",
    "customer_presence",
    "customer_tokens",
    "diagnostics",
    "events",
    "files",
    "invitations",
    "logins",
    "metadata",
    "portal_members",
    "portals",
    "representatives",
    "script_categories",
    "scripts",
    "session_codes",
    "session_tasks",
    "sessions",
    "team_settings",
    "webhook_deliveries",
    "webhooks",
]

representatives = Table(
    "representatives",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(32), nullable=False, unique=True),
    Column("display_name", String(80), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("preferences", JsonText, nullable=False),
    Column("max_concurrent_sessions", Integer, nullable=False, server_default=text("8")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", UtcDateTime, nullable=False),
)

logins = Table(
    "logins",
    metadata,
    Column("token_hash", LargeBinary, primary_key=True),
    Column(
        "rep_id",
        Integer,
        ForeignKey("representatives.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

portals = Table(
    "portals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(48), nullable=False, unique=True),
    Column("name", String(80), nullable=False),
    # Comma-separated ``PortalField`` values, in the order the form shows them.
    Column("fields", Text, nullable=False, server_default=text("''")),
    Column("greeting", Text, nullable=False, server_default=text("''")),
)

portal_members = Table(
    "portal_members",
    metadata,
    Column(
        "portal_id",
        Integer,
        ForeignKey("portals.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "rep_id",
        Integer,
        ForeignKey("representatives.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # The primary key serves lookups by portal; this one serves "portals of a rep".
    Index("ix_portal_members_rep_id", "rep_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("public_id", String(16), nullable=False, unique=True),
    Column("portal_id", Integer, ForeignKey("portals.id"), nullable=True),
    Column("status", String(16), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("customer_name", String(80), nullable=False),
    Column("query", Text, nullable=False),
    Column("client_os", String(80), nullable=False),
    Column("client_browser", String(80), nullable=False),
    # What the Helpline agent reports of the customer's computer ('' when unknown),
    # and what the customer uses: ``ClientApp`` values.
    Column("client_kernel", String(80), nullable=False, server_default=text("''")),
    Column("client_arch", String(80), nullable=False, server_default=text("''")),
    Column("client_host", String(80), nullable=False, server_default=text("''")),
    Column("client_user", String(80), nullable=False, server_default=text("''")),
    Column("client_app", String(16), nullable=False, server_default=text("'browser'")),
    # Whether ``customer_presence`` holds a mark for the session, kept with the marks
    # so that every read of a session says it without a join.
    Column("customer_online", Boolean, nullable=False, server_default=text("false")),
    Column("primary_rep_id", Integer, ForeignKey("representatives.id"), nullable=True),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("ended_by", String(80), nullable=True),
    # The seq of the newest event; appends increment it under the row's lock.
    Column("last_seq", Integer, nullable=False, server_default=text("0")),
    # The newest event's hash, moved with ``last_seq``; a random salt for the digest of
    # what only representatives read (``helpline.domain.chain``).
    Column("chain_head", String(64), nullable=True),
    Column("chain_salt", String(32), nullable=True),
    Column("extra", JsonText, nullable=False),
    # Set when a representative closes the session; ``Outcome`` values.
    Column("outcome", String(16), nullable=True),
    Column("end_notes", Text, nullable=False, server_default=text("''")),
    # Each portal's queue: waiting sessions, oldest first.
    Index("ix_sessions_status_portal_id_started_at", "status", "portal_id", "started_at"),
    # The history page lists newest first, usually within a span of days.
    Index("ix_sessions_started_at", "started_at"),
)

customer_tokens = Table(
    "customer_tokens",
    metadata,
    Column("token_hash", LargeBinary, primary_key=True),
    Column(
        "session_id",
        Integer,
        ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("expires_at", UtcDateTime, nullable=False),
)

attendees = Table(
    "attendees",
    metadata,
    Column(
        "session_id",
        Integer,
        ForeignKey("sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("rep_id", Integer, ForeignKey("representatives.id"), primary_key=True),
    Column("display_name", String(80), nullable=False),
    Column("role", String(16), nullable=False),
    Column("masked", Boolean, nullable=False),
    Column("present", Boolean, nullable=False),
    Column("joined_at", UtcDateTime, nullable=False),
    # A representative's open sessions start from their attendee rows.
    Index("ix_attendees_rep_id_present", "rep_id", "present"),
)

events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "session_id",
        Integer,
        ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("seq", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("audience_kind", String(16), nullable=False),
    # The log keeps names as they were written, so these are not foreign keys.
    Column("audience_rep_id", Integer, nullable=True),
    Column("author_kind", String(16), nullable=False),
    Column("author_rep_id", Integer, nullable=True),
    Column("author_name", String(80), nullable=False),
    Column("author_key", String(32), nullable=False),
    Column("body", JsonText, nullable=False),
    Column("internal", JsonText, nullable=False),
    Column("reveals_masked", Boolean, nullable=False),
    Column("client_id", String(64), nullable=True),
    Column("chain_hash", String(64), nullable=True),  # see helpline.domain.chain
    # Also the index for replay: events of a session by seq.
    UniqueConstraint("session_id", "seq"),
    # Idempotent resends; NULL client ids are distinct on both dialects.
    UniqueConstraint("session_id", "author_key", "client_id"),
)

session_codes = Table(
    "session_codes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # Not unique: digits come back into use once the old code is used or expired.
    # ``SqlStore.create_code`` refuses a second active code with the same digits.
    Column("code", String(16), nullable=False, index=True),
    Column(
        "rep_id",
        Integer,
        ForeignKey("representatives.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("portal_id", Integer, ForeignKey("portals.id"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
    # SHA-256 of the join link's secret: the link redeems this code without the digits.
    Column("link_hash", LargeBinary, nullable=True, index=True),
)

invitations = Table(
    "invitations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "session_id",
        Integer,
        ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("kind", String(16), nullable=False),
    Column("from_rep_id", Integer, ForeignKey("representatives.id"), nullable=False),
    # The inviter's name as the invitation showed it, kept like the log keeps names.
    Column("from_name", String(80), nullable=False),
    Column("to_rep_id", Integer, ForeignKey("representatives.id"), nullable=True),
    Column("to_portal_id", Integer, ForeignKey("portals.id"), nullable=True),
    Column("masked", Boolean, nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("state", String(16), nullable=False),
    Column("answered_by", Integer, ForeignKey("representatives.id"), nullable=True),
    # Invitations live for seconds but their rows stay (a portal's unanswered ones stay
    # "pending" forever): pending lookups range over the few that have not expired.
    Index("ix_invitations_state_expires_at", "state", "expires_at"),
    Index("ix_invitations_session_id_state", "session_id", "state"),
)

team_settings = Table(
    "team_settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

script_categories = Table(
    "script_categories",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    # NULL: the team's library; otherwise the representative's personal one.
    Column(
        "owner_rep_id",
        Integer,
        ForeignKey("representatives.id", ondelete="CASCADE"),
        nullable=True,
    ),
    Column("name", String(120), nullable=False),
    # Dense (0..n-1) within a library. Not unique: a reorder passes through duplicates.
    Column("position", Integer, nullable=False),
    Index("ix_script_categories_kind_owner_rep_id_position", "kind", "owner_rep_id", "position"),
)

scripts = Table(
    "scripts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "category_id",
        Integer,
        ForeignKey("script_categories.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("title", String(120), nullable=False),
    Column("text", Text, nullable=False),
    # Dense (0..n-1) within a category, like categories' positions.
    Column("position", Integer, nullable=False),
    Index("ix_scripts_category_id_position", "category_id", "position"),
)


files = Table(
    "files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # Not ON DELETE CASCADE: a record gone with its session would orphan its blob.
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("audience", String(16), nullable=False),
    # The sender as an ``Author``, kept as the log keeps names: not a foreign key.
    Column("sender_kind", String(16), nullable=False),
    Column("sender_rep_id", Integer, nullable=True),
    Column("sender_name", String(80), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("state", String(16), nullable=False),
    Column("answered_by", Text, nullable=True),
    # The blob's name in the data folder, chosen by the caller.
    Column("stored_as", Text, nullable=False),
    # Ids outlive their records (in the log's notes and in links): never reuse one.
    sqlite_autoincrement=True,
)

consent_requests = Table(
    "consent_requests",
    metadata,
    # Given by the caller, who names the request in its notes before it is saved.
    Column("id", Text, primary_key=True),
    Column(
        "session_id",
        Integer,
        ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("kind", String(16), nullable=False),
    Column("requested_by", Integer, ForeignKey("representatives.id"), nullable=False),
    Column("requested_by_name", String(80), nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime, nullable=True),
)
