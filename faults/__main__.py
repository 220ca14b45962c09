"""``python -m faults [--quick]``: run the fault suite and print its one-line verdict.

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
from pathlib import Path

from faults.suite import FULL, QUICK, run


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m faults", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short run (a smoke test)")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="helpline-faults-") as folder:
        line, ok = asyncio.run(run(QUICK if arguments.quick else FULL, Path(folder)))
    print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
