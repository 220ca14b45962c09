"""Half a gibibyte each way through the agent, with its memory flat all along.

The agent streams: uploads are read from the disk a piece at a time, downloads are
written a piece at a time while hashed. A sampler thread reads this process's
resident memory (psutil) every few milliseconds during each transfer; the growth over
the starting point must stay far below the file's size.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from tests.support.agent import running_agent
from tests.support.clients import Browser
from tests.support.server import ServerProcess

# Large enough that holding it would show at once (four times the growth allowed), and
# small enough to move in a few seconds on two busy cores.
SIZE = 512 * 1024**2
BLOCK = 1024 * 1024
# Far below the file: a buffer of the whole file would be 512 MiB.
MAX_GROWTH_BYTES = 128 * 1024 * 1024


@contextmanager
def peak_growth() -> Iterator[list[int]]:
    """Yields a list that holds, afterwards, the peak RSS growth in bytes."""
    process = psutil.Process()
    start = process.memory_info().rss
    peak = [start]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            peak[0] = max(peak[0], process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    growth = [0]
    try:
        yield growth
    finally:
        done.set()
        sampler.join()
        growth[0] = peak[0] - start


def make_file(path: Path, size: int) -> str:
    """A file of ``size`` bytes (random blocks); its SHA-256."""
    digest = hashlib.sha256()
    seed = os.urandom(BLOCK)
    with path.open("wb") as handle:
        for n in range(size // BLOCK):
            block = n.to_bytes(8, "big") + seed[8:]
            digest.update(block)
            handle.write(block)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


async def chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            yield block


@pytest.mark.timeout(600)
async def test_half_a_gigabyte_goes_both_ways_with_memory_flat(
    shared_server: ServerProcess, bob: Browser, tmp_path: Path
) -> None:
    source = tmp_path / "disk.img"
    expected = make_file(source, SIZE)
    async with running_agent(shared_server.base_url, bob, tmp_path) as (agent, view):
        console = await bob.socket("/ws/console")
        await console.wait_type("welcome")
        await console.follow(agent.id)

        with peak_growth() as sent_growth:
            await agent.send_file(source)
        offered = await console.wait_event(
            agent.id, lambda e: e["body"].get("name") == "disk.img", "the customer's file"
        )
        assert offered["body"]["size"] == SIZE and offered["body"]["sha256"] == expected
        assert sent_growth[0] < MAX_GROWTH_BYTES, f"grew {sent_growth[0] / 2**20:.0f} MiB"

        made = await bob.http.post(
            f"/api/sessions/{agent.id}/files",
            params={"name": "image.img", "to": "customer"},
            headers={"Content-Length": str(SIZE)},
            content=chunks(source),
            timeout=300,
        )
        assert made.status_code == 201, made.text
        file_id = made.json()["file"]["id"]
        await view.wait(lambda: agent.offers.get(file_id) is not None, "the offer")
        with peak_growth() as received_growth:
            agent.accept(file_id)
            await view.wait(
                lambda: (
                    (p := agent.progress.get(file_id)) is not None
                    and p.phase in ("saved", "failed")
                ),
                "the download",
            )
        progress = agent.progress[file_id]
        assert progress.phase == "saved", progress.message
        assert received_growth[0] < MAX_GROWTH_BYTES, f"grew {received_growth[0] / 2**20:.0f} MiB"
        print(  # shown with -rP: what the streaming costs, for docs/architecture.md
            f"RSS growth: sending {sent_growth[0] / 2**20:.1f} MiB, "
            f"receiving {received_growth[0] / 2**20:.1f} MiB"
        )
        saved = agent.download_dir / "image.img"
        assert saved.stat().st_size == SIZE and sha256_of(saved) == expected
        await console.close()
    assert view.problems() == []
