"""What the service layer needs from storage for webhooks (``store/webhooks.py``).

Apart from ``protocol.py`` so that each stays short; ``HelplineStore`` includes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from helpline.domain.webhooks import DeliveryState, Webhook, WebhookEvent


class WebhookStore(Protocol):
    async def create_webhook(
        self,
        url: str,
        events: frozenset[WebhookEvent],
        portal_id: int | None,
        secret: str,
        created_by: int,
        now: datetime,
    ) -> Webhook: ...
    async def list_webhooks(self) -> list[Webhook]: ...
    async def change_webhook(
        self,
        webhook_id: int,
        now: datetime,
        *,
        enabled: bool | None = None,
        secret: str | None = None,
    ) -> Webhook | None: ...
    async def delete_webhook(self, webhook_id: int) -> bool: ...
    async def queue_deliveries(
        self, targets: Sequence[Webhook], event: WebhookEvent, session_id: int, now: datetime
    ) -> None: ...
    async def claim_deliveries(
        self, now: datetime, hold: timedelta, limit: int = 20
    ) -> list[tuple[Any, Webhook]]: ...
    async def finish_delivery(
        self,
        delivery_id: int,
        state: DeliveryState,
        status: int | None,
        error: str | None,
        now: datetime,
        due_at: datetime | None = None,
    ) -> None: ...
    async def deliveries_of(self, webhook_id: int, limit: int = 100) -> list[Any]: ...
