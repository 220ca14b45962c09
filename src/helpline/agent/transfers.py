"""Files to and from the customer's disk over the HTTP file routes, streamed.

Why streamed, and why this way: a customer may send a 2 GiB disk image. Uploads are
an async generator that reads the file a piece at a time into httpx (the body is
never whole in memory), with ``Content-Length`` so the server refuses a file over its
limit before it is sent. Downloads are read a piece at a time into a hidden partial
file next to the destination while their SHA-256 is computed; only a download whose
hash matches ``X-Content-SHA256`` (and the offer) becomes a file, under a name that
never replaces an existing one (``report (1).pdf``). A failure removes the partial
file and says, in a sentence, what happened and what to do; the file stays on the
server, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import IO, Any

import httpx

from helpline.agent.api import Api, ApiError
from helpline.domain.files import sanitize_name

CHUNK_BYTES = 1024 * 1024
Progress = Callable[[int, int], None]
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class TransferError(Exception):
    """A transfer that did not happen; ``message`` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _no_progress(done: int, total: int) -> None:
    return None


# ------------------------------------------------------------------ sending


def open_to_send(path: Path) -> tuple[IO[bytes], int]:
    """Open a file the customer wants to send; a clear ``TransferError`` when it
    does not exist, is a folder, or cannot be read."""
    shown = str(path)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise TransferError(f"There is no file {shown}. Check the path and try again.") from None
    except IsADirectoryError:
        raise TransferError(
            f"{shown} is a folder. Send one file at a time (pack a folder into a .zip first)."
        ) from None
    except PermissionError:
        raise TransferError(
            f"You may not read {shown} (permission denied). Copy it somewhere you can read, "
            "or change its permissions, then send it again."
        ) from None
    except OSError as error:
        raise TransferError(f"Could not open {shown}: {error.strerror}.") from None
    try:
        size = os.fstat(handle.fileno()).st_size
        if not path.is_file():
            raise TransferError(f"{shown} is not a regular file; send a regular file.")
    except BaseException:
        handle.close()
        raise
    return handle, size


async def _chunks(handle: IO[bytes], size: int, progress: Progress) -> AsyncIterator[bytes]:
    sent = 0
    progress(0, size)
    while True:
        chunk = await asyncio.to_thread(handle.read, CHUNK_BYTES)
        if not chunk:
            return
        sent += len(chunk)
        yield chunk
        progress(min(sent, size), size)


async def upload(
    api: Api, session: str, path: Path, progress: Progress = _no_progress
) -> dict[str, Any]:
    """Send ``path`` to the session's representatives; the server's ``File``."""
    handle, size = await asyncio.to_thread(open_to_send, path)
    name = path.name
    try:
        async with api.stream(
            "POST",
            f"/api/sessions/{session}/files",
            params={"name": name},
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)},
            content=_chunks(handle, size, progress),
            timeout=httpx.Timeout(60.0, write=None),
        ) as response:
            await response.aread()
            body = response.json()
    except ApiError as error:
        if error.status == 0:
            raise TransferError(
                f"Sending {name} was cut off: the connection to the server was lost. "
                "Nothing was sent; send it again once the agent is connected."
            ) from error
        raise TransferError(f"Could not send {name}: {error.message}") from error
    except httpx.HTTPError as error:
        raise TransferError(
            f"Sending {name} was cut off ({error}). Nothing was sent; send it again."
        ) from error
    except OSError as error:
        raise TransferError(
            f"Could not read {path} while sending it ({error.strerror}). Nothing was sent."
        ) from error
    finally:
        handle.close()
    if not isinstance(body, dict) or not isinstance(body.get("file"), dict):
        raise TransferError(f"The server sent an unexpected answer to sending {name}.")
    file: dict[str, Any] = body["file"]
    return file


# ------------------------------------------------------------------ receiving


def unique_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name (1).ext``, ``name (2).ext``... if that exists."""
    candidate = folder / name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    n = 1
    while candidate.exists() or candidate.is_symlink():
        candidate = folder / (f"{stem} ({n}).{suffix}" if suffix else f"{stem} ({n})")
        n += 1
    return candidate


def place(partial: Path, folder: Path, name: str) -> Path:
    """Give the finished ``partial`` its name without ever replacing a file: a hard
    link fails if the name is taken (then the next name is tried)."""
    for _ in range(1000):
        target = unique_path(folder, name)
        try:
            os.link(partial, target)
        except FileExistsError:
            continue
        except OSError:
            # A file system without hard links: a rename, after checking the name.
            if target.exists():
                continue
            os.replace(partial, target)
            return target
        partial.unlink()
        return target
    raise TransferError(f"Could not find a free name for {name} in {folder}.")


def save_error(name: str, folder: Path, error: OSError) -> TransferError:
    if error.errno in _FULL:
        return TransferError(
            f"Could not save {name}: the download folder {folder} is full. Free some space "
            "there (or start the agent with another --download-dir) and try again; the "
            "file is still on the server."
        )
    if isinstance(error, PermissionError):
        return TransferError(
            f"Could not save {name}: you may not write to {folder}. Choose another folder "
            "with --download-dir and try again."
        )
    return TransferError(f"Could not save {name} in {folder}: {error.strerror or error}.")


def _write(handle: IO[bytes], digest: Any, chunk: bytes) -> None:
    digest.update(chunk)
    handle.write(chunk)


async def download(
    api: Api,
    file_id: int,
    name: str,
    sha256: str,
    folder: Path,
    progress: Progress = _no_progress,
) -> Path:
    """Fetch an accepted file into ``folder``, checked, under a fresh name; then
    ``POST /api/files/{id}/completed``. Returns where it was saved."""
    clean = sanitize_name(name)
    try:
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        partial = folder / f".{clean}.{uuid.uuid4().hex[:8]}.part"
        handle = await asyncio.to_thread(partial.open, "xb")
    except OSError as error:
        raise save_error(clean, folder, error) from error
    digest = hashlib.sha256()
    try:
        try:
            async with api.stream("GET", f"/api/files/{file_id}") as response:
                expected = (sha256 or response.headers.get("x-content-sha256", "")).lower()
                total = int(response.headers.get("content-length", "0") or 0)
                done = 0
                progress(0, total)
                async for chunk in response.aiter_bytes(CHUNK_BYTES):
                    await asyncio.to_thread(_write, handle, digest, chunk)
                    done += len(chunk)
                    progress(done, max(total, done))
        except (ApiError, httpx.HTTPError) as error:
            if isinstance(error, ApiError) and error.status != 0:
                raise TransferError(f"Could not download {clean}: {error.message}") from error
            raise TransferError(
                f"Downloading {clean} was cut off: the connection to the server was lost. "
                "Nothing was saved; try again once the agent is connected."
            ) from error
        finally:
            await asyncio.to_thread(handle.close)
        header = response.headers.get("x-content-sha256", "").lower()
        if not expected or digest.hexdigest() != expected or (header and header != expected):
            raise TransferError(
                f"{clean} arrived damaged (its SHA-256 does not match), so it was not saved. "
                "Try again."
            )
        saved = await asyncio.to_thread(place, partial, folder, clean)
    except OSError as error:
        raise save_error(clean, folder, error) from error
    finally:
        partial.unlink(missing_ok=True)
    # Saved and checked: the customer has the file. If only the "received" note for
    # the representatives cannot be written now, that is no reason to fail the download.
    with contextlib.suppress(ApiError):
        await api.call("POST", f"/api/files/{file_id}/completed")
    return saved
