"""The history search index's table, which lives outside ``metadata``.

One row per session (its customer name and query) and one per event with text. On
SQLite it is an FTS5 virtual table, on PostgreSQL a plain table with a GIN index over
``to_tsvector('simple', content)``. Neither shape can be described to Alembic as one
table (FTS5 keeps its index in shadow tables such as ``session_search_data``), so the
migrations create it per dialect, and ``is_described`` tells schema comparisons to
leave it alone. These columns are the ones both share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, Text

SEARCH_TABLE = "session_search"

search_metadata = MetaData()

session_search = Table(
    SEARCH_TABLE,
    search_metadata,
    Column("session_id", Integer, nullable=False),
    Column("content", Text, nullable=False),
)


def is_described(
    name: str | None, type_: str, parent_names: Mapping[Any, str | None] | None = None
) -> bool:
    """Whether ``metadata`` describes this schema object: an Alembic ``include_name`` hook
    that leaves out the search index and its FTS5 shadow tables."""
    if type_ == "table" and name is not None:
        return name != SEARCH_TABLE and not name.startswith(f"{SEARCH_TABLE}_")
    return True
