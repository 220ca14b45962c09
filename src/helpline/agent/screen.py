"""The customer's screen, shared with consent: captured with mss, sent as JPEG frames.

Why these pieces: ``mss`` grabs the screen in about a millisecond through the X
server (and on macOS and Windows through their own APIs) with no other dependency;
Pillow scales and encodes the grab as a JPEG of a few kilobytes. Frames use the
binary format of docs/protocol.md, declared with the server in
``helpline.protocol.screen_frames``.

A thumbnail goes every two seconds while sharing; viewer frames go six times a
second for ten seconds after each ``screen_watch``. Capturing runs in one thread of
its own: an mss instance belongs to the thread that made it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from helpline.protocol.screen_frames import (
    THUMBNAIL,
    VIEWER_FRAME,
    ScreenHeader,
    encode_screen_frame,
)

THUMBNAIL_WIDTH = 320
VIEWER_WIDTH = 1280
THUMBNAIL_EVERY_SECONDS = 2.0
VIEWER_EVERY_SECONDS = 1 / 6
WATCH_WINDOW_SECONDS = 10.0
JPEG_QUALITY = 60


def encode_frame(kind: int, session: str, width: int, height: int, image: bytes) -> bytes:
    return encode_screen_frame(kind, ScreenHeader(session, width, height), image)


def fit_width(width: int, height: int, max_width: int) -> tuple[int, int]:
    """The size to scale ``width`` x ``height`` to, at most ``max_width`` wide."""
    if width <= max_width:
        return width, height
    return max_width, max(1, round(height * max_width / width))


class Capture:
    """Grabs the primary screen and encodes it; use from one thread only."""

    def __init__(self) -> None:
        self._mss: Any = None

    def grab(self, max_width: int) -> tuple[int, int, bytes]:
        import mss
        from PIL import Image

        if self._mss is None:
            self._mss = mss.MSS()
        monitors = self._mss.monitors
        shot = self._mss.grab(monitors[1] if len(monitors) > 1 else monitors[0])
        image = Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX")
        size = fit_width(image.width, image.height, max_width)
        if size != (image.width, image.height):
            image = image.resize(size, Image.Resampling.BILINEAR)
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=JPEG_QUALITY)
        return image.width, image.height, out.getvalue()

    def close(self) -> None:
        if self._mss is not None:
            self._mss.close()
            self._mss = None


def has_display() -> bool:
    """Whether there is a screen to share: a display to connect to (on Linux, an X
    server; mss cannot capture Wayland without it) and one grab that works."""
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        return False
    capture = Capture()
    try:
        capture.grab(16)
    except Exception:  # any failure to reach or read the display means "no display"
        return False
    finally:
        # Closing a display that never opened may fail too; there is nothing to undo.
        with contextlib.suppress(Exception):
            capture.close()
    return True


class ScreenShare:
    """One share: thumbnails every two seconds, viewer frames while watched."""

    def __init__(
        self,
        session: str,
        send: Callable[[bytes], bool],
        capture: Capture | None = None,
    ) -> None:
        self.session = session
        self.send = send
        self.sent = {THUMBNAIL: 0, VIEWER_FRAME: 0}
        self.error: str | None = None
        self._capture = capture or Capture()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="helpline-screen")
        self._watch_until = 0.0
        self._wake = asyncio.Event()
        self._stopped = False

    def watched(self) -> None:
        """A Viewer window is open: viewer frames for the next ten seconds."""
        self._watch_until = asyncio.get_running_loop().time() + WATCH_WINDOW_SECONDS
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        next_thumbnail = loop.time()
        try:
            while not self._stopped:
                started = loop.time()
                if started >= next_thumbnail:
                    await self._frame(THUMBNAIL, THUMBNAIL_WIDTH)
                    next_thumbnail = started + THUMBNAIL_EVERY_SECONDS
                watching = loop.time() < self._watch_until
                if watching:
                    await self._frame(VIEWER_FRAME, VIEWER_WIDTH)
                    delay = VIEWER_EVERY_SECONDS - (loop.time() - started)
                else:
                    delay = next_thumbnail - loop.time()
                self._wake.clear()
                if delay > 0 and not self._stopped:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), delay)
        finally:
            await loop.run_in_executor(self._executor, self._capture.close)
            self._executor.shutdown(wait=False)

    async def _frame(self, kind: int, width: int) -> None:
        loop = asyncio.get_running_loop()
        try:
            w, h, jpeg = await loop.run_in_executor(self._executor, self._capture.grab, width)
        except Exception as error:  # the display went away: stop, and say why
            self.error = f"The screen could not be captured any more ({error})."
            self._stopped = True
            return
        if self.send(encode_frame(kind, self.session, w, h, jpeg)):
            self.sent[kind] += 1
