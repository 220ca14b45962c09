"""Shared files: records of files offered in a session, and their answers.

Why this exists: one of the concerns ``SqlStore`` is composed of (see ``sql.py``). A
file is answered once: the answer is a guarded ``UPDATE ... WHERE state = 'offered'``
in the transaction that appends its note, so of two racing answers one is saved with
its note and the other saves nothing. The blobs themselves are kept by the server;
this keeps their records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from helpline.domain.errors import Conflict, NotFound
from helpline.domain.events import Event, EventDraft
from helpline.domain.files import FileState, SharedFile
from helpline.domain.sessions import SessionStatus
from helpline.store.base import StoreBase
from helpline.store.log import insert_events
from helpline.store.reader import Query
from helpline.store.rows import file_from_row, file_values
from helpline.store.tables import files, sessions

_DELETE_BATCH = 500


class FilesMixin(StoreBase):
    """Offering, answering, listing and deleting shared files."""

    async def create_file(
        self, file: SharedFile, note: EventDraft, now: datetime
    ) -> tuple[SharedFile, Event]:
        """Raises ``NotFound`` for an unknown session.

        The note is phrased before the file has its id, so a ``file_id`` in its body
        (the domain's offered note has one) is set to the assigned id before it is
        appended: clients answer and download the file by that id.
        """
        if file.state is not FileState.OFFERED:
            raise ValueError("a new file is offered, not yet answered")
        async with self._writing() as conn:
            # Checked first: the file's foreign key would fail less readably.
            session = await conn.scalar(
                select(sessions.c.id).where(sessions.c.id == file.session_id)
            )
            if session is None:
                raise NotFound("There is no such session.")
            file_id = await conn.scalar(
                insert(files).values(**file_values(file)).returning(files.c.id)
            )
            assert file_id is not None
            if "file_id" in note.body:
                note = replace(note, body={**note.body, "file_id": file_id})
            (event,) = await insert_events(conn, file.session_id, (note,), now)
        return replace(file, id=file_id), event

    async def get_file(self, file_id: int) -> SharedFile | None:
        row = await self._reads.first(_FILE, file_id=file_id)
        return None if row is None else file_from_row(row)

    async def answer_file(self, answered: SharedFile, note: EventDraft, now: datetime) -> Event:
        """Saves only the state and who answered; raises ``NotFound`` for an unknown file.
        The note goes to the session the stored file belongs to."""
        if answered.state is FileState.OFFERED:
            raise ValueError("an answer accepts or declines the file")
        async with self._writing() as conn:
            session_id = await conn.scalar(
                update(files)
                .where(files.c.id == answered.id, files.c.state == FileState.OFFERED.value)
                .values(state=answered.state.value, answered_by=answered.answered_by)
                .returning(files.c.session_id)
            )
            if session_id is None:
                raise await _why_file_not_offered(conn, answered.id)
            (event,) = await insert_events(conn, session_id, (note,), now)
        return event

    async def files_of_session(self, session_id: int) -> list[SharedFile]:
        """In the order they were offered; an unknown session has none."""
        return [
            file_from_row(row) for row in await self._reads.all(_FILES_OF, session_id=session_id)
        ]

    async def files_of_sessions_ended_before(self, moment: datetime) -> list[SharedFile]:
        """Every file of those sessions, answered or not, in id order."""
        return [
            file_from_row(row) for row in await self._reads.all(_FILES_ENDED_BEFORE, moment=moment)
        ]

    async def delete_files(self, file_ids: Sequence[int]) -> None:
        """Unknown ids are skipped, so a sweep that stopped halfway can run again."""
        ids = list(dict.fromkeys(file_ids))
        if not ids:
            return
        async with self._writing() as conn:
            for start in range(0, len(ids), _DELETE_BATCH):
                batch = ids[start : start + _DELETE_BATCH]
                await conn.execute(files.delete().where(files.c.id.in_(batch)))


async def _why_file_not_offered(conn: AsyncConnection, file_id: int) -> Exception:
    """The error for a file the answer's guard did not find offered."""
    row = (
        await conn.execute(select(files.c.name, files.c.state).where(files.c.id == file_id))
    ).first()
    if row is None:
        return NotFound("There is no such file.")
    return Conflict(f"The file {row.name} was already {row.state}.")


_FILE = Query(select(files).where(files.c.id == bindparam("file_id")))
_FILES_OF = Query(
    select(files).where(files.c.session_id == bindparam("session_id")).order_by(files.c.id)
)
_FILES_ENDED_BEFORE = Query(
    select(files)
    .join(sessions, sessions.c.id == files.c.session_id)
    .where(
        sessions.c.status == SessionStatus.ENDED.value,
        sessions.c.ended_at < bindparam("moment"),
    )
    .order_by(files.c.id)
)
