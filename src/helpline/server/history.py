"""The managers' history page: past sessions by filter and by words from their logs,
and transcripts in text, HTML and JSON."""

from __future__ import annotations

from datetime import datetime

from helpline.domain.errors import Forbidden, InvalidInput, NotFound
from helpline.domain.events import Event
from helpline.domain.sessions import Outcome, SupportSession
from helpline.domain.transcript import header_lines, render_html, render_text
from helpline.domain.visibility import view_log
from helpline.server import wire
from helpline.server.accounts import Actor, RepActor
from helpline.server.chain_frames import chain_frames, chain_summary
from helpline.server.service import HelplineService
from helpline.store.tools_protocol import HistoryQuery

MAX_PAGE = 200


class History:
    def __init__(self, service: HelplineService) -> None:
        self.service = service
        self.store = service.store

    async def search(
        self,
        actor: RepActor,
        portal: str | None,
        representative: str | None,
        outcome: str | None,
        started_from: datetime | None,
        started_before: datetime | None,
        text: str | None,
        limit: int,
        offset: int,
    ) -> wire.JsonDict:
        if not actor.rep.is_manager:
            raise Forbidden("Only managers can browse the session history.")
        portal_id = (await self.service.portal_by_slug(portal)).id if portal else None
        rep_id = None
        if representative:
            found = await self.store.find_login(representative)
            if found is None:
                raise NotFound(f"There is no representative {representative!r}.")
            rep_id = found[0].id
        try:
            wanted = Outcome(outcome) if outcome else None
        except ValueError:
            raise InvalidInput("The outcome is resolved, unresolved or unknown.") from None
        query = HistoryQuery(
            portal_id=portal_id,
            rep_id=rep_id,
            outcome=wanted,
            started_from=started_from,
            started_before=started_before,
            text=text.strip() if text and text.strip() else None,
            limit=max(1, min(limit, MAX_PAGE)),
            offset=max(0, offset),
        )
        sessions, total = await self.store.search_sessions(query)
        return {
            "total": total,
            "sessions": [await self.service.session_body(actor.viewer, s) for s in sessions],
        }

    async def _stored(self, actor: Actor, public_id: str) -> tuple[SupportSession, list[Event]]:
        session = await self.service.session_for(actor, public_id)
        events: list[Event] = []
        after = 0
        while batch := await self.store.events_after(session.id, after, 1000):
            events.extend(batch)
            after = batch[-1].seq
        return session, events

    async def _log(self, actor: Actor, public_id: str) -> tuple[SupportSession, list[Event]]:
        session, events = await self._stored(actor, public_id)
        return session, view_log(actor.viewer, events)

    async def _portal_name(self, session: SupportSession) -> str | None:
        portal = await self.service.portal(session.portal_id)
        return portal.name if portal else None

    async def text(self, actor: Actor, public_id: str) -> str:
        session, events = await self._log(actor, public_id)
        return render_text(session, await self._portal_name(session), events)

    async def html(self, actor: Actor, public_id: str) -> str:
        session, events = await self._log(actor, public_id)
        return render_html(session, await self._portal_name(session), events)

    async def json(self, actor: Actor, public_id: str) -> wire.JsonDict:
        """The log as ``actor`` may see it, each event with its link in the session's
        chain (``helpline verify FILE`` checks it offline: ``helpline.domain.chain``)."""
        session, stored = await self._stored(actor, public_id)
        salt = (await self.store.chain_of(session.id)).salt
        details = await self.service.session_body(actor.viewer, session)
        return {
            "header": header_lines(session, await self._portal_name(session)),
            "session": details,
            "events": chain_frames(actor.viewer, session.public_id, stored, salt),
            "chain": chain_summary(actor.viewer, session.public_id, stored, salt),
        }
