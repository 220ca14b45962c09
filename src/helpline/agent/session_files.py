"""Files in a session as the agent lives them: offers accepted or declined, downloads
with progress that can be stopped, uploads.

Why apart from ``session.py``: one part of ``AgentSession`` (which mixes it in), with
its own state (the offers, the progress of each transfer, the running downloads), so
the session's module stays about the session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpline.agent import transfers
from helpline.agent.api import Api, ApiError
from helpline.agent.joining import Credentials
from helpline.agent.offers import Offer, Offers, OfferState
from helpline.agent.view import Progress, View, shown_path


class SessionFiles:
    # Set by AgentSession.
    api: Api
    credentials: Credentials
    download_dir: Path
    view: View
    offers: Offers
    progress: dict[int | str, Progress]
    _downloads: dict[int, asyncio.Task[Any]]

    if TYPE_CHECKING:

        def _spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...

        def note(self, text: str, kind: str = "local") -> None: ...

    def accept(self, file_id: int) -> None:
        """Accept (or fetch again) a file and download it; once at a time per file."""
        offer = self.offers.get(file_id)
        running = self._downloads.get(file_id)
        if offer is not None and (running is None or running.done()):
            self._downloads[file_id] = self._spawn(self._receive(offer))

    def decline(self, file_id: int) -> None:
        """Decline an offer; while it downloads, stop the download instead (an accepted
        file cannot be declined any more): nothing is kept, and it can be fetched again."""
        running = self._downloads.get(file_id)
        if running is not None and not running.done():
            running.cancel()
            return
        self._spawn(self._answer(file_id, False))

    async def _answer(self, file_id: int, accept: bool) -> bool:
        try:
            await self.api.call("POST", f"/api/files/{file_id}/{'accept' if accept else 'decline'}")
        except ApiError as error:
            if not (accept and error.code == "conflict"):  # accepted before: download it
                self.note(error.message, "problem")
                return False
        return True

    async def _receive(self, offer: Offer) -> None:
        progress = Progress(offer.name, total=offer.size)
        self.progress[offer.id] = progress
        self.view.changed("files")
        if offer.state is OfferState.OFFERED and not await self._answer(offer.id, True):
            del self.progress[offer.id]
            self.view.changed("files")
            return

        def moved(done: int, total: int) -> None:
            progress.done, progress.total = done, total
            self.view.changed("files")

        try:
            saved = await transfers.download(
                self.api, offer.id, offer.name, offer.sha256, self.download_dir, moved
            )
        except transfers.TransferError as error:
            progress.phase, progress.message = "failed", error.message
            self.note(error.message, "problem")
        except asyncio.CancelledError:
            message = (
                f"You stopped downloading {offer.name}; nothing was saved. It is still on "
                "the server: F4 downloads it again."
            )
            progress.phase, progress.message = "failed", message
            self.note(message)
            self.view.changed("files")
            raise
        else:
            progress.phase, progress.path = "saved", saved
            self.note(f"Saved {offer.name} as {shown_path(saved)}")
        self.view.changed("files")

    def send_file(self, path: Path) -> asyncio.Task[Any]:
        return self._spawn(self._send_file(path.expanduser()))

    async def _send_file(self, path: Path) -> None:
        key = f"upload:{path}:{len(self.progress)}"
        progress = Progress(path.name)
        self.progress[key] = progress
        self.view.changed("files")

        def moved(done: int, total: int) -> None:
            progress.done, progress.total = done, total
            self.view.changed("files")

        try:
            file = await transfers.upload(self.api, self.credentials.session, path, moved)
        except transfers.TransferError as error:
            progress.phase, progress.message = "failed", error.message
            self.note(error.message, "problem")
        else:
            del self.progress[key]
            self.progress[int(file["id"])] = Progress(path.name, progress.total, progress.total)
            self.progress[int(file["id"])].phase = "sent"
        self.view.changed("files")
