"""asyncpg's errors as SQLAlchemy's, for the store's paths that talk to asyncpg itself.

The append batch (``batch_postgres``) and the single-statement reads (``reader``) run
on the asyncpg connection under a pooled SQLAlchemy connection, for speed; the rest of
the server knows database errors as SQLAlchemy raises them (``server/outages.py`` turns
a lost connection into "unavailable", a unique violation is an ``IntegrityError``).
One translation, so both paths fail exactly as the engine would.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

# PostgreSQL's error classes for "connection exception" and "operator intervention"
# (shutting down, starting up): the connection is not to be used again.
_LOST_SQLSTATE_CLASSES = ("08", "57")


def connection_lost(driver: Any, exc: BaseException) -> bool:
    """Whether the asyncpg connection ``driver`` (None: none was made) is not to be
    used again after ``exc``."""
    return (
        driver is None
        or driver.is_closed()
        # InternalClientError: the connection's protocol state is confused, as when
        # the server's "terminating connection" arrived while it sat idle in the pool.
        or isinstance(
            exc, asyncpg.InterfaceError | asyncpg.InternalClientError | OSError | TimeoutError
        )
        or str(getattr(exc, "sqlstate", "")).startswith(_LOST_SQLSTATE_CLASSES)
    )


def as_sqlalchemy(exc: Exception, *, lost: bool) -> Exception:
    """``exc`` as SQLAlchemy would raise it; ``lost``: its connection was let go."""
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        return IntegrityError(None, None, exc)
    if isinstance(exc, asyncpg.InterfaceError | asyncpg.InternalClientError) or (
        lost and isinstance(exc, asyncpg.PostgresError)
    ):
        return OperationalError(None, None, exc, connection_invalidated=True)
    if isinstance(exc, asyncpg.PostgresError):
        return DBAPIError(None, None, exc)
    return exc
