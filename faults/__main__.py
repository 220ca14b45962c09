"""``python -m faults [--quick] [--sends N] [--node-kills K]``: run the fault suite and
print its one-line verdict. ``--sends`` and ``--node-kills`` make the run longer: nodes
are killed in turn, under load, until both are reached.

Exits non-zero if anything acknowledged was lost, doubled, reordered or silently
missed. Needs redis-server and PostgreSQL 15's binaries (apt-get install -y
redis-server postgresql); it starts its own of each and never touches the shared ones.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from faults.suite import FULL, QUICK, run


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m faults", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short run (a smoke test)")
    parser.add_argument(
        "--sends", type=int, default=0, help="go on killing nodes until at least this many sends"
    )
    parser.add_argument(
        "--node-kills", type=int, default=0, help="kill nodes at least this many times in all"
    )
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    plan = replace(
        QUICK if arguments.quick else FULL, sends=arguments.sends, node_kills=arguments.node_kills
    )
    with tempfile.TemporaryDirectory(prefix="helpline-faults-") as folder:
        line, ok = asyncio.run(run(plan, Path(folder)))
    print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
