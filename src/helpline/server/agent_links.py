"""Sending the Helpline agent to a customer who is in the browser, and its attaching.

Why this exists: the agent joins a session the customer is already in, with a link a
representative made for it, rather than with a session code: a second customer client
of the same session, with its own token, while the browser's chat goes on. Kept out
of ``service.py``, which is large enough already.

The link's secret is 256 random bits, and only its hash is stored; it works once, for
``agent_link_seconds``, and a new link replaces the last. Wrong secrets are
limited per address like wrong join links (``RateLimits.attach``). The customer's
sockets hear of the offer at once (an ``agent_offer`` frame); it is not written to the
log, which would keep the secret as long as the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from helpline.domain.agent_links import (
    AgentLink,
    agent_attached_note,
    attach_command,
    attach_url,
)
from helpline.domain.drafting import seal
from helpline.domain.errors import Expired, NotFound
from helpline.domain.events import EventDraft
from helpline.domain.sessions import (
    Attendee,
    ClientInfo,
    SupportSession,
    check_open,
    check_rep_in_session,
)
from helpline.server import wire
from helpline.server.accounts import RepActor
from helpline.server.records import AgentOffered, SessionChanged
from helpline.server.security import new_token, token_hash
from helpline.server.service import HelplineService
from helpline.server.service_core import session_channel


@dataclass(frozen=True)
class AgentOffer:
    """The link and the command that attaches the agent, for the representative to
    pass on (the customer's window shows the command too)."""

    secret_url: str
    command: str
    expires_at: datetime


class AgentLinks:
    def __init__(self, service: HelplineService) -> None:
        self.service = service
        self.store = service.store

    async def offer(self, actor: RepActor, public_id: str) -> AgentOffer:
        """Make the session's attach link (replacing the last) and offer it to the
        customer's sockets."""
        service = self.service
        session = await service.session_for(actor, public_id)
        check_open(session)
        check_rep_in_session(await self.store.list_attendees(session.id), actor.rep.id)
        secret = new_token()
        now = service.clock()
        lifetime = timedelta(seconds=service.settings.agent_link_seconds)
        link = AgentLink(session.id, token_hash(secret), now, now + lifetime)
        await self.store.save_agent_link(link)
        url = attach_url(service.settings.base_url, secret)
        offer = AgentOffer(url, attach_command(url), link.expires_at)
        await service.publish(
            session_channel(session.id),
            AgentOffered(command=offer.command, expires_at=wire.iso(link.expires_at)),
        )
        return offer

    async def attach(
        self, secret: str, client: ClientInfo, address: str
    ) -> tuple[SupportSession, str]:
        """Redeem the link: a new customer token for the same session, whose details of
        the computer become the agent's. Returns the session and the token."""
        # A blank secret is no link's (404), like any other wrong one: the schema allows
        # any text, and refusing some of it as invalid would contradict the document.
        service = self.service
        await service.limits.before_attach(address)
        token = new_token()
        now = service.clock()
        expires = now + timedelta(seconds=service.settings.customer_token_lifetime_seconds)

        def note(session: SupportSession, attendees: Sequence[Attendee]) -> EventDraft:
            return seal(agent_attached_note(), attendees)

        try:
            session, events = await self.store.attach_agent(
                token_hash(secret.strip()), now, client, token_hash(token), expires, note
            )
        except (NotFound, Expired):
            await service.limits.wrong_attach(address)
            raise
        await service.publish_events(session.id, events)
        attendees = await self.store.list_attendees(session.id)
        await service.publish(
            session_channel(session.id),
            SessionChanged(s=wire.session_record(session, attendees)),
        )
        return session, token
