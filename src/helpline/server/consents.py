"""Consent requests: a representative asks, the customer allows or declines.

Used for screen sharing now, and by the desktop agent's credentials and service
requests later. Each request and each answer is a status note in the log.
"""

from __future__ import annotations

import asyncio
import uuid

from helpline.domain import consent as rules
from helpline.domain.consent import ConsentKind, ConsentRequest, ConsentState
from helpline.domain.drafting import seal
from helpline.domain.events import EventDraft
from helpline.domain.sessions import check_open, check_rep_in_session, of_this_session
from helpline.protocol.client_frames import Consent
from helpline.server.accounts import CustomerActor, RepActor
from helpline.server.service import HelplineService


class Consents:
    def __init__(self, service: HelplineService) -> None:
        self.service = service
        self.store = service.store

    async def ask(self, actor: RepActor, public_id: str, kind: ConsentKind) -> ConsentRequest:
        session = await self.service.session_for(actor, public_id)
        check_open(session)
        attendees = await self.store.list_attendees(session.id)
        check_rep_in_session(attendees, actor.rep.id)
        request = ConsentRequest(
            id=uuid.uuid4().hex,
            kind=kind,
            requested_by=actor.rep.id,
            requested_by_name=actor.rep.display_name,
        )
        event = await self.store.create_consent(
            session.id, request, seal(rules.request_note(request), attendees), self.service.clock()
        )
        await self.service.publish_events(session.id, [event])
        return request

    async def answer(
        self, actor: CustomerActor, request_id: str, allow: bool, reason: object = None
    ) -> ConsentRequest:
        """The customer's answer; ``reason`` (optional) is ``"no_display"`` when the
        agent declines a screen request on a computer that has none."""
        session_id = actor.session_id
        request = of_this_session(await self.store.get_consent(request_id), session_id, "request")
        why = rules.check_decline_reason(request, allow, reason)
        rules.check_plain_answer(request, allow)
        session = await self.store.get_session(session_id)
        assert session is not None
        check_open(session)
        answered = request.answered(allow)
        attendees = await self.store.list_attendees(session_id)
        note = seal(rules.answer_note(answered, session.customer_name, why), attendees)
        # Shielded like every write from a socket: see HelplineService.append_and_publish.
        await asyncio.shield(self._record_answer(session_id, answered, note))
        return answered

    async def answer_frame(self, actor: CustomerActor, frame: Consent) -> None:
        """A ``consent`` frame from the customer's socket."""
        await self.answer(actor, frame.request, frame.allow, frame.reason)

    async def _record_answer(
        self, session_id: int, answered: ConsentRequest, note: EventDraft
    ) -> None:
        events = await self.store.answer_consent(answered, [note], self.service.clock())
        await self.service.publish_events(session_id, events)

    async def allowed(self, actor: CustomerActor, request_id: str, kind: ConsentKind) -> bool:
        found = await self.store.get_consent(request_id)
        return (
            found is not None
            and found[0] == actor.session_id
            and found[1].kind is kind
            and found[1].state is ConsentState.ALLOWED
        )
