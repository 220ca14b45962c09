"""Why an event draft cannot be stored, found without asking the database.

The append writer saves many callers' drafts in one transaction. When that transaction
fails, one draft is usually at fault: a string with no UTF-8 form (half of a surrogate
pair), NUL (PostgreSQL's text refuses it), or a body that is not JSON. The writer asks
here, only after a batch failed, which drafts those are; it fails them alone and saves
the rest again as one batch, instead of one transaction per append. Entry points
refuse such text before it gets this far (``helpline.domain.text``); this is the
store's own guard, so that a draft from a path that forgot cannot fail its batch-mates.
"""

from __future__ import annotations

import json

from helpline.domain.errors import InvalidInput
from helpline.domain.events import EventDraft
from helpline.domain.text import UNSTORABLE_MESSAGE, all_storable


def unstorable(draft: EventDraft) -> Exception | None:
    """The error to fail ``draft`` with, or None if nothing in it looks unstorable."""
    for part in (draft.body, draft.internal):
        try:
            json.dumps(part)
        except (TypeError, ValueError) as exc:
            return exc
    strings = [draft.author.name, draft.client_id or "", dict(draft.body), dict(draft.internal)]
    if not all_storable(strings):
        return InvalidInput(UNSTORABLE_MESSAGE.format(what="This event"))
    return None
