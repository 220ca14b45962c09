"""Inviting and transferring: the service side of the invite and transfer dialogs.

Offers ring the invitee's own bus channel (or the portal's, where the first to accept
joins); an answer rings it again so every other alert for the same offer disappears.
"""

from __future__ import annotations

from datetime import datetime

from helpline.domain import invitations as rules
from helpline.domain.errors import InvalidInput, NotFound
from helpline.domain.invitations import Invitation, InvitationKind
from helpline.domain.people import Representative
from helpline.domain.portals import Portal
from helpline.domain.sessions import SupportSession, find_attendee
from helpline.protocol.server_frames import InvitationBody, InvitedSession
from helpline.server import wire
from helpline.server.accounts import RepActor
from helpline.server.records import BusMessage, InvitationAnswered, InvitationOffered
from helpline.server.service import HelplineService
from helpline.server.service_core import portal_channel, rep_channel


class Invitations:
    def __init__(self, service: HelplineService) -> None:
        self.service = service
        self.store = service.store
        # Who declined which portal offer: the offer stays open to the others, so the
        # store keeps it pending. Offers live 30 seconds, so memory is enough.
        self._declined: dict[int, tuple[datetime, set[int]]] = {}

    async def offer(
        self,
        actor: RepActor,
        public_id: str,
        kind: InvitationKind,
        username: str | None,
        portal_slug: str | None,
        masked: bool,
        comment: str,
    ) -> Invitation:
        session = await self.service.session_for(actor, public_id)
        attendees = await self.store.list_attendees(session.id)
        to_rep: Representative | None = None
        to_portal: Portal | None = None
        if username:
            found = await self.store.find_login(username.strip().lower())
            if found is None or not found[0].active:
                raise NotFound(f"There is no representative {username!r}.")
            to_rep = found[0]
        elif portal_slug:
            to_portal = await self.service.portal_by_slug(portal_slug)
        else:
            raise InvalidInput("Choose a representative or a portal.")
        now = self.service.clock()
        pending = await self.store.count_pending_invites(session.id, now)
        invitation, note = rules.offer(
            session, attendees, actor.rep, kind, to_rep, to_portal, masked, comment, pending, now
        )
        saved, event = await self.store.create_invitation(invitation, note, now)
        await self.service.publish_events(session.id, [event])
        await self._ring(saved, InvitationOffered(i=await self.body(saved, session)))
        return saved

    async def pending(self, actor: RepActor) -> list[InvitationBody]:
        portals = await self.store.portals_of(actor.rep.id)
        found = await self.store.pending_invitations(
            actor.rep.id, [p.id for p in portals], self.service.clock()
        )
        bodies = []
        for invitation in found:
            if self._not_for(actor, invitation):
                continue
            session = await self.store.get_session(invitation.session_id)
            if session is None or not session.is_open:
                continue
            attendee = find_attendee(await self.store.list_attendees(session.id), actor.rep.id)
            if invitation.kind is InvitationKind.INVITE and attendee and attendee.present:
                continue
            bodies.append(await self.body(invitation, session))
        return bodies

    def _not_for(self, actor: RepActor, invitation: Invitation) -> bool:
        """My own offers, and portal offers I declined, are not shown to me."""
        if invitation.from_rep_id == actor.rep.id:
            return True
        declined = self._declined.get(invitation.id)
        return declined is not None and actor.rep.id in declined[1]

    def _remember_decline(self, invitation: Invitation, rep_id: int) -> None:
        now = self.service.clock()
        for key in [k for k, (until, _) in self._declined.items() if until <= now]:
            del self._declined[key]
        self._declined.setdefault(invitation.id, (invitation.expires_at, set()))[1].add(rep_id)

    async def _mine(self, actor: RepActor, invitation_id: int) -> Invitation:
        invitation = await self.store.get_invitation(invitation_id)
        portals = await self.store.portals_of(actor.rep.id)
        if invitation is None or not invitation.is_for(actor.rep.id, [p.id for p in portals]):
            raise NotFound("There is no such invitation for you.")
        return invitation

    async def accept(self, actor: RepActor, invitation_id: int) -> SupportSession:
        invitation = await self._mine(actor, invitation_id)
        session = await self.store.get_session(invitation.session_id)
        if session is None:
            raise NotFound("The session of this invitation is gone.")
        attendees = await self.store.list_attendees(session.id)
        now = self.service.clock()
        answered, change = rules.accept(invitation, session, attendees, actor.rep, now)
        events = await self.store.answer_invitation(answered, change, (), now)
        await self.service.after_change(change, events)
        await self._ring(answered, InvitationAnswered(id=answered.id))
        await self.service.publish_assigned(change.session, [actor.rep.id], change.attendees)
        return change.session

    async def decline(self, actor: RepActor, invitation_id: int) -> None:
        invitation = await self._mine(actor, invitation_id)
        now = self.service.clock()
        answered, note = rules.decline(invitation, actor.rep, now)
        events = await self.store.answer_invitation(answered, None, (note,), now)
        await self.service.publish_events(invitation.session_id, events)
        if answered.to_rep_id is not None:
            await self._ring(answered, InvitationAnswered(id=answered.id))
        else:
            self._remember_decline(invitation, actor.rep.id)

    async def _ring(self, invitation: Invitation, payload: BusMessage) -> None:
        if invitation.to_rep_id is not None:
            await self.service.publish(rep_channel(invitation.to_rep_id), payload)
        elif invitation.to_portal_id is not None:
            await self.service.publish(portal_channel(invitation.to_portal_id), payload)

    async def offered(self, invitation: Invitation) -> InvitationBody:
        """The body of an invitation just made, as the inviter's answer shows it."""
        session = await self.store.get_session(invitation.session_id)
        if session is None:
            raise NotFound("This session is gone.")
        return await self.body(invitation, session)

    async def body(self, invitation: Invitation, session: SupportSession) -> InvitationBody:
        portal = await self.service.portal(invitation.to_portal_id)
        return InvitationBody(
            id=invitation.id,
            kind=invitation.kind.value,
            session=InvitedSession(session.public_id, session.customer_name, session.query),
            from_=invitation.from_name,
            from_id=invitation.from_rep_id,
            portal=portal.name if portal else None,
            masked=invitation.masked,
            comment=invitation.comment,
            expires_at=wire.iso(invitation.expires_at),
        )
