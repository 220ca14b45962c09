"""Push URL: open the page a representative pushed in the customer's default browser.

Why a child process: ``webbrowser`` may run a browser in the foreground and wait for
it, and a browser writes to the terminal, which would scribble over the agent's
screen. So the agent asks ``webbrowser`` (which honours ``$BROWSER``) from a child
process with no terminal, and does not wait for a browser that stays open. Where no
browser can open at all (a server reached over SSH: no ``$BROWSER`` and no display)
it does not try: a text-mode browser would take over the terminal. The caller then
shows the link and tells the representatives (docs/protocol.md, ``url_opened``).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping

# A browser that has not exited after this long was started and stays open.
STARTED_AFTER_SECONDS = 10.0
_running: set[asyncio.Future[int]] = set()
_OPEN = "import sys, webbrowser; sys.exit(0 if webbrowser.open(sys.argv[1], new=2) else 1)"


def can_open(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> bool:
    """Whether a browser can open here: ``$BROWSER`` is set, or this is macOS or
    Windows, or a graphical session (X11 or Wayland) is running."""
    if environ.get("BROWSER"):
        return True
    if platform == "darwin" or platform.startswith("win"):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


async def open_url(url: str) -> bool:
    """Open ``url`` in the default browser; False when none could."""
    if not can_open():
        return False
    try:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _OPEN,
            url,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    waiting = asyncio.ensure_future(child.wait())
    done, _ = await asyncio.wait({waiting}, timeout=STARTED_AFTER_SECONDS)
    if not done:
        # Still running: a browser in the foreground, open on the customer's screen.
        # Keep waiting for it in the background so its exit is collected.
        _running.add(waiting)
        waiting.add_done_callback(_running.discard)
        return True
    return waiting.result() == 0
