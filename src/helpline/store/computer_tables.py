"""The tables of what the agent does on the customer's computer: tasks and reports.

Why this exists: tasks (named actions with administrator rights) and diagnostics
reports are kept apart from the conversation's tables so ``tables.py`` stays short.
They are registered in the same ``metadata`` and re-exported by ``tables``, so Alembic
and every query see one schema.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text

from helpline.store.columns import JsonText, UtcDateTime, metadata

session_tasks = Table(
    "session_tasks",
    metadata,
    # Given by the caller, who names the task in its note before it is saved.
    Column("id", Text, primary_key=True),
    Column(
        "session_id",
        Integer,
        ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("task", String(32), nullable=False),
    Column("service", Text, nullable=True),
    Column("runner", String(16), nullable=False),
    Column("requested_by", Integer, ForeignKey("representatives.id"), nullable=False),
    Column("requested_by_name", String(80), nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
)

diagnostics = Table(
    "diagnostics",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "session_id",
        Integer,
        ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # What it answered: a consent request, or a task with administrator rights.
    Column("request_id", Text, nullable=True),
    Column("task_id", Text, nullable=True),
    Column("elevated", Boolean, nullable=False),
    Column("sections", Integer, nullable=False),
    # The report as ``domain/diagnostics.check_report`` returned it.
    Column("report", JsonText, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # Ids are named in the log's notes: never reuse one.
    sqlite_autoincrement=True,
)
