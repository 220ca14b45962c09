"""Save chat log: the session's ``chatlog.txt``, exactly as the browser saves it.

Why from the server: the browser's "Save chat log" downloads
``GET /api/sessions/{id}/transcript.txt`` (the session's details, then the log as the
customer may see it), and the representatives' copies are made by the same code; the
agent saves that same file, so a customer's log reads the same whichever window they
used. The customer's token still reads it for an hour after the session ended.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from helpline.agent.api import Api, ApiError
from helpline.agent.transfers import TransferError, save_error, unique_path

FILE_NAME = "chatlog.txt"


def write_new(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` to a new file in ``folder``; never replaces one (``chatlog (1).txt``)."""
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        path = unique_path(folder, name)
        try:
            with path.open("x", encoding="utf-8") as handle:
                handle.write(text)
        except FileExistsError:
            continue
        except OSError:
            path.unlink(missing_ok=True)
            raise
        return path


async def save_chatlog(api: Api, session: str, folder: Path) -> Path:
    """Fetch the chat log and save it as ``chatlog.txt`` in ``folder``."""
    try:
        text = await api.text(f"/api/sessions/{session}/transcript.txt")
    except ApiError as error:
        raise TransferError(f"Could not save the chat log: {error.message}") from error
    try:
        return await asyncio.to_thread(write_new, folder, FILE_NAME, text)
    except OSError as error:
        raise save_error("the chat log", folder, error) from error
