"""The documentation is part of the product: these fail when it drifts from the code."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import msgspec

from helpline.commands.serve import serve
from helpline.domain import errors
from helpline.protocol import client_frames, server_frames
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


def frame_table(heading: str) -> dict[str, list[dict[str, bool]]]:
    """docs/protocol.md's table of frames under ``heading``: for each ``type``, each of
    its rows as {field: whether it is marked optional (``"field"?:``)}."""
    protocol = (ROOT / "docs/protocol.md").read_text()
    table = protocol.split(f"### {heading}\n", 1)[1].lstrip("\n").split("\n\n", 1)[0]
    rows: dict[str, list[dict[str, bool]]] = {}
    for row in table.splitlines():
        if not row.startswith("| `{"):
            continue
        shape = row.split(" | ", 1)[0]
        tag = re.search(r'"type": "([a-z_]+)"', shape)
        assert tag is not None, f"a row of {heading!r} without a type: {shape}"
        fields = {name: bool(mark) for name, mark in re.findall(r'"([a-z_]+)"(\?)?:', shape)}
        del fields["type"]
        rows.setdefault(tag.group(1), []).append(fields)
    return rows


def declared_frames(base: type[msgspec.Struct]) -> dict[str, list[type[msgspec.Struct]]]:
    frames: dict[str, list[type[msgspec.Struct]]] = {}
    for struct in base.__subclasses__():
        frames.setdefault(str(struct.__struct_config__.tag), []).append(struct)
    return frames


def check_frames_match(
    heading: str, base: type[msgspec.Struct], optional: Callable[[msgspec.structs.FieldInfo], bool]
) -> None:
    documented, declared = frame_table(heading), declared_frames(base)
    assert set(documented) == set(declared), f"{heading}: the doc and the code name other frames"
    for tag, structs in declared.items():
        rows = documented[tag]
        if len(structs) == 1:
            # One frame documented in several rows (the agent's ``consent``): a field
            # missing from a row is optional.
            names = {name for row in rows for name in row}
            merged = {n: any(row.get(n, True) for row in rows) for n in names}
            rows = [merged]
        for struct in structs:
            fields = {f.encode_name: optional(f) for f in msgspec.structs.fields(struct)}
            assert fields in rows, f"{tag!r}: {struct.__name__} declares {fields}, docs: {rows}"


def test_every_frame_a_client_sends_is_documented_with_its_fields_and_nothing_else() -> None:
    check_frames_match(
        "Client to server", client_frames.ClientFrame, lambda field: not field.required
    )


def test_every_frame_the_server_sends_is_documented_with_its_fields_and_nothing_else() -> None:
    check_frames_match(
        "Server to client", server_frames.ServerFrame, lambda field: field.default is msgspec.UNSET
    )


def test_the_frame_tables_are_read_whole() -> None:
    assert {"subscribe", "send", "consent", "url_opened", "watch"} <= set(
        frame_table("Client to server")
    )
    sent = frame_table("Server to client")
    assert len(sent["welcome"]) == 2 and sent["error"][0]["retry_after"] is True
    assert set(sent["ack"][0]) == {"session", "client_id", "seq", "duplicate"}


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


def test_the_invitation_object_is_documented_with_its_fields() -> None:
    protocol = " ".join((ROOT / "docs/protocol.md").read_text().split())
    shape = protocol.split("`Invitation` is `", 1)[1].split("`", 1)[0]
    declared = {
        field.encode_name
        for struct in (server_frames.InvitationBody, server_frames.InvitedSession)
        for field in msgspec.structs.fields(struct)
    }
    assert set(re.findall(r'"([a-z_]+)"', shape)) == declared


def _layout_entries() -> dict[str, str]:
    """docs/architecture.md's layout (its first code block) by entry: "store/" to the
    text that describes it."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    block = text.split("```", 2)[1]
    entries: dict[str, str] = {}
    current = ""
    for line in block.splitlines():
        start = re.match(r"^  (\S+)\s", line)
        if start:
            current = start.group(1)
            entries[current] = ""
        if current:
            entries[current] += " " + line.strip()
    return entries


def test_the_layout_names_every_module_where_a_newcomer_looks_for_it() -> None:
    entries = _layout_entries()
    architecture = (ROOT / "docs" / "architecture.md").read_text()
    agent_section = architecture.split("\n## The agent\n", 1)[1].split("\n## ", 1)[0]
    package = ROOT / "src" / "helpline"
    unnamed = []
    for module in sorted(package.rglob("*.py")):
        relative = module.relative_to(package)
        if module.name == "__init__.py" or "versions" in relative.parts:
            continue
        if relative.parts[0] == "agent":
            # The agent has a section of its own, which names each of its modules.
            named = re.search(rf"\b{re.escape(module.name)}\b", agent_section) is not None
        else:
            entry = entries.get(f"{relative.parts[0]}/" if len(relative.parts) > 1 else module.name)
            named = (
                entry is not None and re.search(rf"\b{re.escape(module.name)}\b", entry) is not None
            )
        if not named:
            unnamed.append(str(relative))
    assert unnamed == [], f"docs/architecture.md's layout does not name: {unnamed}"
