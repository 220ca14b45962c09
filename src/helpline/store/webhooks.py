"""Webhooks in the store: endpoints, and the calls to make to them.

Why this exists: one of the concerns ``SqlStore`` is composed of (see ``sql.py``). A
call is a row before it is an HTTP request, so nothing is lost when the process stops
between a session's end and the call; a dispatcher claims due rows by moving their
``due_at`` on in the same UPDATE that reads them, so two processes never make the same
call at once (one may make it again after a crash: receivers dedupe on the delivery id).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, select, update

from helpline.domain.webhooks import SWITCHED_OFF, DeliveryState, Webhook, WebhookEvent
from helpline.store.base import StoreBase
from helpline.store.webhook_tables import webhook_deliveries, webhooks


def webhook_from_row(row: Any) -> Webhook:
    return Webhook(
        id=row.id,
        url=row.url,
        events=frozenset(WebhookEvent(e) for e in row.events),
        portal_id=row.portal_id,
        secret=row.secret,
        created_at=row.created_at,
        enabled=bool(row.enabled),
    )


class WebhooksMixin(StoreBase):
    async def create_webhook(
        self,
        url: str,
        events: frozenset[WebhookEvent],
        portal_id: int | None,
        secret: str,
        created_by: int,
        now: datetime,
    ) -> Webhook:
        async with self._writing() as conn:
            made = await conn.scalar(
                insert(webhooks)
                .values(
                    url=url,
                    events=sorted(e.value for e in events),
                    portal_id=portal_id,
                    secret=secret,
                    created_by=created_by,
                    created_at=now,
                )
                .returning(webhooks.c.id)
            )
        return Webhook(int(made), url, events, portal_id, secret, now)

    async def list_webhooks(self) -> list[Webhook]:
        async with self._reading() as conn:
            rows = await conn.execute(select(webhooks).order_by(webhooks.c.id))
            return [webhook_from_row(r) for r in rows]

    async def change_webhook(
        self,
        webhook_id: int,
        now: datetime,
        *,
        enabled: bool | None = None,
        secret: str | None = None,
    ) -> Webhook | None:
        """Switch an endpoint on or off (off gives up its waiting calls), or give it a
        new secret; None: no such one."""
        values: dict[str, Any] = {}
        if enabled is not None:
            values["enabled"] = enabled
        if secret is not None:
            values["secret"] = secret
        async with self._writing() as conn:
            if values:
                await conn.execute(
                    update(webhooks).where(webhooks.c.id == webhook_id).values(**values)
                )
            if enabled is False:
                await conn.execute(
                    update(webhook_deliveries)
                    .where(
                        webhook_deliveries.c.webhook_id == webhook_id,
                        webhook_deliveries.c.state == DeliveryState.PENDING.value,
                    )
                    .values(
                        state=DeliveryState.FAILED.value,
                        last_error=SWITCHED_OFF,
                        finished_at=now,
                    )
                )
            row = (await conn.execute(select(webhooks).where(webhooks.c.id == webhook_id))).first()
            return None if row is None else webhook_from_row(row)

    async def delete_webhook(self, webhook_id: int) -> bool:
        async with self._writing() as conn:
            gone = await conn.execute(delete(webhooks).where(webhooks.c.id == webhook_id))
            return bool(gone.rowcount)

    async def queue_deliveries(
        self, targets: Sequence[Webhook], event: WebhookEvent, session_id: int, now: datetime
    ) -> None:
        if not targets:
            return
        async with self._writing() as conn:
            await conn.execute(
                insert(webhook_deliveries),
                [
                    {
                        "webhook_id": target.id,
                        "event": event.value,
                        "session_id": session_id,
                        "state": DeliveryState.PENDING.value,
                        "attempts": 0,
                        "due_at": now,
                        "created_at": now,
                    }
                    for target in targets
                ],
            )

    async def claim_deliveries(
        self, now: datetime, hold: timedelta, limit: int = 20
    ) -> list[tuple[Any, Webhook]]:
        """Due calls, held for ``hold`` (another dispatcher skips them meanwhile).

        One endpoint hears one session's events in the order they happened: a call
        waits while an earlier call of the same session to the same endpoint is still
        waiting or on its way, so a ticket is never closed before it was opened. A
        call given up lets the next one go.
        """
        # Every process asks every second: with nothing due, a read, never the write lock.
        async with self._reading() as conn:
            if await conn.scalar(_ANY_DUE, {"now": now}) is None:
                return []
        async with self._writing() as conn:
            due = (
                select(webhook_deliveries.c.id)
                .where(_CLAIMABLE)
                .order_by(webhook_deliveries.c.due_at, webhook_deliveries.c.id)
                .limit(limit)
            )
            if self._dialect == "postgresql":
                due = due.with_for_update(skip_locked=True)
            ids = [row.id for row in await conn.execute(due, {"now": now})]
            if not ids:
                return []
            await conn.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.id.in_(ids))
                .values(due_at=now + hold, attempts=webhook_deliveries.c.attempts + 1)
            )
            rows = list(
                await conn.execute(
                    select(webhook_deliveries)
                    .where(webhook_deliveries.c.id.in_(ids))
                    .order_by(webhook_deliveries.c.id)
                )
            )
            targets = {
                row.id: webhook_from_row(row)
                for row in await conn.execute(
                    select(webhooks).where(webhooks.c.id.in_({r.webhook_id for r in rows}))
                )
            }
            return [(row, targets[row.webhook_id]) for row in rows]

    async def finish_delivery(
        self,
        delivery_id: int,
        state: DeliveryState,
        status: int | None,
        error: str | None,
        now: datetime,
        due_at: datetime | None = None,
    ) -> None:
        values: dict[str, Any] = {"state": state.value, "last_status": status, "last_error": error}
        if state is DeliveryState.PENDING:
            values["due_at"] = due_at or now
        else:
            values["finished_at"] = now
        async with self._writing() as conn:
            await conn.execute(
                update(webhook_deliveries)
                # A call given up meanwhile (its endpoint switched off) stays given up.
                .where(
                    webhook_deliveries.c.id == delivery_id,
                    webhook_deliveries.c.state == DeliveryState.PENDING.value,
                )
                .values(**values)
            )

    async def deliveries_of(self, webhook_id: int, limit: int = 100) -> list[Any]:
        async with self._reading() as conn:
            rows = await conn.execute(
                select(webhook_deliveries)
                .where(webhook_deliveries.c.webhook_id == webhook_id)
                .order_by(webhook_deliveries.c.id.desc())
                .limit(limit)
            )
            return list(rows)


# An earlier call of the same session to the same endpoint, not yet delivered or given up.
_earlier = webhook_deliveries.alias("earlier")
_EARLIER_WAITING = (
    select(_earlier.c.id)
    .where(
        _earlier.c.webhook_id == webhook_deliveries.c.webhook_id,
        _earlier.c.session_id == webhook_deliveries.c.session_id,
        _earlier.c.state == DeliveryState.PENDING.value,
        _earlier.c.id < webhook_deliveries.c.id,
    )
    .exists()
)
# A call a dispatcher may take now: due, and first in its endpoint's line for its session.
# The same condition for the quick check and the claim: a call due but waiting behind a
# start being retried (for hours) must not make every poll take the write lock.
_CLAIMABLE = and_(
    webhook_deliveries.c.state == DeliveryState.PENDING.value,
    webhook_deliveries.c.due_at <= bindparam("now"),
    ~_EARLIER_WAITING,
)
_ANY_DUE = select(webhook_deliveries.c.id).where(_CLAIMABLE).limit(1)
