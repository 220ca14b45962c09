"""SQLAlchemy statements compiled once, to run on the store's own ``sqlite3`` connection.

The store's SQLite fast paths (``reader``'s single-statement reads, ``batch_sqlite``'s
append batch) run on a plain ``sqlite3`` connection in a thread of their own
(``sqlite_thread``), not through the engine. Their statements are still written with
SQLAlchemy, and still stored and read back exactly as through it: ``Prepared`` takes
the SQL, the order of the parameters and their conversions from SQLAlchemy's public
compilation API (``SQLCompiler.positiontup`` and ``binds``; for list parameters,
``construct_expanded_state``, which spells out ``IN (?, ?, ...)`` for the values of
each call) and the types' own ``bind_processor`` and ``result_processor``.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

_Convert = Callable[[Any], Any] | None

# The default of a parameter that each call must give.
_REQUIRED = object()


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
        if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:
            raise TypeError("a statement for a dialect with positional parameters")
        self._compiled = compiled
        self.sql: str = compiled.string
        binds = compiled.binds
        self._converts: dict[str, _Convert] = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in binds.items()
        }
        self._params: list[tuple[str, Any, _Convert]] = [
            (
                name,
                _REQUIRED if binds[name].required else binds[name].value,
                self._converts[name],
            )
            for name in compiled.positiontup
        ]
        # List parameters are spelled out for each call's values.
        self._expanding = any(bind.expanding for bind in binds.values())
        columns = list(getattr(statement, "exported_columns", ()))
        self._readers: list[_Convert] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]
        self._converts_rows = any(convert is not None for convert in self._readers)
        self._row = _row_type([str(column.key) for column in columns])

    def params(self, values: Mapping[str, Any]) -> list[Any]:
        """The positional parameters for these values (no list parameters)."""
        bound: list[Any] = []
        for name, default, convert in self._params:
            value = values.get(name, default)
            if value is _REQUIRED:
                raise KeyError(f"no value for the parameter {name!r}")
            bound.append(value if convert is None else convert(value))
        return bound

    def bind(self, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """The SQL and its positional parameters for these values."""
        if not self._expanding:
            return self.sql, self.params(values)
        state = self._compiled.construct_expanded_state(values)
        assert state.positiontup is not None
        parameters = state.parameters
        # ``processors`` holds the conversions of the spelled-out list items; the
        # other parameters convert as their binds do.
        processors = state.processors
        bound: list[Any] = []
        for name in state.positiontup:
            value = parameters[name]
            convert = processors.get(name) or self._converts.get(name)
            bound.append(value if convert is None else convert(value))
        return state.statement, bound

    def row(self, raw: Sequence[Any]) -> Any:
        """One row as SQLAlchemy would return it."""
        if not self._converts_rows:
            return self._row._make(raw)
        return self._row._make(
            value if convert is None else convert(value)
            for value, convert in zip(raw, self._readers, strict=True)
        )


def _row_type(names: list[str]) -> Any:
    """A named tuple class whose fields are a statement's columns."""
    return namedtuple("Row", names, rename=True)
