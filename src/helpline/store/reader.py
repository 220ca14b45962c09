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

SQLite: the reads share ONE connection of their own, taken from the engine's pool (so
configured like every other: WAL, foreign keys, busy timeout, ``isolation_level=None``)
and then detached from it, set ``query_only``. A read is one function call in
aiosqlite's connection thread on the raw ``sqlite3`` connection: execute, fetch every
row, close the cursor. No BEGIN: in autocommit mode a lone SELECT is its own read
transaction, which sees every transaction committed before it started, and in WAL mode
it neither waits for the writer nor holds it up. Concurrent reads take turns in that
thread, each call whole, so none sees another's cursor; a caller cancelled while its
call waits or runs leaves nothing behind either: the call still runs to its end in the
thread, finishing its statement, and only its answer is dropped. (A connection per read
from the pool would cost a second hand-off, the pool's ROLLBACK on return, and
SQLAlchemy's greenlet adaptation around checkout and return.) Statements are compiled
once per store, as the append writer's are, by ``Prepared``, which the writer shares.
Should aiosqlite lose the private hooks used for this (``_execute``, ``_conn``), reads
go through SQLAlchemy Core on the store's engine, as they did before.

PostgreSQL: reads go through a second engine (``database.for_reads``): its own pool,
``AUTOCOMMIT`` (no BEGIN/ROLLBACK: a lone SELECT is a transaction of its own in
PostgreSQL too) and no pre-ping, so a read is one round trip (SQLAlchemy's asyncpg
adapter prepares each statement once per connection). Without the pre-ping a
connection the server has dropped is found out by the read that uses it; SQLAlchemy
then invalidates the pool's connections, and that read is tried once more on a new
one, which a SELECT may be.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, Select

from helpline.store.database import for_reads

# SQLite reads run on the raw driver connection in aiosqlite's thread; False makes them
# go through SQLAlchemy Core (for tests, or should an aiosqlite release break the way in).
USE_RAW_SQLITE = True

# Where SQLAlchemy leaves a list parameter (``in_(bindparam(..., expanding=True))``)
# to be spelled out at execution time.
_EXPANDING = "__[POSTCOMPILE_{}]"

_Convert = Callable[[Any], Any] | None

# The default of a parameter that each call must give.
_REQUIRED = object()

_T = TypeVar("_T")


class Prepared:
    """A statement compiled once for a dialect, to run on the raw driver connection.

    Values bound and values read go through the SQLAlchemy types of their parameters
    and columns (the dialect's own conversions), so they are stored and read back
    exactly as through SQLAlchemy. Parameters are named as in the statement; one left
    out takes the value the statement gave it (a literal in a comparison), and one
    without such a value is an error, as in SQLAlchemy. Rows come back as named tuples
    with the columns' keys as attributes.
    """

    def __init__(
        self,
        statement: ClauseElement,
        dialect: Dialect,
        *,
        column_keys: Sequence[str] | None = None,
    ) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        assert isinstance(compiled, SQLCompiler)
        self.sql: str = compiled.string
        self._params: list[tuple[str, Any, bool, _Convert]] = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            self._params.append(
                (
                    name,
                    _REQUIRED if bind.required else bind.value,
                    bool(bind.expanding),
                    bind.type.dialect_impl(dialect).bind_processor(dialect),
                )
            )
            if bind.expanding and _EXPANDING.format(name) not in self.sql:
                raise NotImplementedError("this SQLAlchemy spells list parameters otherwise")
        self._expanding = any(expanding for _, _, expanding, _ in self._params)
        columns = list(getattr(statement, "exported_columns", ()))
        self._readers: list[_Convert] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]
        self._converts = any(convert is not None for convert in self._readers)
        self._row = _row_type([str(column.key) for column in columns])

    def params(self, values: Mapping[str, Any]) -> list[Any]:
        """The positional parameters for these values (no list parameters)."""
        bound: list[Any] = []
        for name, default, _, convert in self._params:
            value = _value(values, name, default)
            bound.append(value if convert is None else convert(value))
        return bound

    def bind(self, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """The SQL and its positional parameters for these values."""
        if not self._expanding:
            return self.sql, self.params(values)
        sql = self.sql
        bound: list[Any] = []
        for name, default, expanding, convert in self._params:
            value = _value(values, name, default)
            if not expanding:
                bound.append(value if convert is None else convert(value))
                continue
            items = [item if convert is None else convert(item) for item in value]
            # SQLite reads ``IN ()`` as an empty set: an empty list needs nothing more.
            sql = sql.replace(_EXPANDING.format(name), ", ".join("?" * len(items)))
            bound += items
        return sql, bound

    def row(self, raw: Sequence[Any]) -> Any:
        """One row as SQLAlchemy would return it."""
        if not self._converts:
            return self._row._make(raw)
        return self._row._make(
            value if convert is None else convert(value)
            for value, convert in zip(raw, self._readers, strict=True)
        )


def _value(values: Mapping[str, Any], name: str, default: Any) -> Any:
    value = values.get(name, default)
    if value is _REQUIRED:
        raise KeyError(f"no value for the parameter {name!r}")
    return value


def _row_type(names: list[str]) -> Any:
    """A named tuple class whose fields are a statement's columns."""
    return namedtuple("Row", names, rename=True)


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
        self._postgres = engine.dialect.name == "postgresql"
        self._raw = (
            RawSqlite(engine, _query_only)
            if engine.dialect.name == "sqlite" and USE_RAW_SQLITE
            else None
        )
        self._prepared: dict[Query, Prepared] = {}
        self._read_engine: AsyncEngine | None = None

    async def all(self, query: Query, **values: Any) -> list[Any]:
        """Every row of the query's result."""
        if self._raw is not None:
            prepared = self._prepared.get(query)
            if prepared is None:
                prepared = self._prepared[query] = Prepared(query.statement, self._engine.dialect)
            sql, params = prepared.bind(values)
            rows = await self._raw.call(_fetch, sql, params)
            if rows is not None:
                return [prepared.row(row) for row in rows]
            # No way in to aiosqlite's thread: from now on, SQLAlchemy Core.
            self._raw = None
        return await self._core(query, values)

    async def first(self, query: Query, **values: Any) -> Any | None:
        rows = await self.all(query, **values)
        return rows[0] if rows else None

    async def scalar(self, query: Query, **values: Any) -> Any:
        """The first column of the first row, or None without a row."""
        rows = await self.all(query, **values)
        return rows[0][0] if rows else None

    async def close(self) -> None:
        """Let the connections go (a later read opens them again)."""
        if self._raw is not None:
            await self._raw.close()
        engine, self._read_engine = self._read_engine, None
        if engine is not None:
            await engine.dispose()

    async def _core(self, query: Query, values: Mapping[str, Any]) -> list[Any]:
        if not self._postgres:
            async with self._engine.connect() as conn:
                return list((await conn.execute(query.statement, values)).all())
        if self._read_engine is None:
            self._read_engine = for_reads(self._engine)
        engine = self._read_engine
        try:
            async with engine.connect() as conn:
                return list((await conn.execute(query.statement, values)).all())
        except DBAPIError as exc:
            # The server dropped the connection (a restart, an idle timeout): the pool
            # has been invalidated, and a new connection answers.
            if not exc.connection_invalidated:
                raise
        async with engine.connect() as conn:
            return list((await conn.execute(query.statement, values)).all())


class RawSqlite:
    """A SQLite connection of one user's own (the reads', or the append writer's),
    taken from the engine's pool so it is configured like every other, then detached
    from it; opened by the first call."""

    def __init__(
        self, engine: AsyncEngine, setup: Callable[[sqlite3.Connection], None] | None = None
    ) -> None:
        self._engine = engine
        self._setup = setup
        self._driver: Any = None
        self._opening: asyncio.Task[Any] | None = None

    async def call(self, function: Callable[..., _T], *args: Any) -> _T | None:
        """``function(connection, *args)`` in aiosqlite's thread, as one hand-off; None
        if aiosqlite offers no way in to its thread."""
        for _ in range(2):
            driver = self._driver or await self._open()
            if driver is None:
                return None
            try:
                result: _T = await driver._execute(function, driver._conn, *args)
            except ValueError:
                # aiosqlite's "connection closed": ``close`` ran meanwhile. A call after
                # it opens a new connection, as an append after it restarts the writer.
                if driver is self._driver:
                    raise
                continue
            return result
        raise RuntimeError("the connection was closed twice during one call")

    async def close(self) -> None:
        opening = self._opening
        if opening is not None and opening.get_loop() is asyncio.get_running_loop():
            # Whatever it opens is closed below with the rest.
            await asyncio.wait([opening])
        driver, self._driver = self._driver, None
        if driver is not None:
            await driver.close()

    async def _open(self) -> Any:
        loop = asyncio.get_running_loop()
        opening = self._opening
        if opening is None or opening.get_loop() is not loop:
            opening = self._opening = loop.create_task(self._connect())
        # Shielded, and the task keeps what it opened: a caller cancelled meanwhile
        # leaves no connection that nobody would close.
        return await asyncio.shield(opening)

    async def _connect(self) -> Any:
        try:
            proxied = await self._engine.raw_connection()
            driver: Any = proxied.driver_connection
            # Its user's alone from now on: never returned to the pool, closed by
            # ``close``.
            proxied.detach()
            hand_off = getattr(driver, "_execute", None)
            raw = getattr(driver, "_conn", None)
            if not callable(hand_off) or not isinstance(raw, sqlite3.Connection):
                await driver.close()
                return None
            if self._setup is not None:
                try:
                    await hand_off(self._setup, raw)
                except BaseException:
                    await driver.close()
                    raise
            self._driver = driver
            return driver
        finally:
            if self._opening is asyncio.current_task():
                self._opening = None


def _query_only(raw: sqlite3.Connection) -> None:
    # The read connection never writes; SQLite refuses it should it ever try.
    raw.execute("PRAGMA query_only = ON").close()


def _fetch(raw: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """One read, whole, in aiosqlite's thread: fetching every row finishes the
    statement, which ends its read transaction."""
    cursor = raw.cursor()
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()
