"""Representatives, their roles and their chat preferences."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from enum import StrEnum

from helpline.domain.errors import InvalidInput
from helpline.domain.text import strip_unsafe

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MAX_DISPLAY_NAME_CHARS = 80
MIN_PASSWORD_CHARS = 10


class Role(StrEnum):
    REPRESENTATIVE = "representative"
    MANAGER = "manager"


@dataclass(frozen=True)
class Preferences:
    """What a representative has chosen in Chat Preferences and the console."""

    idle_warning_seconds: int = 60
    idle_alert_seconds: int = 120
    chat_sound: bool = False
    alert_sound: bool = True
    font_size: int = 14
    spell_check: bool = True
    right_nav_open: bool = True
    request_alert_seconds: int = 30

    def updated(self, changes: Mapping[str, object]) -> Preferences:
        """Return a copy with ``changes`` applied, refusing unknown or bad values."""
        known = {f.name: f for f in fields(self)}
        values: dict[str, object] = {}
        for name, value in changes.items():
            if name not in known:
                raise InvalidInput(f"There is no preference called {name!r}.")
            current = getattr(self, name)
            if isinstance(current, bool):
                if not isinstance(value, bool):
                    raise InvalidInput(f"The preference {name!r} must be true or false.")
            elif not isinstance(value, int) or isinstance(value, bool):
                raise InvalidInput(f"The preference {name!r} must be a whole number.")
            values[name] = value
        result = replace(self, **values)  # type: ignore[arg-type]
        result.check()
        return result

    def check(self) -> None:
        if not 5 <= self.idle_warning_seconds <= 3600:
            raise InvalidInput("The first idle threshold must be between 5 and 3600 seconds.")
        if not self.idle_warning_seconds < self.idle_alert_seconds <= 7200:
            raise InvalidInput(
                "The second idle threshold must be larger than the first and at most 7200 seconds."
            )
        if not 5 <= self.request_alert_seconds <= 600:
            raise InvalidInput("A new-request alert shows for 5 to 600 seconds.")
        if not 10 <= self.font_size <= 32:
            raise InvalidInput("The font size must be between 10 and 32 pixels.")

    def as_dict(self) -> dict[str, int | bool]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Representative:
    id: int
    username: str
    display_name: str
    role: Role
    preferences: Preferences = Preferences()
    max_concurrent_sessions: int = 8
    active: bool = True

    @property
    def is_manager(self) -> bool:
        return self.role is Role.MANAGER


def normalize_username(text: str) -> str:
    """The one form of a username: how it is stored, looked up and rate limited.

    Whatever a person types for their username, this is what it means: NFKC folds
    compatibility forms into plain ones (full-width letters, a no-break space),
    surrounding whitespace of any kind is dropped, and case is ignored (casefold). A
    login and its limits use the same form, so `` bob``, ``bob\t`` and ``BOB`` are one
    account with one count of wrong passwords.
    """
    folded = unicodedata.normalize("NFKC", text)
    return unicodedata.normalize("NFKC", folded.casefold()).strip()


def check_username(username: str) -> str:
    """The normalized username, if it is one a representative may have."""
    username = normalize_username(username)
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(
            "A username has 2 to 32 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return username


def check_display_name(name: str) -> str:
    """A person's name as shown to others: one line, without control or bidirectional
    characters (``helpline.domain.text.strip_unsafe``), spaces collapsed."""
    cleaned = " ".join(strip_unsafe(name).split())
    if not cleaned:
        raise InvalidInput("A name cannot be empty.")
    if len(cleaned) > MAX_DISPLAY_NAME_CHARS:
        raise InvalidInput(f"A name has at most {MAX_DISPLAY_NAME_CHARS} characters.")
    return cleaned


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInput(f"A password has at least {MIN_PASSWORD_CHARS} characters.")
    return password
