"""Click options made from the server's settings, and ``--help`` grouped by their sections.

Why this exists: every setting is declared once, in ``server/settings.py``; this turns
each into its flag (the variable and the default are shown in its help, and read by
the settings themselves), so ``helpline serve`` and the commands that open the store
cannot drift from the settings or from each other. A flag not given stays ``None``,
which lets a ``HELPLINE_`` variable, then the default, decide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from helpline.server.settings import (
    InvalidSettings,
    Settings,
    default_text,
    flag,
    load_settings,
    option,
    variable,
)

F = TypeVar("F", bound=Callable[..., Any])
OTHER = "Other options"


def setting_option(name: str) -> Callable[[F], F]:
    """The flag of setting ``name``, with its unit, default, variable and an example."""
    field = Settings.model_fields[name]
    shown = option(name)
    notes = [f"default: {default_text(name)}"] if default_text(name) else []
    notes += [f"e.g. {shown.example}", f"env: {variable(name)}"]
    repeatable = field.default == ()
    return click.option(
        flag(name),
        name,
        metavar=shown.metavar,
        multiple=repeatable,
        default=() if repeatable else None,
        help=f"{field.description} [{'; '.join(notes)}]",
    )


def setting_options(names: Iterable[str] = tuple(Settings.model_fields)) -> Callable[[F], F]:
    """The flags of several settings, in the order given (click lists them as applied)."""

    def apply(command: F) -> F:
        for name in reversed(tuple(names)):
            command = setting_option(name)(command)
        return command

    return apply


def settings_from(given: dict[str, object]) -> Settings:
    """Settings from the flags given (``None`` or ``()`` is not given), the variables
    and the defaults; a bad value is a usage error naming its flag and variable."""
    chosen = {name: value for name, value in given.items() if value is not None and value != ()}
    try:
        return load_settings(**chosen)
    except InvalidSettings as error:
        problems = error.problems
        if len(problems) == 1:
            raise click.UsageError(problems[0]) from None
        lines = "".join(f"\n  {problem}" for problem in problems)
        raise click.UsageError(f"{len(problems)} settings cannot be used:{lines}") from None


class SettingsCommand(click.Command):
    """A command whose ``--help`` lists its settings' flags section by section."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            name = param.name or ""
            group = option(name).group if name in Settings.model_fields else OTHER
            sections.setdefault(group, []).append(record)
        for group, rows in sections.items():
            with formatter.section(group):
                formatter.write_dl(rows)
