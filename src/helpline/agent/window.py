"""Whether the customer's window on a session is open: the terminal app holds a lock
that the agent running as a service can test.

Why: the service has no window. What needs a person (a consent prompt, the question
before a restart) and what needs the password typed into the window (credentials live
only in that process) can only be done while the window runs. With the window closed,
the service answers at once (``unattended``) instead of leaving a representative
waiting for a timeout. Why a lock (``flock``) rather than a pid file: the kernel lets
it go however the window's process ends, ``kill -9`` included, and a reused pid cannot
fool it. The lock file sits beside the service's state file, owner-only like it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from helpline.agent import state

try:
    import fcntl
except ImportError:  # not a POSIX system: no lock; the service assumes a window
    fcntl = None  # type: ignore[assignment]


def lock_path(session: str, folder: Path | None = None) -> Path:
    return (folder or state.service_dir()) / f"window-{session}.lock"


class WindowLock:
    """Held by the terminal app for as long as it runs the session."""

    def __init__(self, session: str, folder: Path | None = None) -> None:
        self.path = lock_path(session, folder)
        self._fd: int | None = None

    def hold(self) -> bool:
        """Take the lock; False when it cannot be had (another window has it, or the
        folder cannot be written): the service then sees a window, as before."""
        if fcntl is None or self._fd is not None:
            return self._fd is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=state.FOLDER_MODE)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, state.FILE_MODE)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            # Unlinked first, so a later test never finds an unlocked file to trust.
            with contextlib.suppress(OSError):
                self.path.unlink()
            os.close(fd)


def window_open(session: str, folder: Path | None = None) -> bool:
    """Whether a terminal app runs this session now (True where it cannot be told)."""
    if fcntl is None:
        return True
    try:
        fd = os.open(lock_path(session, folder), os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False
