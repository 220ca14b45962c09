"""The shapes of the answers about the customer's computer, as the OpenAPI document
publishes them (see ``answers.py``): diagnostics reports and tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from helpline.domain.tasks import TaskState
from helpline.server.answers import Answer


class ReportSent(Answer):
    request: str
    state: str
    diagnostics: int


class RevokedAnswer(Answer):
    request: str
    state: str


class ReportSummary(Answer):
    id: int
    at: datetime
    request: str | None
    task: str | None
    elevated: bool
    sections: int


class ReportList(Answer):
    diagnostics: list[ReportSummary]


class ReportAnswer(ReportSummary):
    report: dict[str, Any] = Field(description="See docs/protocol.md: Diagnostics reports.")


class TaskCreated(Answer):
    task: str


class TaskAnswer(Answer):
    task: str
    state: TaskState
