"""What the session hands its UI: log lines, transfer progress, and the ``View`` it
reports to.

Why apart: the app (and tests, and any other front end) depend on these few plain
types, not on the session's machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def shown_path(path: Path) -> str:
    """A path as the customer reads it: ``~/Downloads/Helpline/report.pdf``."""
    try:
        return f"~/{path.relative_to(Path.home())}"
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class LogLine:
    text: str
    # message | status | local (said by the agent itself) | problem
    kind: str


@dataclass
class Progress:
    """A transfer running or finished here: what the file list shows under a file."""

    name: str
    done: int = 0
    total: int = 0
    # running | saved | sent | failed
    phase: str = "running"
    message: str = ""
    path: Path | None = None


class View:
    """What the session tells its UI. Every method does nothing unless overridden."""

    def line(self, line: LogLine) -> None: ...
    def changed(self, what: str) -> None: ...  # status | outbox | files | consent
