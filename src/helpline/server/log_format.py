"""Logs as one JSON object a line (``--log-format json``), for a log collector.

Why its own formatter: a collector wants fields, not sentences to parse. Each line has
the time, level, logger and message; uvicorn's access lines also carry the client,
method, path (which may hold a session id, never anything said in a session) and
status as fields of their own. Nothing logged anywhere holds message text: the
server logs what happened to a session, never what was written in it.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            # uvicorn's access line: (client, method, path, http version, status).
            line.update(zip(ACCESS_FIELDS, record.args, strict=False))
            line["message"] = "request"
        else:
            line["message"] = record.getMessage()
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's ``log_config`` for JSON lines on standard error, ours and its own."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLines}},
        "handlers": {"json": handler},
        "loggers": {
            "": {"handlers": ["json"], "level": level.upper()},
            "uvicorn": {"handlers": ["json"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": ["json"], "level": "INFO", "propagate": False},
        },
    }
