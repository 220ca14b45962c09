"""How the server's cyclic garbage collector runs: seldom, and never over what
starting up made.

Why this exists: CPython's collector looks at the young objects every 700 new container
objects, and at every object in the process once enough have lived on into the old
generation. A server holding 10,000 connections holds over a million objects, so each
full collection paused everything for 0.5-1.4 s: in the reconnect storm of
``python -m bench run --scenarios storm``, 32 full collections took 18 of the server's
34 s of CPU, and when they fell was most of why one storm took 24 s and the next 33 s
on the same tree (docs/performance.md, "The garbage collector"). Plain reference
counting frees most of what a message or a reconnect makes the moment it is dropped;
the collector is only for cycles, and a few thousand of them can wait.

- Young collections every ``YOUNG`` new objects rather than 700: what lives for one
  handshake or one message is gone by then instead of being moved on to the older
  generations, which only objects that really live long (a connection, a session's
  copy) reach.
- The middle generation every ``MIDDLE`` young collections; a full collection still
  follows every ``OLD`` middle ones *and* only once the objects moved into the old
  generation since the last one are a quarter of it (CPython's own rule), so memory
  held by cycles is still given back, on the scale of millions of new objects.
- ``gc.freeze()`` once started: the modules, the settings and the app live as long as
  the process, so no collection needs to look at them again.
"""

from __future__ import annotations

import gc

YOUNG = 50_000
MIDDLE = 20
OLD = 10


def tune() -> None:
    """Set the thresholds, and put everything made so far out of the collector's way."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, OLD)
