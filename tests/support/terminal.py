"""A real terminal for the installed ``helpline agent``: a private tmux server.

Each ``Terminal`` runs its own tmux server (``-L``, no user config), so tests never
touch anyone's tmux; keys go in with ``send-keys`` and the screen comes back with
``capture-pane``, polled until the expected text appears or a deadline passes.
"""

from __future__ import annotations

import asyncio
import shlex
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

WAIT_SECONDS = 20.0


class Terminal:
    def __init__(self, tmux: str, width: int = 140, height: int = 44) -> None:
        self.tmux = tmux
        self.socket = f"helpline-test-{uuid.uuid4().hex[:10]}"
        self.width, self.height = width, height

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [self.tmux, "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def start(self, command: list[str], env: dict[str, str]) -> None:
        """Run ``command`` in a new window; when it exits the window says so and stays."""
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # COLUMNS and LINES from the test's own environment would override the pane's size.
        line = (
            f"env -u COLUMNS -u LINES {exports} {shlex.join(command)}; "
            'echo "[exited with $?]"; exec cat'
        )
        self._run(
            "new-session", "-d", "-s", "main", "-x", str(self.width), "-y", str(self.height),
            "sh", "-c", line,
        )  # fmt: skip

    def keys(self, *keys: str) -> None:
        """Keys by tmux name: Enter, F4, C-j, C-q."""
        self._run("send-keys", "-t", "main", *keys)

    def type(self, text: str) -> None:
        self._run("send-keys", "-t", "main", "-l", text)

    def screen(self) -> str:
        return self._run("capture-pane", "-p", "-t", "main")

    def screen_with_colours(self) -> str:
        """The screen with its SGR colour sequences (for the README's picture)."""
        return self._run("capture-pane", "-e", "-p", "-t", "main")

    def flat(self) -> str:
        """The screen's text without the line breaks of wrapping or the log's borders."""
        rows = [row.strip().strip("│").rstrip() for row in self.screen().splitlines()]
        return " ".join(rows)

    async def wait(self, check: Callable[[str], bool], what: str) -> str:
        deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
        while True:
            screen = self.screen()
            if check(screen):
                return screen
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"Not within {WAIT_SECONDS}s: {what}. The screen:\n{screen}")
            await asyncio.sleep(0.1)

    async def shows(self, text: str) -> str:
        return await self.wait(lambda screen: text in screen, repr(text))

    def close(self) -> None:
        """Stop this tmux server and remove its socket file (tmux leaves it behind)."""
        found = subprocess.run(
            [self.tmux, "-L", self.socket, "display-message", "-p", "#{socket_path}"],
            capture_output=True,
            text=True,
            check=False,
        )
        subprocess.run(
            [self.tmux, "-L", self.socket, "kill-server"], capture_output=True, check=False
        )
        if found.returncode == 0 and found.stdout.strip():
            Path(found.stdout.strip()).unlink(missing_ok=True)
