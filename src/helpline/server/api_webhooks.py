"""HTTP routes of webhooks, for managers: add an endpoint (its secret is shown once),
list them, switch one off or on, give it a new secret, remove one, and read its
delivery log. The rules are in ``webhooks.py``;
docs/operations.md says what each call carries and how to check its signature."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from helpline.domain.errors import LimitReached, NotFound
from helpline.server import wire
from helpline.server.answers import Answer
from helpline.server.dependencies import Rep, check_origin
from helpline.server.fields import JsonBool, PushUrl
from helpline.server.inputs import CheckedRoute, PathId
from helpline.server.openapi import answers as answer
from helpline.server.openapi import errors
from helpline.server.webhooks import Webhooks


def get_webhooks(request: Request) -> Webhooks:
    webhooks: Webhooks = request.app.state.webhooks
    return webhooks


WebhookService = Annotated[Webhooks, Depends(get_webhooks)]
EventName = Literal["session.started", "session.ended", "session.transferred"]

router = APIRouter(prefix="/api", dependencies=[Depends(check_origin)], route_class=CheckedRoute)


class WebhookBody(BaseModel):
    url: PushUrl
    events: list[EventName] = Field(min_length=1, max_length=3)
    portal: str | None = Field(
        default=None, max_length=64, description="A portal's slug; none: every session."
    )


class WebhookSwitch(BaseModel):
    enabled: JsonBool


class WebhookSummary(Answer):
    id: int
    url: str
    events: list[str]
    portal_id: int | None
    portal: str | None = Field(description="The portal's slug; none: every session.")
    enabled: bool
    created_at: datetime


class WebhookCreated(WebhookSummary):
    secret: str = Field(description="Signs every call; shown only here, once.")


class WebhookList(Answer):
    webhooks: list[WebhookSummary]


class Delivery(Answer):
    id: int
    event: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    next_attempt_at: datetime | None = Field(description="When a pending call is tried again.")


class DeliveryList(Answer):
    deliveries: list[Delivery]


def summary(webhook: Any, slugs: dict[int, str]) -> wire.JsonDict:
    return {
        "id": webhook.id,
        "url": webhook.url,
        "events": sorted(e.value for e in webhook.events),
        "portal_id": webhook.portal_id,
        "portal": None if webhook.portal_id is None else slugs.get(webhook.portal_id),
        "enabled": webhook.enabled,
        "created_at": wire.iso(webhook.created_at),
    }


@router.post(
    "/webhooks",
    status_code=201,
    responses={**answer(WebhookCreated, 201), **errors(LimitReached, NotFound)},
)
async def add_webhook(body: WebhookBody, actor: Rep, webhooks: WebhookService) -> Any:
    made = await webhooks.add(actor, body.url, list(body.events), body.portal)
    return {**summary(made, await webhooks.portal_slugs()), "secret": made.secret}


@router.get("/webhooks", responses=answer(WebhookList))
async def list_webhooks(actor: Rep, webhooks: WebhookService) -> Any:
    listed = await webhooks.all(actor)
    slugs = await webhooks.portal_slugs()
    return {"webhooks": [summary(w, slugs) for w in listed]}


@router.patch(
    "/webhooks/{webhook_id:int}",
    responses={**answer(WebhookSummary), **errors(NotFound)},
)
async def switch_webhook(
    webhook_id: PathId, body: WebhookSwitch, actor: Rep, webhooks: WebhookService
) -> Any:
    changed = await webhooks.switch(actor, webhook_id, body.enabled)
    return summary(changed, await webhooks.portal_slugs())


@router.post(
    "/webhooks/{webhook_id:int}/secret",
    responses={**answer(WebhookCreated), **errors(NotFound)},
)
async def rotate_webhook_secret(webhook_id: PathId, actor: Rep, webhooks: WebhookService) -> Any:
    changed = await webhooks.rotate(actor, webhook_id)
    return {**summary(changed, await webhooks.portal_slugs()), "secret": changed.secret}


@router.delete("/webhooks/{webhook_id:int}", status_code=204)
async def remove_webhook(webhook_id: PathId, actor: Rep, webhooks: WebhookService) -> None:
    await webhooks.remove(actor, webhook_id)


@router.get("/webhooks/{webhook_id:int}/deliveries", responses=answer(DeliveryList))
async def webhook_deliveries(webhook_id: PathId, actor: Rep, webhooks: WebhookService) -> Any:
    rows = await webhooks.deliveries(actor, webhook_id)
    return {
        "deliveries": [
            {
                "id": r.id,
                "event": r.event,
                "state": r.state,
                "attempts": r.attempts,
                "last_status": r.last_status,
                "last_error": r.last_error,
                "created_at": wire.iso(r.created_at),
                "finished_at": None if r.finished_at is None else wire.iso(r.finished_at),
                "next_attempt_at": wire.iso(r.due_at) if r.state == "pending" else None,
            }
            for r in rows
        ]
    }
