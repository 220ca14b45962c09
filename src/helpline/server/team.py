"""What the team shares: colleagues, portals and greetings, as the console reads them
and managers change them.

Why this exists: these routes used to read the store and check who may change a
greeting themselves; here the rules sit in the service layer like the others, and
``HelplineService`` inherits it, so routes still call one service object.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpline.domain.errors import Forbidden
from helpline.domain.people import Representative
from helpline.domain.portals import Portal
from helpline.server.accounts import RepActor
from helpline.server.service_core import ServiceCore

TEAM_GREETING = "greeting"


@dataclass(frozen=True)
class Colleague:
    rep: Representative
    active_sessions: int


@dataclass(frozen=True)
class PortalMembership:
    portal: Portal
    member: bool


def _check_manager(actor: RepActor, what: str) -> None:
    if not actor.rep.is_manager:
        raise Forbidden(f"Only managers can change {what}.")


class Team(ServiceCore):
    """Colleagues, portals and greetings."""

    async def colleagues(self) -> list[Colleague]:
        """Every active representative, with how many open sessions each holds."""
        counts = await self.store.active_session_counts()
        return [
            Colleague(rep, counts.get(rep.id, 0))
            for rep in await self.store.list_representatives()
            if rep.active
        ]

    async def portals_for(self, actor: RepActor) -> list[PortalMembership]:
        """Every portal, marked where ``actor`` answers its queue."""
        mine = {portal.id for portal in await self.store.portals_of(actor.rep.id)}
        return [
            PortalMembership(portal, portal.id in mine)
            for portal in await self.store.list_portals()
        ]

    async def team_greeting(self) -> str:
        return await self.store.get_team_setting(TEAM_GREETING) or ""

    async def set_team_greeting(self, actor: RepActor, text: str) -> str:
        _check_manager(actor, "the team's greeting")
        greeting = text.strip()
        await self.store.set_team_setting(TEAM_GREETING, greeting)
        return greeting

    async def set_portal_greeting(self, actor: RepActor, slug: str, text: str) -> Portal:
        _check_manager(actor, "a portal's greeting")
        portal = await self.portal_by_slug(slug)
        updated = await self.store.update_portal(portal.id, greeting=text.strip())
        self.forget_portal(portal.id)
        return updated
