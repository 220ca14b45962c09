"""A diagnostics report is checked the same way by the agent and the server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpline.domain.diagnostics import MAX_ROWS, check_report, report_as_text
from helpline.domain.errors import InvalidInput


def report(**section: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "os",
        "title": "Operating system",
        "fields": [["Kernel", "6.1"]],
    }
    base.update(section)
    return {"collected_at": "2026-12-04T10:00:00Z", "sections": [base]}


def test_a_well_formed_report_is_kept_as_sent_without_unknown_keys() -> None:
    sent = report(table={"columns": ["PID", "Name"], "rows": [["1", "init"]]}, extra="x")
    kept = check_report({**sent, "surprise": True})
    assert kept == {
        "collected_at": "2026-12-04T10:00:00Z",
        "elevated": False,
        "sections": [
            {
                "id": "os",
                "title": "Operating system",
                "fields": [["Kernel", "6.1"]],
                "table": {"columns": ["PID", "Name"], "rows": [["1", "init"]]},
            }
        ],
    }


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ([], "object"),
        ({"sections": "os"}, "list"),
        (report(id="Bad Id"), "'id'"),
        (report(fields=[["only a label"]]), "pair"),
        (report(fields=[["Kernel", 6]]), "text"),
        (report(title="x" * 81), "longer than 80"),
        (report(table={"columns": ["A"], "rows": [["1", "2"]]}), "one cell per column"),
        (report(table={"columns": ["A"], "rows": [["1"]] * (MAX_ROWS + 1)}), "rows"),
        ({"sections": [report()["sections"][0]] * 2}, "Two sections"),  # type: ignore[index]
    ],
)
def test_a_malformed_report_is_refused_with_what_is_wrong(bad: object, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        check_report(bad)


def test_the_text_form_lines_up_labels_and_table_columns() -> None:
    text = report_as_text(
        check_report(
            report(
                fields=[["Kernel", "6.1"], ["Architecture", "x86_64"]],
                table={"columns": ["PID", "Name"], "rows": [["12345", "bash"]]},
            )
        )
    )
    assert text.splitlines() == [
        "== Operating system ==",
        "Kernel        6.1",
        "Architecture  x86_64",
        "PID    Name",
        "12345  bash",
    ]


def test_the_console_copies_a_report_as_the_same_text() -> None:
    """The console's "Copy as text" (web/common/diagnostics.ts) is tested against this
    file; here the file is checked against the server's own text form."""
    fixture = Path(__file__).resolve().parents[2] / "web/common/diagnostics-text.fixture.json"
    sample = json.loads(fixture.read_text(encoding="utf-8"))
    assert report_as_text(check_report(sample["report"])) == sample["text"]
