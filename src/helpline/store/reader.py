"""Single-statement reads at the cost of one call into the database driver.

Every chat message reads its session, and a representative's message its attendees
too. Through ``AsyncEngine.connect()`` such a read cost eight hand-offs to aiosqlite's
connection thread (pool checkout, BEGIN, cursor, execute, fetch, close, ROLLBACK...)
and on PostgreSQL six round trips (the pool's pre-ping, itself BEGIN + ping +
ROLLBACK, then BEGIN, the SELECT, ROLLBACK). ``Reader`` runs one SELECT, stated once as
a ``Query``, for exactly one hand-off or one round trip; ``SqlStore`` sends its
single-statement reads here. The results are what SQLAlchemy would have returned: every
value goes through its column's own SQLAlchemy type, and rows have the columns as
attributes.

SQLite: the reads share ONE plain ``sqlite3`` connection of their own, in a thread of
their own (``sqlite_thread.SqliteThread``), opened as the engine's connections are
(WAL, foreign keys, busy timeout, ``isolation_level=None``) and set ``query_only``. A
read is one function call in that thread: execute, fetch every row, close the cursor.
No BEGIN: in autocommit mode a lone SELECT is its own read transaction, which sees
every transaction committed before it started, and in WAL mode it neither waits for
the writer nor holds it up. Concurrent reads take turns in that thread, each call
whole, so none sees another's cursor; a caller cancelled while its call waits or runs
leaves nothing behind either: the call still runs to its end in the thread, finishing
its statement, and only its answer is dropped. Reads that belong together (a session and
its attendees) are one call too (``together``), in a BEGIN ... COMMIT of their own, so
they see the same moment, for one hand-off: 20-45 us of CPU alone, 15-18 us when many
are queued, against 2-3 us for the SELECT of a few rows by index. Statements are
compiled once per store by ``prepared.Prepared``, as the append writer's are.

PostgreSQL: reads go through a second engine (``database.for_reads``): its own pool,
``AUTOCOMMIT`` (no BEGIN/ROLLBACK: a lone SELECT is a transaction of its own in
PostgreSQL too) and no pre-ping, so a read is one round trip. The SELECT runs on the
pooled connection's own asyncpg connection, compiled once by ``Prepared`` as on
SQLite (asyncpg prepares it once per connection): through SQLAlchemy's greenlet
adapter the same read cost 250-300 us of CPU. Without the pre-ping a connection the
server has dropped is found out by the read that uses it; the pool's connections are
then let go, and that read is tried once more on a new one, which a SELECT may be.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.expression import Select

from helpline.store.asyncpg_errors import as_sqlalchemy, connection_lost
from helpline.store.database import connect_sqlite, for_reads
from helpline.store.prepared import Prepared
from helpline.store.sqlite_thread import SqliteThread


class Query:
    """A SELECT that ``Reader`` runs: built once (a module constant) with named
    ``bindparam``s, whose values each call gives."""

    __slots__ = ("statement",)

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


class Reader:
    """Runs ``Query``s for a store (see the module's docstring for how)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sqlite = (
            SqliteThread(_read_only(connect_sqlite(engine)), "helpline-sqlite-reads")
            if engine.dialect.name == "sqlite"
            else None
        )
        self._prepared: dict[Query, Prepared] = {}
        self._read_engine: AsyncEngine | None = None

    async def all(self, query: Query, **values: Any) -> list[Any]:
        """Every row of the query's result."""
        prepared = self._prepare(query)
        sql, params = prepared.bind(values)
        if self._sqlite is None:
            rows = await self._postgres(sql, params)
        else:
            rows = await self._sqlite.call(fetch_rows, sql, params)
        return [prepared.row(row) for row in rows]

    async def together(self, *reads: tuple[Query, Mapping[str, Any]]) -> list[list[Any]]:
        """Every row of each query, read as one: on SQLite one hand-off to the reads'
        thread, in one read transaction, so the results agree with each other; on
        PostgreSQL one pooled connection, a round trip each. Where a caller needs two
        reads at once (a session and its attendees), the hand-off, not the SELECT, was
        most of each read's cost."""
        bound = [(self._prepare(query), values) for query, values in reads]
        statements = [prepared.bind(values) for prepared, values in bound]
        results: Sequence[Sequence[Sequence[Any]]]
        if self._sqlite is None:
            results = await self._postgres_together(statements)
        else:
            results = await self._sqlite.call(fetch_rows_together, statements)
        return [
            [prepared.row(row) for row in rows]
            for (prepared, _), rows in zip(bound, results, strict=True)
        ]

    def _prepare(self, query: Query) -> Prepared:
        prepared = self._prepared.get(query)
        if prepared is None:
            prepared = self._prepared[query] = Prepared(query.statement, self._engine.dialect)
        return prepared

    async def first(self, query: Query, **values: Any) -> Any | None:
        rows = await self.all(query, **values)
        return rows[0] if rows else None

    async def scalar(self, query: Query, **values: Any) -> Any:
        """The first column of the first row, or None without a row."""
        rows = await self.all(query, **values)
        return rows[0][0] if rows else None

    async def close(self) -> None:
        """Let the connections go (a later read opens them again)."""
        if self._sqlite is not None:
            await self._sqlite.close()
        engine, self._read_engine = self._read_engine, None
        if engine is not None:
            await engine.dispose()

    async def _postgres(self, sql: str, params: Sequence[Any]) -> Sequence[Sequence[Any]]:
        return (await self._postgres_together([(sql, params)]))[0]

    async def _postgres_together(
        self, statements: Sequence[tuple[str, Sequence[Any]]]
    ) -> list[Sequence[Sequence[Any]]]:
        if self._read_engine is None:
            self._read_engine = for_reads(self._engine)
        engine = self._read_engine
        try:
            return await _fetch_postgres(engine, statements)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        # The server dropped the connection (a restart, an idle timeout), and with it
        # most likely the pool's others: they are let go, and a new one answers.
        await engine.dispose()
        return await _fetch_postgres(engine, statements)


async def _fetch_postgres(
    engine: AsyncEngine, statements: Sequence[tuple[str, Sequence[Any]]]
) -> list[Sequence[Sequence[Any]]]:
    """Reads on a pooled connection's own asyncpg connection, whose codecs are the
    ones SQLAlchemy set up, so rows come back as through SQLAlchemy before ``Prepared``
    converts them; asyncpg keeps each statement prepared on that connection. Errors
    are SQLAlchemy's, and a lost connection is invalidated, as the engine would."""
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None, "a pooled connection has its driver's connection"
        results: list[Sequence[Sequence[Any]]] = []
        try:
            for sql, params in statements:
                results.append(await driver.fetch(sql, *params))
        except Exception as exc:
            lost = connection_lost(driver, exc)
            if lost:
                await conn.invalidate()
            raise as_sqlalchemy(exc, lost=lost) from exc
        return results


def _read_only(
    connect: Callable[[], sqlite3.Connection],
) -> Callable[[], sqlite3.Connection]:
    def connect_read_only() -> sqlite3.Connection:
        connection = connect()
        # The read connection never writes; SQLite refuses it should it ever try.
        connection.execute("PRAGMA query_only = ON").close()
        return connection

    return connect_read_only


def fetch_rows(raw: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """One read, whole, in the reads' thread: fetching every row finishes the
    statement, which ends its read transaction."""
    cursor = raw.cursor()
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()


def fetch_rows_together(
    raw: sqlite3.Connection, statements: Sequence[tuple[str, Sequence[Any]]]
) -> list[list[tuple[Any, ...]]]:
    """Several reads in the reads' thread, in one read transaction: in WAL mode every
    statement sees the database as of the first one, so a session and its attendees
    come from the same moment. Ended whatever happens: the connection only reads, so
    there is nothing to keep or lose."""
    raw.execute("BEGIN").close()
    try:
        return [fetch_rows(raw, sql, params) for sql, params in statements]
    finally:
        raw.execute("COMMIT").close()
