"""The README's picture of the agent: a session in a real terminal, drawn to a PNG.

    python -m tests.e2e.make_agent_screenshot

Starts a seeded server on a free port, runs the installed ``helpline agent join`` in a
private tmux server, plays a short support session (a representative's lines, a
pushed page, a file offered and saved), captures the pane with its colours
(``capture-pane -e``) and draws that text with DejaVu Sans Mono (Debian's
fonts-dejavu-core) into docs/screenshots/agent.png. Not a test: run it again when the
app changes.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from tests.support.agent import session_code
from tests.support.clients import Browser
from tests.support.server import ServerProcess, running
from tests.support.terminal import Terminal

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "agent.png"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")
FONT_SIZE = 15
WIDTH, HEIGHT = 110, 32
FOREGROUND, BACKGROUND = (220, 220, 220), (18, 18, 18)
HELPLINE = str(Path(sys.executable).with_name("helpline"))
_SGR = re.compile(r"\x1b\[([0-9;]*)m")

Color = tuple[int, int, int]


def xterm(n: int) -> Color:
    """The xterm 256-colour palette."""
    basic = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
        (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
        (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]  # fmt: skip
    if n < 16:
        return basic[n]
    if n < 232:
        n -= 16
        steps = [0 if c == 0 else 55 + 40 * c for c in (n // 36, (n // 6) % 6, n % 6)]
        return (steps[0], steps[1], steps[2])
    gray = 8 + 10 * (n - 232)
    return (gray, gray, gray)


Cell = tuple[str, Color, Color, bool]


def parse(screen: str) -> list[list[Cell]]:
    """Rows of (character, foreground, background, bold) from ``capture-pane -e``."""
    rows: list[list[Cell]] = []
    fg, bg, bold = FOREGROUND, BACKGROUND, False
    for line in screen.splitlines():
        row: list[Cell] = []
        position = 0
        for match in _SGR.finditer(line):
            row.extend((ch, fg, bg, bold) for ch in line[position : match.start()])
            position = match.end()
            codes = [int(c) if c else 0 for c in match.group(1).split(";")]
            i = 0
            while i < len(codes):
                code = codes[i]
                if code == 0:
                    fg, bg, bold = FOREGROUND, BACKGROUND, False
                elif code == 1:
                    bold = True
                elif code == 22:
                    bold = False
                elif code in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                    color = xterm(codes[i + 2])
                    fg, bg = (color, bg) if code == 38 else (fg, color)
                    i += 2
                elif code in (38, 48) and i + 4 < len(codes) and codes[i + 1] == 2:
                    color = (codes[i + 2], codes[i + 3], codes[i + 4])
                    fg, bg = (color, bg) if code == 38 else (fg, color)
                    i += 4
                elif code == 39:
                    fg = FOREGROUND
                elif code == 49:
                    bg = BACKGROUND
                elif 30 <= code <= 37 or 90 <= code <= 97:
                    fg = xterm(code - 30 if code < 90 else code - 82)
                elif 40 <= code <= 47 or 100 <= code <= 107:
                    bg = xterm(code - 40 if code < 100 else code - 92)
                i += 1
        row.extend((ch, fg, bg, bold) for ch in line[position:])
        # capture-pane leaves out trailing blanks: they have the row's last colours.
        last = row[-1] if row else (" ", FOREGROUND, BACKGROUND, False)
        row.extend((" ", last[1], last[2], False) for _ in range(WIDTH - len(row)))
        rows.append(row)
    return rows


def draw(rows: list[list[Cell]], out: Path) -> None:
    font = ImageFont.truetype(str(FONT), FONT_SIZE)
    bold_font = ImageFont.truetype(str(BOLD), FONT_SIZE) if BOLD.exists() else font
    cell_w = round(font.getlength("M"))
    cell_h = round(FONT_SIZE * 1.25)
    image = Image.new("RGB", (cell_w * WIDTH, cell_h * HEIGHT), BACKGROUND)
    pen = ImageDraw.Draw(image)
    for y, row in enumerate(rows[:HEIGHT]):
        for x, (ch, fg, bg, bold) in enumerate(row[:WIDTH]):
            box = (x * cell_w, y * cell_h, (x + 1) * cell_w, (y + 1) * cell_h)
            pen.rectangle(box, fill=bg)
            if ch.strip():
                pen.text((box[0], box[1] + 1), ch, font=bold_font if bold else font, fill=fg)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, optimize=True)


async def play(server: ServerProcess, folder: Path, tmux: str) -> str:
    browser = folder / "browser.sh"
    browser.write_text("#!/bin/sh\nexit 0\n")
    browser.chmod(0o755)
    terminal = Terminal(tmux, WIDTH, HEIGHT)
    rep = Browser(server)
    try:
        await rep.login("alice")
        console = await rep.socket("/ws/console")
        await console.wait_type("welcome")
        code = await session_code(rep)
        env = {
            "BROWSER": str(browser),
            "PATH": "/usr/bin:/bin",
            "HOME": str(folder),
            "XDG_RUNTIME_DIR": str(folder),
        }
        join = ["agent", "join", code["code"], "--server", server.base_url]
        terminal.start([HELPLINE, *join, "--name", "Dana Whitfield"], env)
        await terminal.shows("Connected: session")
        session = (await console.wait_type("assigned"))["session"]["id"]
        await console.follow(session)
        await console.say(session, "Hi Dana, I'm Alice. Which printer is it?")
        await terminal.shows("Which printer is it?")
        terminal.type("The office laser printer: every page comes out blank.")
        terminal.keys("Enter")
        await terminal.shows("The office laser printer")
        await rep.http.post(
            f"/api/sessions/{session}/push-url",
            json={"url": "https://support.example.com/printers/blank-pages"},
        )
        await terminal.shows("Opened https://support.example.com")
        await rep.http.post(
            f"/api/sessions/{session}/files",
            params={"name": "printer-driver-5.2.deb", "to": "customer"},
            content=b"driver" * 40_000,
        )
        await terminal.shows("Decline")
        terminal.keys("F4")
        await terminal.shows("Saved printer-driver-5.2.deb")
        await console.say(session, "Please install that driver and print a test page.")
        await terminal.shows("install that driver")
        terminal.type("Installing it now, thanks!")
        await terminal.shows("Installing it now")
        await console.close()
        return terminal.screen_with_colours()
    finally:
        terminal.close()
        await rep.close()


async def main(tmux: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with running(ServerProcess(Path(folder) / "data")) as server:
            screen = await play(server, Path(folder), tmux)
    draw(parse(screen), OUT)
    print(f"Wrote {OUT}")


if __name__ == "__main__":
    found = shutil.which("tmux")
    if found is None or not FONT.is_file():
        raise SystemExit("Install tmux and the font: apt-get install -y tmux fonts-dejavu-core")
    asyncio.run(main(found))
