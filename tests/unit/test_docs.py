"""The documentation is part of the product: these fail when it drifts from the code."""

from __future__ import annotations

import re
from pathlib import Path

from helpline.commands.serve import serve
from helpline.domain import errors
from helpline.server.frames import FRAME_TYPES
from helpline.server.outbound import ServerFrame
from helpline.server.settings import Settings, default_text, flag, variable

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "src/helpline/server"


def settings_table() -> list[str]:
    """The rows of README.md's table of ``helpline serve`` options."""
    readme = (ROOT / "README.md").read_text()
    table = readme.split("| option | variable | default |", 1)[1].split("\n\n", 1)[0]
    return [row for row in table.splitlines() if row.startswith("| `--")]


def test_every_setting_is_in_the_readme_with_its_variable_and_default() -> None:
    rows = settings_table()
    for name in Settings.model_fields:
        row = next((row for row in rows if f"`{flag(name)}`" in row), None)
        assert row is not None, f"{flag(name)} is not in README.md's table"
        assert f"`{variable(name)}`" in row, f"{variable(name)} is not beside {flag(name)}"
        assert default_text(name) in row, f"{flag(name)}'s default is not in README.md"


def test_the_readme_names_no_option_that_serve_lacks() -> None:
    flags = {option for param in serve.params for option in param.opts}
    for row in settings_table():
        for named in re.findall(r"`(--[a-z-]+)`", row.split(" | ")[0]):
            assert named in flags, f"README.md names {named}, which serve does not take"


def test_every_frame_the_server_sends_is_in_the_protocol() -> None:
    protocol = (ROOT / "docs/protocol.md").read_text()
    sent = {str(frame.__struct_config__.tag) for frame in ServerFrame.__subclasses__()}
    assert {"welcome", "event", "ack", "error", "heartbeat", "agent_offer"} <= sent
    for frame_type in sent:
        assert f'"type": "{frame_type}"' in protocol, f"frame {frame_type!r} is undocumented"


def test_every_frame_the_server_reads_is_in_the_protocol() -> None:
    protocol = (ROOT / "docs/protocol.md").read_text()
    read = set(FRAME_TYPES)
    assert {"subscribe", "send", "consent", "url_opened"} <= read
    for frame_type in read:
        assert f'"type": "{frame_type}"' in protocol, f"frame {frame_type!r} is undocumented"


def test_every_error_code_is_in_the_protocol() -> None:
    protocol = (ROOT / "docs/protocol.md").read_text()
    codes = {
        cls.code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.HelplineError)
    } - {"error"}
    assert len(codes) >= 10
    for code in codes:
        assert f"`{code}`" in protocol, f"error code {code!r} is undocumented"


def test_every_close_code_is_in_the_protocol() -> None:
    protocol = (ROOT / "docs/protocol.md").read_text()
    closes = (SERVER / "closes.py").read_text()
    codes = re.findall(r"^CLOSE_[A-Z_]+ = (\d+)$", closes, re.MULTILINE)
    assert len(codes) >= 4
    for code in codes:
        assert f"| {code} |" in protocol
