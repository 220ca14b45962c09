"""How a customer comes in: portal sessions, session codes and their join links, and
the greeting a representative's first line says.

Why this exists: joining is the one part of the service that makes sessions, draws
random codes and ids, and counts wrong guesses; ``HelplineService`` inherits it, so
routes still call it on the one service object.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from helpline.domain import sessions as rules
from helpline.domain.codes import SessionCode, check_can_create, format_code, normalize_code
from helpline.domain.errors import Conflict, Expired, InvalidInput, NotFound
from helpline.domain.events import Event
from helpline.domain.people import Representative, check_display_name
from helpline.domain.portals import Portal, check_intake
from helpline.domain.scripts import fill_placeholders
from helpline.domain.sessions import Change, ClientInfo, SupportSession, format_public_id
from helpline.domain.webhooks import WebhookEvent
from helpline.server import wire
from helpline.server.accounts import RepActor
from helpline.server.records import QueueChanged
from helpline.server.security import new_token, random_below, token_hash
from helpline.server.service_core import ServiceCore, portal_channel
from helpline.server.team import TEAM_GREETING
from helpline.store.protocol import NewSession

PUBLIC_ID_SPACE = 32**8
DRAW_ATTEMPTS = 5


class Joining(ServiceCore):
    """New sessions: from a portal, with a code or its join link; and greetings."""

    async def open_portal_session(
        self,
        slug: str,
        name: str,
        query: str,
        fields: dict[str, str],
        client: ClientInfo,
        address: str,
    ) -> tuple[SupportSession, str]:
        await self.limits.open_session(address)
        portal = await self.portal_by_slug(slug)
        intake = check_intake(portal, name, query, fields)

        def opening(session: SupportSession) -> Change:
            return Change(session, (), (rules.customer_joined(session),))

        session, events, token = await self._create_session(
            portal.id, intake.name, intake.query, client, intake.extra, opening
        )
        await self.publish_events(session.id, events)
        await self.publish(
            portal_channel(portal.id),
            QueueChanged(action="added", s=wire.session_record(session, [])),
        )
        return session, token

    async def create_code(
        self, actor: RepActor, portal_slug: str | None
    ) -> tuple[SessionCode, str]:
        """A new code and its join link's secret, which only this answer ever holds."""
        portal_id = None
        if portal_slug:
            portal = await self.portal_by_slug(portal_slug)
            portal_id = portal.id
        moment = self.clock()
        active = await self.store.active_codes(actor.rep.id, moment)
        check_can_create(len(active), self.settings.max_active_codes)
        lifetime = timedelta(seconds=self.settings.code_lifetime_seconds)
        link = new_token()
        for _ in range(DRAW_ATTEMPTS):
            code = SessionCode(
                code=format_code(random_below(10**9)),
                rep_id=actor.rep.id,
                portal_id=portal_id,
                created_at=moment,
                expires_at=moment + lifetime,
                link_hash=token_hash(link),
            )
            try:
                return await self.store.create_code(code), link
            except Conflict:
                continue
        raise Conflict("Could not draw a free session code; please try again.")

    async def active_codes(self, actor: RepActor) -> list[SessionCode]:
        return await self.store.active_codes(actor.rep.id, self.clock())

    async def cancel_code(self, actor: RepActor, code: str) -> None:
        await self.store.cancel_code(normalize_code(code), actor.rep.id)

    async def join_with_code(
        self,
        code_text: str | None,
        name: str,
        client: ClientInfo,
        address: str,
        link: str | None = None,
    ) -> tuple[SupportSession, str]:
        """Join with the digits a representative read out, or with their join link's
        secret: too long to guess, so it is not held back by the guessing budget."""
        if link:
            code = await self._claim_link(link, address)
        elif code_text is not None:
            code = await self._claim_code(code_text, address)
        else:
            raise InvalidInput("Enter the session code your representative gave you.")
        rep = await self.store.get_representative(code.rep_id)
        if rep is None or not rep.active:
            raise NotFound("The representative who gave this code is no longer available.")
        customer_name = check_display_name(name)
        moment = self.clock()
        portal = await self.portal(code.portal_id)
        template = await self._greeting_template(portal)

        def opening(session: SupportSession) -> Change:
            greeting = self._fill(template, session, rep, portal)
            return rules.start_with_representative(session, rep, moment, greeting=greeting)

        session, events, token = await self._create_session(
            code.portal_id, customer_name, "", client, (), opening
        )
        await self.publish_events(session.id, events)
        await self.publish_assigned(session, [rep.id])
        await self.announce(WebhookEvent.SESSION_STARTED, session)
        return session, token

    async def _claim_code(self, code_text: str, address: str) -> SessionCode:
        await self.limits.before_code(address)
        try:
            return await self.store.claim_code(normalize_code(code_text), self.clock())
        except (NotFound, Expired, InvalidInput):
            await self.limits.wrong_code(address)
            raise

    async def _claim_link(self, link: str, address: str) -> SessionCode:
        await self.limits.before_link(address)
        try:
            return await self.store.claim_code_link(token_hash(link), self.clock())
        except (NotFound, Expired):
            await self.limits.wrong_link(address)
            raise

    async def _create_session(
        self,
        portal_id: int | None,
        customer_name: str,
        query: str,
        client: ClientInfo,
        extra: tuple[tuple[str, str], ...],
        opening: Callable[[SupportSession], Change],
    ) -> tuple[SupportSession, list[Event], str]:
        customer_name = check_display_name(customer_name)
        token = new_token()
        moment = self.clock()
        expires = moment + timedelta(seconds=self.settings.customer_token_lifetime_seconds)
        for _ in range(DRAW_ATTEMPTS):
            new = NewSession(
                public_id=format_public_id(random_below(PUBLIC_ID_SPACE)),
                portal_id=portal_id,
                customer_name=customer_name,
                query=query,
                client=client,
                token_hash=token_hash(token),
                token_expires_at=expires,
                extra=extra,
            )
            try:
                session, events = await self.store.create_session(new, moment, opening)
            except Conflict:
                continue
            return session, events, token
        raise Conflict("Could not draw a free session ID; please try again.")

    # Greetings ------------------------------------------------------------------------

    async def _greeting_template(self, portal: Portal | None) -> str:
        if portal is not None and portal.greeting.strip():
            return portal.greeting
        return await self.store.get_team_setting(TEAM_GREETING) or ""

    @staticmethod
    def _fill(
        template: str, session: SupportSession, rep: Representative, portal: Portal | None
    ) -> str:
        return fill_placeholders(
            template,
            {
                "customer.name": session.customer_name,
                "representative.name": rep.display_name,
                "session.id": session.public_id,
                "portal.name": portal.name if portal else "",
            },
        )

    async def greeting_for(self, session: SupportSession, rep: Representative) -> str:
        """The portal's greeting, or else the team's, with placeholders filled."""
        portal = await self.portal(session.portal_id)
        return self._fill(await self._greeting_template(portal), session, rep, portal)
