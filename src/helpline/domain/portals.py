"""Customer portals: the pages where customers ask for help, each with its own queue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from helpline.domain.errors import InvalidInput
from helpline.domain.people import check_display_name
from helpline.domain.text import strip_unsafe

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
MAX_QUERY_CHARS = 2000
MAX_PORTAL_NAME_CHARS = 80


class PortalField(StrEnum):
    """Fields a portal may ask the customer to fill, beyond name and question."""

    EMAIL = "email"
    PHONE = "phone"
    COMPANY = "company"


@dataclass(frozen=True)
class Portal:
    id: int
    slug: str
    name: str
    fields: tuple[PortalField, ...] = ()
    greeting: str = ""


@dataclass(frozen=True)
class Intake:
    """What a customer typed on a portal page, checked."""

    name: str
    query: str
    extra: tuple[tuple[str, str], ...] = ()


def check_slug(slug: str) -> str:
    if not SLUG_PATTERN.match(slug):
        raise InvalidInput(
            "A portal slug has 1 to 48 lower-case letters, digits or '-', starting with a "
            "letter or digit."
        )
    return slug


def check_portal_name(name: str) -> str:
    """A portal's name as customers see it: one line, without control or bidirectional
    characters, spaces collapsed."""
    cleaned = " ".join(strip_unsafe(name).split())
    if not cleaned:
        raise InvalidInput("A portal's name cannot be empty.")
    if len(cleaned) > MAX_PORTAL_NAME_CHARS:
        raise InvalidInput(f"A portal's name has at most {MAX_PORTAL_NAME_CHARS} characters.")
    return cleaned


def check_intake(portal: Portal, name: str, query: str, extra: dict[str, str]) -> Intake:
    """Validate a portal form; the customer's name is required, the query may be short.
    Control and bidirectional characters are dropped (the query keeps its lines)."""
    clean_name = check_display_name(name)
    clean_query = strip_unsafe(query, keep_lines=True).strip()
    if len(clean_query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"Please describe the problem in at most {MAX_QUERY_CHARS} characters.")
    allowed = {f.value for f in portal.fields}
    values: list[tuple[str, str]] = []
    for key, value in sorted(extra.items()):
        if key not in allowed:
            raise InvalidInput(f"This portal does not ask for {key!r}.")
        value = " ".join(strip_unsafe(value).split())
        if len(value) > 200:
            raise InvalidInput(f"The field {key!r} has at most 200 characters.")
        values.append((key, value))
    return Intake(name=clean_name, query=clean_query, extra=tuple(values))
