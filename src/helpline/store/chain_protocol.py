"""What ``helpline db verify`` and the transcripts need from storage for the logs' hash
chains (``helpline.domain.chain``; the store's side is in ``store/log.py``).

Apart from ``protocol.py`` so that each stays short; ``HelplineStore`` includes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ChainState:
    """A session's chain as its row holds it: the salt of its sealed digests, and its
    newest event's seq and hash (``head``, None before the first event)."""

    session_id: int
    public_id: str
    salt: str
    last_seq: int
    head: str | None


class ChainStore(Protocol):
    async def chain_of(self, session_id: int) -> ChainState:
        """The session's chain as its row says; ``NotFound`` for an unknown session."""

    async def chains(self) -> list[ChainState]:
        """Every session's chain, by session id: what ``helpline db verify`` walks."""
