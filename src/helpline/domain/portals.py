"""Customer portals: the pages where customers ask for help, each with its own queue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from helpline.domain.errors import InvalidInput
from helpline.domain.people import check_display_name

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
MAX_QUERY_CHARS = 2000


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


def check_intake(portal: Portal, name: str, query: str, extra: dict[str, str]) -> Intake:
    """Validate a portal form; the customer's name is required, the query may be short."""
    clean_name = check_display_name(name)
    clean_query = query.strip()
    if len(clean_query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"Please describe the problem in at most {MAX_QUERY_CHARS} characters.")
    allowed = {f.value for f in portal.fields}
    values: list[tuple[str, str]] = []
    for key, value in sorted(extra.items()):
        if key not in allowed:
            raise InvalidInput(f"This portal does not ask for {key!r}.")
        value = value.strip()
        if len(value) > 200:
            raise InvalidInput(f"The field {key!r} has at most 200 characters.")
        values.append((key, value))
    return Intake(name=clean_name, query=clean_query, extra=tuple(values))
