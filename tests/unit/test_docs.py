"""The documentation is part of the product: these fail when it drifts from the code."""

from __future__ import annotations

import re
from pathlib import Path

from click import Option

from helpline.commands.serve import serve
from helpline.domain import errors

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "src/helpline/server"


def test_every_serve_option_and_its_variable_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for param in serve.params:
        if not isinstance(param, Option) or param.name in ("help", "log_level"):
            continue
        assert param.opts[0] in readme, f"{param.opts[0]} is not documented in README.md"
        assert isinstance(param.envvar, str) and param.envvar in readme


def test_every_frame_the_server_sends_is_in_the_protocol() -> None:
    protocol = (ROOT / "docs/protocol.md").read_text()
    sources = "".join(path.read_text() for path in sorted(SERVER.glob("*.py")))
    # JSON Schema's own "type"s (the OpenAPI document's fragments) are not frames.
    schema_types = {"string", "integer", "number", "boolean", "object", "array", "null"}
    sent = set(re.findall(r'"type": "([a-z_]+)"', sources)) - schema_types
    assert {"welcome", "event", "ack", "error", "heartbeat", "agent_offer"} <= sent
    for frame_type in sent:
        assert f'"type": "{frame_type}"' in protocol, f"frame {frame_type!r} is undocumented"


def test_every_frame_the_server_reads_is_in_the_protocol() -> None:
    protocol = (ROOT / "docs/protocol.md").read_text()
    gateway = (SERVER / "gateway.py").read_text()
    dispatch = gateway.split("async def _dispatch", 1)[1].split("async def ", 1)[0]
    read = set(re.findall(r'kind == "([a-z_]+)":', dispatch))
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
