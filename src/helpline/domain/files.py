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

from helpline.domain.drafting import Disclosure, Draft, Wording, say
from helpline.domain.errors import Conflict, Forbidden, InvalidInput, TooLarge
from helpline.domain.events import Audience, Author, EventKind, Scalar
from helpline.domain.text import strip_unsafe
from helpline.domain.viewers import Viewer

MIB = 1024**2
# The largest file a transfer accepts unless the server is told otherwise (settings.py).
DEFAULT_MAX_FILE_BYTES = 2048 * MIB
# How long a file is kept after its session ended, unless the server is told otherwise.
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
            # Cut mid-name, it may end in a space or dot again, which Windows drops.
            cleaned = cleaned[:MAX_NAME_CHARS].rstrip(" .")
    return cleaned


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise TooLarge(
            f"Files can be at most {human_size(limit)}; this one is {_over(size, limit)}."
        )


def human_size(size: int) -> str:
    """A size as people read it: "1 byte", "900 bytes", "1.5 KB", "2.0 GB"."""
    if size == 1:
        return "1 byte"
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _over(size: int, limit: int) -> str:
    """How much too large, said so that the two sizes never read the same."""
    shown, most = human_size(size), human_size(limit)
    if shown == most:
        return f"{size:,} bytes, {size - limit:,} more than the limit of {limit:,}"
    return shown


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


def _body(file: SharedFile, action: str) -> dict[str, Scalar]:
    return {
        "action": action,
        "file_id": file.id,
        "name": file.name,
        "size": file.size,
        "sha256": file.sha256,
        "audience": file.audience.value,
    }


def _note(file: SharedFile, action: str, author: Author, text: Wording) -> Draft:
    # The customer reads who sent or answered their file as "A representative" when
    # that representative is masked: they still need to know what happened to it.
    return Draft(
        EventKind.STATUS,
        _audience(file),
        author,
        text,
        body=_body(file, action),
        if_masked=Disclosure.ANONYMOUS,
    )


def offered_note(file: SharedFile) -> Draft:
    text = say(
        "{by} offered the file {name} ({size}).",
        by=file.sender,
        name=file.name,
        size=human_size(file.size),
    )
    return _note(file, "file_offered", file.sender, text)


def answer(file: SharedFile, viewer: Viewer, by: Author, accept: bool) -> tuple[SharedFile, Draft]:
    if not file.recipient_is(viewer):
        raise Forbidden("Only the recipient can accept or decline this file.")
    if file.state is not FileState.OFFERED:
        raise Conflict(f"The file {file.name} was already {file.state.value}.")
    state = FileState.ACCEPTED if accept else FileState.DECLINED
    answered = replace(file, state=state, answered_by=by.name)
    verb = "accepted" if accept else "declined"
    text = say(
        "{by} {verb} the file {name} ({size}).",
        by=by,
        verb=verb,
        name=file.name,
        size=human_size(file.size),
    )
    return answered, _note(file, f"file_{verb}", Author.system(), text)


def completed_note(file: SharedFile, by: Author) -> Draft:
    """The recipient checked the download; its author and client id make a repeated
    report a no-op: (session, author, client id) is unique."""
    text = say(
        "{by} received the file {name} ({size}).",
        by=by,
        name=file.name,
        size=human_size(file.size),
    )
    note = _note(file, "file_completed", by, text)
    return replace(note, client_id=f"file-{file.id}-completed")


def check_download(file: SharedFile, viewer: Viewer) -> None:
    """May ``viewer``, who can see ``file`` (``visibility.can_see_file``), download it?"""
    if file.state is FileState.DECLINED:
        raise Forbidden(f"The file {file.name} was declined.")
    if file.recipient_is(viewer) and file.state is not FileState.ACCEPTED:
        raise Conflict(f"Accept the file {file.name} before downloading it.")
