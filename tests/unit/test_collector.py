"""The server's garbage collector runs seldom and never over what starting up made."""

from __future__ import annotations

import json
import subprocess
import sys

from helpline.commands import collector


def test_the_collector_looks_at_young_objects_seldom_and_not_at_startups_objects() -> None:
    # In a process of its own: the thresholds and the frozen objects are the process's.
    script = (
        "import gc, json\n"
        "from helpline.commands import collector\n"
        "before = gc.get_threshold()\n"
        "collector.tune()\n"
        "print(json.dumps([before, gc.get_threshold(), gc.get_freeze_count()]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    before, after, frozen = json.loads(done.stdout)

    assert before == [700, 10, 10]
    assert after == [collector.YOUNG, collector.MIDDLE, collector.OLD]
    assert after[0] > 50 * before[0]
    # Every module imported so far, and everything they hold, is out of the way.
    assert frozen > 1_000
