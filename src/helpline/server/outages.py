"""A database that cannot be reached is an outage to report, not a crash.

While PostgreSQL restarts (or SQLite's file is locked past its busy timeout), a
statement fails with a driver error. Every caller that talks to a client turns such a
failure into ``Unavailable`` ("try again in a moment", HTTP 503, error code
``unavailable``): a socket answers the frame that failed with an error frame carrying
its ``client_id``, so the client keeps the message in its outbox and sends it again;
nothing was acknowledged, so nothing is lost, and a resend of a message that did
commit is recognised by its ``client_id``. The connection pools replace broken
connections by themselves, so service resumes when the database does.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time

from sqlalchemy.exc import DBAPIError, InterfaceError, InternalError, OperationalError

from helpline.domain.errors import Unavailable
from helpline.store.protocol import HelplineStore

log = logging.getLogger(__name__)

DATABASE_UNREACHABLE = (
    "Helpline cannot reach its database right now, so nothing was saved. Please try "
    "again in a moment; your message is kept and sent again."
)
PROBE_SECONDS = 2.0
_LOG_EVERY_SECONDS = 10.0
_last_logged = 0.0

_OUTAGES: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    InternalError,
    OSError,
    # SQLite's fast paths run on plain sqlite3 connections (``store/sqlite_thread.py``),
    # whose errors SQLAlchemy does not wrap: "database is locked" past the busy
    # timeout, a disk I/O error. The same errors through the engine are
    # ``OperationalError`` above.
    sqlite3.OperationalError,
)
# PostgreSQL's error classes for "connection exception" and "operator intervention"
# (shutting down, starting up), which SQLAlchemy may wrap as a plain DBAPIError.
_OUTAGE_SQLSTATE_CLASSES = ("08", "57")


def _sqlstate(error: DBAPIError) -> str:
    for source in (error.orig, getattr(error.orig, "__cause__", None)):
        code = getattr(source, "sqlstate", None)
        if isinstance(code, str):
            return code
    return ""


def as_unavailable(error: BaseException) -> Unavailable | None:
    """``Unavailable`` if ``error`` means the database cannot be reached; else None."""
    lost = isinstance(error, DBAPIError) and (
        error.connection_invalidated or _sqlstate(error).startswith(_OUTAGE_SQLSTATE_CLASSES)
    )
    if not (lost or isinstance(error, _OUTAGES)):
        return None
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= _LOG_EVERY_SECONDS:
        _last_logged = now
        log.warning(
            "database unreachable (%s: %s); requests are answered 'unavailable' until it "
            "answers again. Check that the database server is running.",
            type(error).__name__,
            str(error).splitlines()[0] if str(error) else "",
        )
    return Unavailable(DATABASE_UNREACHABLE)


async def database_problem(store: HelplineStore) -> str | None:
    """None if the database answers a trivial read within ``PROBE_SECONDS``."""
    try:
        async with asyncio.timeout(PROBE_SECONDS):
            await store.get_session(0)
    except Exception as error:
        if as_unavailable(error) is None and not isinstance(error, TimeoutError):
            raise
        return (
            "The database does not answer: sends are refused with 'unavailable' and "
            "clients send them again. Start or fix the database; the process recovers "
            "by itself."
        )
    return None
