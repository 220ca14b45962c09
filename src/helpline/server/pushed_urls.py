"""What became of a pushed URL on the customer's computer, as the agent reports it.

Why this exists: a browser cannot tell whether the page it was sent opened, but the
Helpline agent can: where no browser can open (a server over SSH) it shows the link
instead, and the representatives should know. The agent's ``url_opened`` frame names
the ``url_pushed`` event by its ``seq``; ``opened: false`` writes one note for
representatives per pushed URL, however often it is reported. Kept out of the
gateway, which is about delivery.
"""

from __future__ import annotations

from helpline.domain.errors import NotFound
from helpline.domain.events import EventKind
from helpline.domain.urls import not_opened_note
from helpline.protocol.client_frames import UrlOpened
from helpline.server.accounts import CustomerActor
from helpline.server.service import HelplineService


class PushedUrls:
    def __init__(self, service: HelplineService) -> None:
        self.service = service
        self.store = service.store

    async def report(self, actor: CustomerActor, frame: UrlOpened) -> None:
        """A ``url_opened`` frame: ``{"seq": N, "opened": bool}`` of the customer's session."""
        seq, opened = frame.seq, frame.opened
        session = await self.service.session_for(actor, frame.session)
        found = await self.store.events_after(session.id, seq - 1, 1)
        pushed = found[0] if found and found[0].seq == seq else None
        if (
            pushed is None
            or pushed.kind is not EventKind.STATUS
            or pushed.body.get("action") != "url_pushed"
        ):
            raise NotFound(f"Event {seq} of your session is not a pushed URL.")
        if opened:
            return
        draft = not_opened_note(seq, str(pushed.body.get("url", "")))
        await self.service.append_and_publish(session.id, draft, require_open=True)
