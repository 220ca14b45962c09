"""History search: finding past sessions by their words and details.

Why this exists: one of the concerns ``SqlStore`` is composed of (see ``sql.py``).
The index (``search_table.session_search``) differs per dialect, FTS5 on SQLite and a GIN
index over ``to_tsvector('simple', ...)`` on PostgreSQL, so matching a term is spelled
per dialect here. The page's count and rows are read in one transaction, so they
agree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, bindparam, exists, func, literal_column, select

from helpline.domain.sessions import SupportSession
from helpline.store.base import StoreBase
from helpline.store.rows import session_from_row
from helpline.store.search_table import session_search
from helpline.store.tables import attendees, sessions
from helpline.store.tools_protocol import HistoryQuery


class HistoryMixin(StoreBase):
    """Searching sessions for the history page."""

    async def search_sessions(self, query: HistoryQuery) -> tuple[list[SupportSession], int]:
        """A blank ``text`` filters nothing; text without a letter or digit matches
        nothing. Each whitespace-separated word of ``text`` must occur in the session
        (as whole words: "print" does not find "printer"); a word with punctuation
        inside, like an e-mail address, matches as a phrase."""
        conditions: list[ColumnElement[bool]] = []
        if query.text is not None and query.text.strip():
            terms = search_terms(query.text)
            if not terms:
                return [], 0
            conditions += [
                sessions.c.id.in_(select(session_search.c.session_id).where(self._matches(term)))
                for term in terms
            ]
        if query.portal_id is not None:
            conditions.append(sessions.c.portal_id == query.portal_id)
        if query.rep_id is not None:
            conditions.append(
                exists().where(
                    attendees.c.session_id == sessions.c.id,
                    attendees.c.rep_id == query.rep_id,
                )
            )
        if query.outcome is not None:
            conditions.append(sessions.c.outcome == query.outcome.value)
        if query.started_from is not None:
            conditions.append(sessions.c.started_at >= query.started_from)
        if query.started_before is not None:
            conditions.append(sessions.c.started_at < query.started_before)
        if query.status is not None:
            conditions.append(sessions.c.status == query.status.value)
        async with self._reading() as conn:
            total = await conn.scalar(select(func.count()).select_from(sessions).where(*conditions))
            rows = await conn.execute(
                select(sessions)
                .where(*conditions)
                .order_by(sessions.c.started_at.desc(), sessions.c.id.desc())
                .limit(query.limit)
                .offset(query.offset)
            )
            found = [session_from_row(row) for row in rows]
        return found, int(total or 0)

    def _matches(self, term: str) -> ColumnElement[bool]:
        """One search term against the index, as a phrase of its words."""
        if self._dialect == "postgresql":
            # Spelled like the GIN index's expression, which the planner must recognize.
            simple: ColumnElement[Any] = literal_column("'simple'::regconfig")
            document = func.to_tsvector(simple, session_search.c.content)
            wanted = func.phraseto_tsquery(simple, bindparam(None, term))
            return document.op("@@")(wanted)
        # An FTS5 string literal: its text is split by the table's own tokenizer, and
        # no character in it is query syntax (AND, NEAR, *, column filters...).
        phrase = '"' + term.replace('"', '""') + '"'
        return literal_column(session_search.name).op("MATCH")(bindparam(None, phrase))


def search_terms(text: str) -> list[str]:
    """The words of a history search: whitespace-separated pieces of the user's text
    with at least one letter or digit (punctuation alone cannot match a word)."""
    return [piece for piece in text.split() if any(ch.isalnum() for ch in piece)]
