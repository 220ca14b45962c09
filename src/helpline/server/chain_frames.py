"""Each event of a downloaded ``transcript.json`` with its link in the session's chain.

Why this exists: ``helpline verify FILE`` recomputes every event's hash offline from
what the file shows (``helpline.domain.chain.check_transcript``). A viewer's copy is
a filtered view: what it leaves out (the customer's copy: private lines, notes, the
representatives' ids and internal wording) must neither be sent nor stop the rest from
verifying. So each event carries its ``prev`` and ``hash``; the customer's copy also
carries the sealed digest of the fields it does not show, while a representative's
copy carries the session's salt instead, so its sealed fields are checked too. Where
a representative is shown other wording than the customer (a masked representative's
real name and words), the stored wording, which the hash covers, comes along.
"""

from __future__ import annotations

from collections.abc import Sequence

from helpline.domain.chain import ALGORITHM, event_sealed, genesis
from helpline.domain.events import Event
from helpline.domain.viewers import Viewer
from helpline.server import wire


def chain_frames(
    viewer: Viewer, public_id: str, stored: Sequence[Event], salt: str
) -> list[wire.JsonDict]:
    """The protocol's event objects ``viewer`` may see of the whole stored log, each
    with a ``chain`` object."""
    frames: list[wire.JsonDict] = []
    prev = genesis(public_id)
    for event in stored:
        frame = wire.event_frame_body(viewer, event)
        if frame is not None:
            link: wire.JsonDict = {"prev": prev, "hash": event.chain_hash}
            if viewer.is_customer:
                link["sealed"] = event_sealed(event, salt)
            # The body and author name are stored as the customer may read them.
            if frame["body"] != dict(event.body):
                link["body"] = dict(event.body)
            if frame["author"]["name"] != event.author.name:
                link["author"] = event.author.name
            frame["chain"] = link
            frames.append(frame)
        prev = event.chain_hash or ""
    return frames


def chain_summary(
    viewer: Viewer, public_id: str, stored: Sequence[Event], salt: str
) -> wire.JsonDict:
    """The transcript's ``chain`` object: the newest event's seq and hash when the
    copy was made, and the salt for representatives."""
    last = stored[-1] if stored else None
    summary: wire.JsonDict = {
        "algorithm": ALGORITHM,
        "genesis": genesis(public_id),
        "last_seq": last.seq if last else 0,
        "head": last.chain_hash if last else None,
    }
    if not viewer.is_customer:
        summary["salt"] = salt
    return summary
