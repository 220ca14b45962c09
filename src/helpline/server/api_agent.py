"""HTTP routes of the Helpline agent: a representative sends it, the customer's agent
attaches to the same session with the link."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from helpline.domain.errors import Expired, NotFound, RateLimited, SessionEnded, Unavailable
from helpline.domain.sessions import ClientApp
from helpline.domain.visibility import Viewer
from helpline.server import answers, wire
from helpline.server.api_customer import ClientReport
from helpline.server.dependencies import (
    AgentLinkService,
    Rep,
    Service,
    check_origin,
    client_address,
)
from helpline.server.inputs import CheckedRoute
from helpline.server.openapi import answers as answer
from helpline.server.openapi import errors
from helpline.server.useragent import client_info

router = APIRouter(prefix="/api", dependencies=[Depends(check_origin)], route_class=CheckedRoute)


class AttachBody(BaseModel):
    secret: str = Field(min_length=1, max_length=128)
    # The agent may send the customer's name as when joining; the session has one.
    name: str | None = Field(default=None, max_length=200)
    client: ClientReport = Field(default_factory=ClientReport)


@router.post(
    "/sessions/{public_id}/agent-link",
    status_code=201,
    responses={**answer(answers.AgentLinkAnswer, 201), **errors(SessionEnded)},
)
async def send_the_agent(public_id: str, actor: Rep, links: AgentLinkService) -> Any:
    offer = await links.offer(actor, public_id)
    return {
        "secret_url": offer.secret_url,
        "command": offer.command,
        "expires_at": wire.iso(offer.expires_at),
    }


@router.post(
    "/attach",
    status_code=201,
    responses={
        **answer(answers.JoinedAnswer, 201, public_id="/session/id"),
        **errors(NotFound, Expired, SessionEnded, RateLimited, Unavailable),
    },
)
async def attach(
    body: AttachBody, request: Request, links: AgentLinkService, service: Service
) -> Any:
    client = client_info(
        request.headers.get("user-agent"), body.client.model_dump(), default_app=ClientApp.AGENT
    )
    session, token = await links.attach(body.secret, client, client_address(request))
    return {"session": await service.session_body(Viewer.customer(), session), "token": token}
