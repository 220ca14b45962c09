"""File transfer: streaming uploads into the data folder, checked downloads, retention.

An upload is written to ``files/incoming`` while its SHA-256 is computed, and moved
into place only when complete: a transfer cut off halfway leaves nothing offered and
nothing behind. Files never pass through memory whole.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from helpline.domain import files as rules
from helpline.domain.drafting import seal
from helpline.domain.errors import Forbidden, NotFound
from helpline.domain.events import Author
from helpline.domain.files import SharedFile
from helpline.domain.sessions import (
    Attendee,
    SupportSession,
    as_author,
    check_open,
    check_rep_in_session,
)
from helpline.domain.text import escaped, has_unsafe
from helpline.domain.visibility import can_see_file, file_view
from helpline.server.accounts import Actor, CustomerActor
from helpline.server.service import HelplineService

log = logging.getLogger(__name__)

WRITE_CHUNK_BYTES = 1024 * 1024
# The original of a renamed file, spelled out, as kept in its offer for representatives.
MAX_ORIGINAL_NAME_CHARS = 600


class FileTransfers:
    def __init__(self, service: HelplineService) -> None:
        self.service = service
        self.store = service.store
        settings = service.settings
        self.directory = settings.data_dir / "files"
        self.max_bytes = settings.max_file_bytes
        self.retention = timedelta(days=settings.file_retention_days)

    def path_of(self, file: SharedFile) -> Path:
        return self.directory / file.stored_as

    async def upload(
        self,
        actor: Actor,
        public_id: str,
        name: str,
        audience: str | None,
        content_type: str | None,
        declared_size: int | None,
        body: AsyncIterator[bytes],
    ) -> SharedFile:
        session = await self.service.session_for(actor, public_id)
        check_open(session)
        attendees = await self.store.list_attendees(session.id)
        if isinstance(actor, CustomerActor):
            sender = Author.customer(session.customer_name)
        else:
            check_rep_in_session(attendees, actor.rep.id)
            sender = as_author(actor.rep)
        target = rules.file_audience_for(isinstance(actor, CustomerActor), audience)
        clean_name = rules.sanitize_name(name)
        if declared_size is not None:
            rules.check_size(declared_size, self.max_bytes)
        stored_as = uuid.uuid4().hex
        size, digest = await self._receive(stored_as, body)
        file = SharedFile(
            id=0,
            session_id=session.id,
            name=clean_name,
            size=size,
            sha256=digest,
            content_type=_content_type(content_type),
            audience=target,
            sender=sender,
            created_at=self.service.clock(),
            stored_as=stored_as,
        )
        note = rules.offered_note(file)
        if has_unsafe(name):
            # The name hid or reordered characters ("inv\u202eexe.txt" shows as
            # "invtxt.exe"): the representatives see it as sent, spelled out.
            original = escaped(name)[:MAX_ORIGINAL_NAME_CHARS]
            note = replace(note, internal={**note.internal, "original_name": original})
        try:
            saved, event = await self.store.create_file(
                file, seal(note, attendees), self.service.clock()
            )
        except BaseException:
            self.path_of(file).unlink(missing_ok=True)
            raise
        await self.service.publish_events(session.id, [event])
        return self._as_seen(actor, saved, attendees)

    async def _receive(self, stored_as: str, body: AsyncIterator[bytes]) -> tuple[int, str]:
        incoming = self.directory / "incoming"
        await asyncio.to_thread(incoming.mkdir, parents=True, exist_ok=True)
        partial = incoming / stored_as
        digest = hashlib.sha256()
        size = 0
        buffer = bytearray()
        handle = await asyncio.to_thread(partial.open, "wb")
        try:
            async for chunk in body:
                size += len(chunk)
                rules.check_size(size, self.max_bytes)
                digest.update(chunk)
                buffer += chunk
                if len(buffer) >= WRITE_CHUNK_BYTES:
                    await asyncio.to_thread(handle.write, bytes(buffer))
                    buffer.clear()
            if buffer:
                await asyncio.to_thread(handle.write, bytes(buffer))
            await asyncio.to_thread(_flush_to_disk, handle)
        except BaseException:
            handle.close()
            partial.unlink(missing_ok=True)
            raise
        handle.close()
        await asyncio.to_thread(os.replace, partial, self.directory / stored_as)
        return size, digest.hexdigest()

    async def answer(self, actor: Actor, file_id: int, accept: bool) -> SharedFile:
        file, session, attendees = await self._visible(actor, file_id)
        by = _acting(actor, session, attendees)
        answered, note = rules.answer(file, actor.viewer, by, accept)
        event = await self.store.answer_file(answered, seal(note, attendees), self.service.clock())
        await self.service.publish_events(file.session_id, [event])
        return self._as_seen(actor, answered, attendees)

    async def completed(self, actor: Actor, file_id: int) -> None:
        """The recipient checked the download against its SHA-256: say so, once."""
        file, session, attendees = await self._visible(actor, file_id)
        by = _acting(actor, session, attendees)
        rules.check_download(file, actor.viewer)
        if not file.recipient_is(actor.viewer):
            return
        note = rules.completed_note(file, by)
        await self.service.append_and_publish(file.session_id, note, attendees)

    async def download(self, actor: Actor, file_id: int) -> tuple[SharedFile, Path]:
        file, _, _ = await self._visible(actor, file_id)
        rules.check_download(file, actor.viewer)
        path = self.path_of(file)
        if not path.is_file():
            raise NotFound(f"The file {file.name} is no longer kept on the server.")
        return file, path

    async def of_session(self, actor: Actor, public_id: str) -> list[SharedFile]:
        """The session's files as ``actor`` may see them (``visibility.file_view``)."""
        session = await self.service.session_for(actor, public_id)
        attendees = await self.store.list_attendees(session.id)
        seen = (
            file_view(actor.viewer, f, attendees)
            for f in await self.store.files_of_session(session.id)
        )
        return [f for f in seen if f is not None]

    def _as_seen(self, actor: Actor, file: SharedFile, attendees: list[Attendee]) -> SharedFile:
        seen = file_view(actor.viewer, file, attendees)
        if seen is None:
            raise Forbidden("This file is for representatives only.")
        return seen

    async def _visible(
        self, actor: Actor, file_id: int
    ) -> tuple[SharedFile, SupportSession, list[Attendee]]:
        file = await self.store.get_file(file_id)
        if file is None:
            raise NotFound("There is no such file.")
        session = await self.store.get_session(file.session_id)
        assert session is not None
        await self.service.session_for(actor, session.public_id)
        if not can_see_file(actor.viewer, file):
            # Do not confirm that a representatives-only file exists.
            raise Forbidden("This file is for representatives only.")
        return file, session, await self.store.list_attendees(session.id)

    async def purge(self) -> int:
        """Delete files of sessions that ended longer ago than the retention period."""
        expired = await self.store.files_of_sessions_ended_before(
            self.service.clock() - self.retention
        )
        for file in expired:
            await asyncio.to_thread(self.path_of(file).unlink, missing_ok=True)
        await self.store.delete_files([f.id for f in expired])
        if expired:
            log.info("deleted %d files past their retention", len(expired))
        return len(expired)


def _acting(actor: Actor, session: SupportSession, attendees: list[Attendee]) -> Author:
    """Who answers or completes a file: the customer, or a representative present in the
    session (not a manager looking on, nor one who left)."""
    if isinstance(actor, CustomerActor):
        return Author.customer(session.customer_name)
    check_rep_in_session(attendees, actor.rep.id)
    return as_author(actor.rep)


def _flush_to_disk(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _content_type(value: str | None) -> str:
    if value and "/" in value and len(value) <= 100 and value.isprintable():
        return value.split(";")[0].strip().lower()
    return "application/octet-stream"
