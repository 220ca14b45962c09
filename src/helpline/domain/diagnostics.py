"""Remote diagnostics: the system information a customer's agent sends, with consent.

A report is a list of sections, each a list of labelled values and at most one table.
The agent builds it and the server keeps it for the representatives; both check it with
``check_report`` so neither can hold a report the console cannot show. Everything in
it is text: the console renders values, it never interprets them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from helpline.domain.errors import InvalidInput

MAX_SECTIONS = 40
MAX_TITLE = 80
MAX_FIELDS = 200
MAX_LABEL = 80
MAX_VALUE = 4000
MAX_COLUMNS = 12
MAX_ROWS = 500
MAX_CELL = 1000
# The HTTP body that carries a report; far above what the agent's collector sends.
MAX_REPORT_BYTES = 1024 * 1024

_SECTION_ID = re.compile(r"[a-z0-9_]{1,40}")

Report = dict[str, Any]


def _text(value: object, limit: int, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{what} is text.")
    if len(value) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters.")
    return value


def _fields(value: object, where: str) -> list[list[str]]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise InvalidInput(f"{where}: 'fields' is a list of [label, value] pairs.")
    if len(value) > MAX_FIELDS:
        raise InvalidInput(f"{where}: more than {MAX_FIELDS} fields.")
    fields = []
    for pair in value:
        if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
            raise InvalidInput(f"{where}: each field is a [label, value] pair.")
        fields.append(
            [
                _text(pair[0], MAX_LABEL, f"{where}: a label"),
                _text(pair[1], MAX_VALUE, f"{where}: a value"),
            ]
        )
    return fields


def _table(value: object, where: str) -> dict[str, list[Any]] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{where}: 'table' is null or {{'columns': [...], 'rows': [...]}}.")
    columns = value.get("columns")
    rows = value.get("rows")
    if not isinstance(columns, Sequence) or isinstance(columns, str) or not columns:
        raise InvalidInput(f"{where}: a table names its columns.")
    if len(columns) > MAX_COLUMNS:
        raise InvalidInput(f"{where}: more than {MAX_COLUMNS} columns.")
    names = [_text(c, MAX_LABEL, f"{where}: a column") for c in columns]
    if not isinstance(rows, Sequence) or isinstance(rows, str):
        raise InvalidInput(f"{where}: 'rows' is a list of rows.")
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"{where}: more than {MAX_ROWS} rows.")
    checked = []
    for row in rows:
        if not isinstance(row, Sequence) or isinstance(row, str) or len(row) != len(names):
            raise InvalidInput(f"{where}: each row has one cell per column.")
        checked.append([_text(cell, MAX_CELL, f"{where}: a cell") for cell in row])
    return {"columns": names, "rows": checked}


def check_report(value: object) -> Report:
    """The report as the server keeps it and the console shows it, or ``InvalidInput``
    naming the first thing wrong. Unknown keys are dropped, so nothing unchecked is kept."""
    if not isinstance(value, Mapping):
        raise InvalidInput("A report is an object with 'sections'.")
    sections = value.get("sections")
    if not isinstance(sections, Sequence) or isinstance(sections, str):
        raise InvalidInput("A report's 'sections' is a list.")
    if len(sections) > MAX_SECTIONS:
        raise InvalidInput(f"A report has at most {MAX_SECTIONS} sections.")
    seen: set[str] = set()
    checked = []
    for section in sections:
        if not isinstance(section, Mapping):
            raise InvalidInput("Each section is an object with 'id', 'title' and 'fields'.")
        section_id = section.get("id")
        if not isinstance(section_id, str) or not _SECTION_ID.fullmatch(section_id):
            raise InvalidInput("A section's 'id' is 1 to 40 of a-z, 0-9 and _.")
        if section_id in seen:
            raise InvalidInput(f"Two sections are called {section_id!r}.")
        seen.add(section_id)
        where = f"Section {section_id!r}"
        checked.append(
            {
                "id": section_id,
                "title": _text(section.get("title"), MAX_TITLE, f"{where}: the title"),
                "fields": _fields(section.get("fields", []), where),
                "table": _table(section.get("table"), where),
            }
        )
    collected_at = _text(value.get("collected_at", ""), 40, "'collected_at'")
    elevated = value.get("elevated", False)
    if not isinstance(elevated, bool):
        raise InvalidInput("'elevated' is true or false.")
    return {"collected_at": collected_at, "elevated": elevated, "sections": checked}


def report_as_text(report: Report) -> str:
    """The report as plain text, as "Copy as text" and the agent's View show it."""
    lines: list[str] = []
    for section in report["sections"]:
        lines.append(f"== {section['title']} ==")
        width = max((len(label) for label, _ in section["fields"]), default=0)
        lines.extend(f"{label.ljust(width)}  {value}" for label, value in section["fields"])
        table = section.get("table")
        if table:
            widths = [
                max(len(str(cell)) for cell in column)
                for column in zip(table["columns"], *table["rows"], strict=True)
            ]
            for row in [table["columns"], *table["rows"]]:
                lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
