"""Drafting events: the one place where an event learns whether it names a masked
representative, and what the customer may read of it.

Every event starts as a ``Draft``: who wrote it, for whom, and its ``Wording``, a
sentence whose people are slots rather than text ("{by} accepted the file {name}").
``seal`` turns a draft into the ``EventDraft`` the store appends, deciding from the
session's attendees, not from any flag a caller passes:

- an event that names no masked representative (as author or in a slot) is stored as
  it is;
- one that does is, by its ``if_masked`` rule, either hidden from the customer
  (``HIDDEN``, the default: a masked representative's chat line, join or leave) or
  shown with "A representative" in place of every masked name (``ANONYMOUS``: the
  screen request, a file they send or answer, a pushed URL). The customer's copy is
  what the body and author hold; the representatives' wording and the real author
  name go into ``internal``, which the customer never receives;
- as a last guard, a system-written event whose customer copy still contains a masked
  representative's name (a name put in the text by hand rather than in a slot) is
  hidden from the customer. Free text that people write is not scanned.

Nothing else builds an ``EventDraft`` (a unit test walks the source to keep it so).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from helpline.domain.events import (
    Audience,
    Author,
    AuthorKind,
    Body,
    EventDraft,
    EventKind,
    Scalar,
)

if TYPE_CHECKING:
    from helpline.domain.sessions import Attendee

ANONYMOUS = "A representative"
# The keys in ``internal`` that carry what representatives read instead of the body.
REAL_TEXT = "text"
REAL_AUTHOR = "author_name"


class Disclosure(StrEnum):
    """What the customer gets of an event that names a masked representative."""

    HIDDEN = "hidden"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Wording:
    """A sentence with people in slots: ``Wording("{by} left.", people={"by": rep})``.

    ``values`` fill the other slots (a file name, a URL); they are data and may hold
    braces. The template itself never holds anything a person typed.
    """

    template: str
    people: Mapping[str, Author] = field(default_factory=dict)
    values: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def literal(cls, text: str) -> Wording:
        """Text a person wrote, used as it is."""
        return cls("{text}", values={"text": text})

    def render(self, name_of: Callable[[Author], str]) -> str:
        names = {slot: name_of(person) for slot, person in self.people.items()}
        return self.template.format_map({**self.values, **names})


def say(template: str, /, **slots: Author | str) -> Wording:
    """A ``Wording``: each slot is a person (an ``Author``) or a value (a string)."""
    people = {k: v for k, v in slots.items() if isinstance(v, Author)}
    values = {k: v for k, v in slots.items() if isinstance(v, str)}
    return Wording(template, people, values)


@dataclass(frozen=True)
class Draft:
    """An event as a rule or an action describes it, before ``seal``.

    ``body`` holds data besides the text; it never holds a person's name (people go
    in the wording's slots, or in ``internal`` for representatives only).
    """

    kind: EventKind
    audience: Audience
    author: Author
    text: Wording
    body: Body = field(default_factory=dict)
    internal: Body = field(default_factory=dict)
    client_id: str | None = None
    if_masked: Disclosure = Disclosure.HIDDEN


def status(
    action: str,
    text: Wording,
    *,
    audience: Audience | None = None,
    author: Author | None = None,
    if_masked: Disclosure = Disclosure.HIDDEN,
    internal: Body | None = None,
    extra: Body | None = None,
) -> Draft:
    """An automatic status note: someone joined, left, picked the session up..."""
    body: dict[str, Scalar] = {"action": action}
    if extra:
        body.update(extra)
    return Draft(
        kind=EventKind.STATUS,
        audience=audience or Audience.everyone(),
        author=author or Author.system(),
        text=text,
        body=body,
        internal=dict(internal or {}),
        if_masked=if_masked,
    )


def _is_masked(person: Author, masked_ids: frozenset[int]) -> bool:
    return person.kind is AuthorKind.REPRESENTATIVE and person.rep_id in masked_ids


def _written_by_a_person(draft: Draft) -> bool:
    return draft.kind in (EventKind.MESSAGE, EventKind.NOTE) or (
        draft.author.kind is AuthorKind.CUSTOMER
    )


def _names_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted({n.strip().casefold() for n in names if n.strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")


def _mentions(pattern: re.Pattern[str] | None, author: Author, body: Body) -> bool:
    if pattern is None:
        return False
    texts = [author.name, *(v for v in body.values() if isinstance(v, str))]
    return any(pattern.search(text.casefold()) for text in texts)


def _capitalized(text: str) -> str:
    anonymous = ANONYMOUS.lower()
    return ANONYMOUS + text[len(anonymous) :] if text.startswith(anonymous) else text


def seal(draft: Draft, attendees: Iterable[Attendee]) -> EventDraft:
    """The event the store appends, with what the customer may read decided here."""
    present = list(attendees)
    masked_ids = frozenset(a.rep_id for a in present if a.masked)
    real_text = draft.text.render(lambda person: person.name)
    people = [draft.author, *draft.text.people.values()]
    names_masked = any(_is_masked(p, masked_ids) for p in people)

    author = draft.author
    body: dict[str, Scalar] = {**draft.body, "text": real_text}
    internal: dict[str, Scalar] = dict(draft.internal)
    hidden = names_masked and draft.if_masked is Disclosure.HIDDEN
    if names_masked and not hidden:
        body["text"] = _capitalized(
            draft.text.render(lambda p: ANONYMOUS.lower() if _is_masked(p, masked_ids) else p.name)
        )
        internal[REAL_TEXT] = real_text
        if _is_masked(author, masked_ids):
            internal[REAL_AUTHOR] = author.name
            author = replace(author, name=ANONYMOUS)
    if not hidden and not _written_by_a_person(draft):
        pattern = _names_pattern(a.display_name for a in present if a.masked)
        hidden = _mentions(pattern, author, body)
    return EventDraft(
        kind=draft.kind,
        audience=draft.audience,
        author=author,
        body=body,
        internal=internal,
        reveals_masked=hidden,
        client_id=draft.client_id,
    )


def seal_all(drafts: Iterable[Draft], attendees: Iterable[Attendee]) -> tuple[EventDraft, ...]:
    known = list(attendees)
    return tuple(seal(draft, known) for draft in drafts)


def for_representatives(author: Author, body: Body, internal: Body) -> tuple[Author, Body]:
    """The author and body a representative reads: the real names, where the customer's
    copy has "A representative"."""
    real_text = internal.get(REAL_TEXT)
    real_author = internal.get(REAL_AUTHOR)
    if isinstance(real_text, str):
        body = {**body, "text": real_text}
    if isinstance(real_author, str):
        author = replace(author, name=real_author)
    return author, body
