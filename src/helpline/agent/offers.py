"""The session's files as the customer sees them, from the log's file notes. Pure.

Why from the log: every offer, answer and receipt is a status note (docs/protocol.md,
"Files and the customer's screen") that the agent receives anyway, replayed after a
reconnect like any other event; folding them gives the same list the browser shows,
with nothing to ask the server.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from helpline.agent.bodies import FileNote, FileOffered
from helpline.agent.events import Event


class OfferState(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    RECEIVED = "received"


_RANK = {
    OfferState.OFFERED: 0,
    OfferState.ACCEPTED: 1,
    OfferState.DECLINED: 1,
    OfferState.RECEIVED: 2,
}
_ACTIONS = {
    "file_accepted": OfferState.ACCEPTED,
    "file_declined": OfferState.DECLINED,
    "file_completed": OfferState.RECEIVED,
}


@dataclass(frozen=True)
class Offer:
    id: int
    name: str
    size: int
    sha256: str
    sender: str
    # Sent by this customer (to the representatives), or to them (theirs to answer).
    from_customer: bool
    state: OfferState = OfferState.OFFERED

    @property
    def for_me(self) -> bool:
        """The customer answers it: a representative's file for the customer."""
        return not self.from_customer


class Offers:
    """Every file of the session, by id, in the order offered."""

    def __init__(self) -> None:
        self._by_id: dict[int, Offer] = {}

    def see(self, event: Event) -> Offer | None:
        """Fold in one event; returns the offer it changed, if any."""
        if event.kind != "status" or not (event.action or "").startswith("file_"):
            return None
        if event.action == "file_offered":
            offered = event.body_as(FileOffered)
            if offered is None or offered.file_id in self._by_id:
                return None
            offer = Offer(
                id=offered.file_id,
                name=offered.name or "file",
                size=offered.size,
                sha256=(offered.sha256 or "").lower(),
                sender=event.author_name,
                from_customer=event.author_kind == "customer",
            )
            self._by_id[offer.id] = offer
            return offer
        state = _ACTIONS.get(event.action or "")
        if state is None:
            return None
        note = event.body_as(FileNote)
        known = self._by_id.get(note.file_id) if note is not None else None
        if known is None or _RANK[state] <= _RANK[known.state]:
            return None
        file_id = known.id
        self._by_id[file_id] = replace(known, state=state)
        return self._by_id[file_id]

    def get(self, file_id: int) -> Offer | None:
        return self._by_id.get(file_id)

    def all(self) -> list[Offer]:
        return sorted(self._by_id.values(), key=lambda o: o.id)
