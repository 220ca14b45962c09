"""Every server setting comes from its flag, else its HELPLINE_ variable, else its
default, and a value that cannot be used is answered with a line naming both."""

from __future__ import annotations

from pathlib import Path

import pytest
from click import Option
from click.testing import CliRunner

from helpline.cli import main
from helpline.commands.options import settings_from
from helpline.commands.serve import serve
from helpline.domain.files import DEFAULT_MAX_FILE_BYTES
from helpline.server.settings import Settings, default_text, flag, option, variable

NAMES = tuple(Settings.model_fields)


@pytest.fixture(autouse=True)
def no_settings_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(variable(name), raising=False)


def from_command_line(*args: str) -> Settings:
    """What ``helpline serve ARGS`` would run with, without starting it."""
    return settings_from(serve.make_context("serve", list(args)).params)


def test_a_flag_beats_its_variable_which_beats_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert from_command_line().heartbeat_seconds == 25
    monkeypatch.setenv("HELPLINE_HEARTBEAT_SECONDS", "10")
    assert from_command_line().heartbeat_seconds == 10
    assert from_command_line("--heartbeat-seconds", "5").heartbeat_seconds == 5


def test_a_flag_given_leaves_a_bad_variable_for_it_unread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HELPLINE_PORT", "not a port")
    assert from_command_line("--port", "8001").port == 8001


@pytest.mark.parametrize("name", NAMES)
def test_every_setting_has_a_flag_and_a_variable(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = {param.name: param for param in serve.params if isinstance(param, Option)}
    assert flag(name) in options[name].opts
    example = option(name).example
    by_flag = getattr(from_command_line(flag(name), example), name)
    monkeypatch.setenv(variable(name), example)
    by_variable = getattr(from_command_line(), name)
    assert by_flag == by_variable != Settings.model_fields[name].default


def test_repeatable_settings_take_a_list_in_their_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HELPLINE_TRUSTED_PROXIES", "10.0.0.1, 10.0.0.2 192.168.0.0/16")
    assert from_command_line().trusted_proxies == ("10.0.0.1", "10.0.0.2", "192.168.0.0/16")
    repeated = from_command_line("--allowed-origin", "https://a.test", "--allowed-origin", "b")
    assert repeated.allowed_origins == ("https://a.test", "b")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--heartbeat-seconds", "soon"],
            "--heartbeat-seconds / HELPLINE_HEARTBEAT_SECONDS: must be a number greater "
            "than 0 and at most 3600 (got 'soon')",
        ),
        (
            ["--heartbeat-seconds", "0"],
            "--heartbeat-seconds / HELPLINE_HEARTBEAT_SECONDS: must be a number greater "
            "than 0 and at most 3600 (got '0')",
        ),
        (
            ["--port", "70000"],
            "--port / HELPLINE_PORT: must be a whole number from 1 to 65535 (got '70000')",
        ),
        (
            ["--code-lifetime-seconds", "1.5"],
            "--code-lifetime-seconds / HELPLINE_CODE_LIFETIME_SECONDS: must be a whole "
            "number from 60 to 604800 (got '1.5')",
        ),
        (
            ["--message-limit", "lots"],
            "--message-limit / HELPLINE_MESSAGE_LIMIT: must be a rate such as "
            "'10 per 10 minutes', '60 per minute' or '5/second' (got 'lots')",
        ),
        (
            ["--bus", "nats://queue"],
            "--bus / HELPLINE_BUS: must be 'memory' or a redis:// URL (got 'nats://queue')",
        ),
        (["--log-level", "loud"], "--log-level / HELPLINE_LOG_LEVEL: must be 'debug', "),
    ],
)
def test_a_bad_flag_is_answered_with_its_flag_variable_and_rule(args: list[str], said: str) -> None:
    result = CliRunner().invoke(main, ["serve", *args])
    assert result.exit_code == 2
    assert said in result.output
    assert "Traceback" not in result.output


def test_a_bad_variable_is_answered_the_same_way() -> None:
    result = CliRunner().invoke(main, ["serve"], env={"HELPLINE_MAX_FILE_MB": "0"})
    assert result.exit_code == 2
    assert (
        "--max-file-mb / HELPLINE_MAX_FILE_MB: must be a whole number from 1 to 1048576 "
        "(got '0')" in result.output
    )


def test_every_bad_value_is_listed_at_once() -> None:
    result = CliRunner().invoke(
        main, ["serve", "--port", "x"], env={"HELPLINE_LOGIN_LIMIT": "never"}
    )
    assert result.exit_code == 2
    assert "2 settings cannot be used:" in result.output
    assert "--port / HELPLINE_PORT" in result.output
    assert "--login-limit / HELPLINE_LOGIN_LIMIT" in result.output


def test_the_commands_that_open_the_store_read_the_same_variables(tmp_path: Path) -> None:
    folder = tmp_path / "from-variable"
    result = CliRunner().invoke(main, ["db", "upgrade"], env={"HELPLINE_DATA_DIR": str(folder)})
    assert result.exit_code == 0, result.output
    assert (folder / "helpline.db").exists()


def test_the_file_limit_is_two_gib_unless_told_otherwise() -> None:
    assert Settings().max_file_bytes == DEFAULT_MAX_FILE_BYTES == 2 * 1024**3
    assert from_command_line("--max-file-mb", "1").max_file_bytes == 1024 * 1024


def test_serve_help_groups_its_options_with_units_defaults_and_variables() -> None:
    shown = CliRunner().invoke(main, ["serve", "--help"], terminal_width=200).output
    for section in ("Where it listens:", "Storage:", "Lifetimes:", "Rate limits"):
        assert section in shown
    assert "--heartbeat-seconds SECONDS" in shown
    assert "[default: 25; e.g. 10; env: HELPLINE_HEARTBEAT_SECONDS]" in shown
    for name in NAMES:
        assert variable(name) in shown
        assert f"default: {default_text(name)}" in shown or not default_text(name)
