"""``helpline verify FILE`` and ``helpline db verify``: check the logs' hash chains.

Why this exists: each event stores a hash chaining the previous one's with its own
content (``helpline.domain.chain``). These commands recompute the chains and name the
first event that no longer matches: offline in a downloaded ``transcript.json``, or
for every session in the store. Exit status 0: every chain holds; 1: an event was
changed (or is missing); 2: the file is not a transcript with a chain.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import click

from helpline.commands.common import data_dir_option, database_option, make_settings, with_store
from helpline.domain.chain import Broken, LogCheck, TranscriptCheck, check_transcript
from helpline.domain.errors import InvalidInput
from helpline.store.protocol import HelplineStore

# How often ``db verify`` says how far it got, in seconds.
PROGRESS_EVERY = 2.0
_PAGE = 1000


@click.command("verify")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def verify_file(files: tuple[Path, ...]) -> None:
    """Check downloaded transcript.json files: recompute each event's hash from what
    the file shows and name the first event that was changed.

    \b
    A representative's copy is checked whole; a customer's copy leaves out private
    lines and notes: those seqs are reported as left out, not as changed. Exit
    status 0 when every file holds, 1 when an event was changed in any, 2 when a
    file is not a transcript with a chain.
    """
    changed = False
    for file in files:
        found = _check_file(file)
        prefix = f"{file}: " if len(files) > 1 else ""
        click.echo(prefix + _transcript_report(found))
        changed = changed or found.broken is not None
    if changed:
        raise SystemExit(1)


def _check_file(file: Path) -> TranscriptCheck:
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except ValueError as error:  # not UTF-8, or not JSON
        message = f"{file} is not a JSON file ({error})."
        raise click.BadParameter(message, param_hint="FILES") from None
    try:
        return check_transcript(document)
    except InvalidInput as error:
        raise click.BadParameter(f"{file}: {error.message}", param_hint="FILES") from None


def _transcript_report(found: TranscriptCheck) -> str:
    if found.broken is not None:
        return f"Session {found.session}: {found.broken.reason}. The transcript does not verify."
    lines = [f"Session {found.session}: the chain holds ({_events(found.checked)} checked)."]
    if found.omitted:
        spans = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in found.omitted)
        lines.append(f"Left out of this copy (not shown to its reader): {spans}.")
    if not found.full:
        lines.append(
            "This is a customer's copy: what only representatives read is checked by its digest."
        )
    return "\n".join(lines)


def _events(count: int) -> str:
    return f"{count} event" + ("" if count == 1 else "s")


@dataclass
class _Walk:
    sessions: int = 0
    events: int = 0
    broken: list[tuple[str, Broken]] = field(default_factory=list)


async def _walk(store: HelplineStore) -> _Walk:
    walk = _Walk()
    chains = await store.chains()
    said = time.monotonic()
    for chain in chains:
        check = LogCheck(chain.public_id, chain.salt)
        after = 0
        while check.broken is None and (
            page := await store.events_after(chain.session_id, after, _PAGE)
        ):
            check.feed(page)
            walk.events += len(page)
            after = page[-1].seq
        broken = check.finish(chain.last_seq, chain.head)
        if broken is not None:
            walk.broken.append((chain.public_id, broken))
        walk.sessions += 1
        if time.monotonic() - said >= PROGRESS_EVERY:
            said = time.monotonic()
            click.echo(
                f"Checked {walk.sessions} of {len(chains)} sessions ({_events(walk.events)})...",
                err=True,
            )
    return walk


@click.command("verify")
@data_dir_option
@database_option
def db_verify(data_dir: str | None, database_url: str | None) -> None:
    """Check every session's log: recompute the hash chain and name, for each session
    whose chain does not hold, the first event that was changed or is missing.

    Exit status 0 when every chain holds, 1 otherwise.
    """
    walk = with_store(make_settings(data_dir, database_url), _walk)
    for public_id, broken in walk.broken:
        click.echo(f"Session {public_id}: {broken.reason}.")
    if walk.broken:
        click.echo(
            f"{len(walk.broken)} of {walk.sessions} sessions' logs do not hold: "
            "they were changed after they were written.",
            err=True,
        )
        raise SystemExit(1)
    click.echo(
        f"Every session's log holds: {walk.sessions} sessions, {_events(walk.events)} checked."
    )
