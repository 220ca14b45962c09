"""The fault suite, short: `python -m faults --quick` must end with a clean verdict.

The full run is `make faults`; this one (under a minute) keeps the suite working and
checks the same invariants: nothing acknowledged lost, doubled, reordered or missed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.support.services import POSTGRES_BIN

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(150)
def test_the_quick_fault_run_loses_nothing_acknowledged() -> None:
    if shutil.which("redis-server") is None or not (POSTGRES_BIN / "initdb").exists():
        message = "the fault suite needs: apt-get install -y redis-server postgresql"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    run = subprocess.run(
        [sys.executable, "-m", "faults", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=140,
    )
    verdict = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert run.returncode == 0, f"{verdict}\n{run.stderr[-3000:]}"
    assert " 0 acked-lost, " in verdict
    assert " 0 gaps, 0 out-of-order, 0 silent gaps;" in verdict
