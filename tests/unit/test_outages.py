"""Which database errors the server answers as an outage (``Unavailable``, HTTP 503)
rather than as a crash (``helpline.server.outages``)."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import IntegrityError, OperationalError

from helpline.domain.errors import Unavailable
from helpline.server.outages import as_unavailable


def test_a_locked_sqlite_database_is_unavailable_on_every_path() -> None:
    locked = sqlite3.OperationalError("database is locked")

    # The store's own sqlite3 connections (reads, appends) raise it as it is...
    assert isinstance(as_unavailable(locked), Unavailable)
    # ...and the engine's connections wrapped by SQLAlchemy.
    wrapped = OperationalError("BEGIN IMMEDIATE", {}, locked)
    assert isinstance(as_unavailable(wrapped), Unavailable)


def test_a_broken_rule_is_no_outage() -> None:
    duplicate = sqlite3.IntegrityError("UNIQUE constraint failed: events.client_id")

    assert as_unavailable(duplicate) is None
    assert as_unavailable(IntegrityError("INSERT", {}, duplicate)) is None
