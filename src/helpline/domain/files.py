"""File transfer: one side offers files, the recipient accepts or declines each.

A file's audience decides who may see its notes and download it: the customer (and
the representatives), or representatives only. Accepting a file is the customer's
consent to receive it. Names are sanitized before they are stored or sent back in a
header, since they come from another person's computer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from helpline.domain.errors import Conflict, Forbidden, InvalidInput, TooLarge
from helpline.domain.events import Audience, Author, EventDraft, EventKind, Scalar
from helpline.domain.text import strip_unsafe
from helpline.domain.visibility import Viewer

DEFAULT_MAX_FILE_BYTES = 2 * 1024**3
DEFAULT_RETENTION = timedelta(days=30)
MAX_NAME_CHARS = 180
_RESERVED = re.compile(r'[<>:"/\\|?*]+')


class FileAudience(StrEnum):
    CUSTOMER = "customer"  # from a representative to the customer
    REPRESENTATIVES = "representatives"  # to the representatives of the session only


class FileState(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@dataclass(frozen=True)
class SharedFile:
    id: int
    session_id: int
    name: str
    size: int
    sha256: str
    content_type: str
    audience: FileAudience
    sender: Author
    created_at: datetime
    state: FileState = FileState.OFFERED
    answered_by: str | None = None
    stored_as: str = ""

    @property
    def from_customer(self) -> bool:
        return self.sender.rep_id is None

    def visible_to(self, viewer: Viewer) -> bool:
        if viewer.is_customer:
            return self.audience is FileAudience.CUSTOMER or self.from_customer
        return True

    def recipient_is(self, viewer: Viewer) -> bool:
        """Who accepts or declines: the customer for files sent to them, else a rep."""
        if self.from_customer:
            return not viewer.is_customer
        if self.audience is FileAudience.CUSTOMER:
            return viewer.is_customer
        return not viewer.is_customer and viewer.rep_id != self.sender.rep_id


def sanitize_name(name: str) -> str:
    """A file name safe to store, show and put in a Content-Disposition header: no
    folders, no control or bidirectional characters (``"inv\\u202eexe.txt"`` would
    show as "invtxt.exe"; it becomes "invexe.txt"), reserved characters as ``_``."""
    cleaned = strip_unsafe(unicodedata.normalize("NFC", name))
    cleaned = cleaned.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _RESERVED.sub("_", cleaned).strip(" .")
    if not cleaned:
        cleaned = "file"
    if len(cleaned) > MAX_NAME_CHARS:
        stem, dot, suffix = cleaned.rpartition(".")
        if dot and len(suffix) <= 10:
            cleaned = stem[: MAX_NAME_CHARS - len(suffix) - 1] + "." + suffix
        else:
            cleaned = cleaned[:MAX_NAME_CHARS]
    return cleaned


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise TooLarge(f"Files can be at most {human_size(limit)}; this one is {human_size(size)}.")


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def file_audience_for(sender_is_customer: bool, requested: str | None) -> FileAudience:
    """Customers send to the representatives; representatives choose."""
    if sender_is_customer:
        return FileAudience.REPRESENTATIVES
    try:
        return FileAudience(requested or FileAudience.CUSTOMER.value)
    except ValueError:
        raise InvalidInput("A file goes to 'customer' or 'representatives'.") from None


def _audience(file: SharedFile) -> Audience:
    if file.audience is FileAudience.CUSTOMER or file.from_customer:
        return Audience.everyone()
    return Audience.representatives()


def _body(file: SharedFile, action: str, text: str) -> dict[str, Scalar]:
    return {
        "action": action,
        "text": text,
        "file_id": file.id,
        "name": file.name,
        "size": file.size,
        "sha256": file.sha256,
        "audience": file.audience.value,
    }


def offered_note(file: SharedFile, reveals_masked: bool = False) -> EventDraft:
    size = human_size(file.size)
    return EventDraft(
        EventKind.STATUS,
        _audience(file),
        file.sender,
        _body(file, "file_offered", f"{file.sender.name} offered the file {file.name} ({size})."),
        reveals_masked=reveals_masked,
    )


def answer(
    file: SharedFile, viewer: Viewer, who: str, accept: bool
) -> tuple[SharedFile, EventDraft]:
    if not file.recipient_is(viewer):
        raise Forbidden("Only the recipient can accept or decline this file.")
    if file.state is not FileState.OFFERED:
        raise Conflict(f"The file {file.name} was already {file.state.value}.")
    state = FileState.ACCEPTED if accept else FileState.DECLINED
    answered = replace(file, state=state, answered_by=who)
    verb = "accepted" if accept else "declined"
    note = EventDraft(
        EventKind.STATUS,
        _audience(file),
        Author.system(),
        _body(
            file, f"file_{verb}", f"{who} {verb} the file {file.name} ({human_size(file.size)})."
        ),
    )
    return answered, note


def completed_note(file: SharedFile, who: str) -> EventDraft:
    return EventDraft(
        EventKind.STATUS,
        _audience(file),
        Author.system(),
        _body(
            file,
            "file_completed",
            f"{who} received the file {file.name} ({human_size(file.size)}).",
        ),
    )


def check_download(file: SharedFile, viewer: Viewer) -> None:
    if not file.visible_to(viewer):
        raise Forbidden("This file is for representatives only.")
    if file.state is FileState.DECLINED:
        raise Forbidden(f"The file {file.name} was declined.")
    if file.recipient_is(viewer) and file.state is not FileState.ACCEPTED:
        raise Conflict(f"Accept the file {file.name} before downloading it.")
