"""HTTP routes a customer uses to ask for help: portals and session codes."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field, model_validator

from helpline.domain.errors import Expired, NotFound, RateLimited, Unavailable
from helpline.domain.portals import MAX_QUERY_CHARS, PortalField
from helpline.domain.visibility import Viewer
from helpline.server import answers
from helpline.server.dependencies import (
    CUSTOMER_COOKIE,
    Service,
    check_origin,
    client_address,
)
from helpline.server.fields import DisplayName, SessionCodeText
from helpline.server.inputs import CheckedRoute
from helpline.server.openapi import answers as answer
from helpline.server.openapi import errors
from helpline.server.service import HelplineService
from helpline.server.useragent import client_info

router = APIRouter(prefix="/api", dependencies=[Depends(check_origin)], route_class=CheckedRoute)


# What a client may report of the customer's computer; each value is cleaned and cut to
# 80 characters (domain/sessions.clean_client_detail), so this only bounds the request.
MAX_REPORTED_CHARS = 512


class ClientReport(BaseModel):
    os: str | None = Field(default=None, max_length=MAX_REPORTED_CHARS)
    browser: str | None = Field(default=None, max_length=MAX_REPORTED_CHARS)
    kernel: str | None = Field(default=None, max_length=MAX_REPORTED_CHARS)
    arch: str | None = Field(default=None, max_length=MAX_REPORTED_CHARS)
    host: str | None = Field(default=None, max_length=MAX_REPORTED_CHARS)
    user: str | None = Field(default=None, max_length=MAX_REPORTED_CHARS)
    app: Literal["browser", "agent"] | None = None


class PortalJoinBody(BaseModel):
    """``fields``: only those the portal asks for (``GET /api/portals/{slug}``); another
    one is refused, a rule of the portal that the document cannot say."""

    name: DisplayName
    query: str = Field(default="", max_length=MAX_QUERY_CHARS)
    fields: dict[PortalField, Annotated[str, Field(max_length=200)]] = Field(default_factory=dict)
    client: ClientReport = Field(default_factory=ClientReport)


class CodeJoinBody(BaseModel):
    """A ``code`` a representative read out, or a join ``link``'s secret (which wins)."""

    model_config = {
        "json_schema_extra": {
            "anyOf": [
                {"required": ["code"], "properties": {"code": {"type": "string"}}},
                {"required": ["link"], "properties": {"link": {"type": "string"}}},
            ]
        }
    }

    code: SessionCodeText | None = None
    link: str | None = Field(default=None, min_length=1, max_length=128)
    name: DisplayName
    client: ClientReport = Field(default_factory=ClientReport)

    @model_validator(mode="after")
    def code_or_link(self) -> Self:
        if self.code is None and self.link is None:
            raise ValueError("Enter the session code your representative gave you.")
        return self


def set_customer_cookie(response: Response, service: HelplineService, token: str) -> None:
    response.set_cookie(
        CUSTOMER_COOKIE,
        token,
        max_age=service.settings.customer_token_lifetime_seconds,
        httponly=True,
        samesite="strict",
        secure=service.settings.secure_cookies,
    )


@router.get("/portals/{slug}", responses=answer(answers.PublicPortal))
async def portal(slug: str, service: Service) -> Any:
    found = await service.portal_by_slug(slug)
    return {"slug": found.slug, "name": found.name, "fields": [f.value for f in found.fields]}


@router.post(
    "/portals/{slug}/sessions",
    status_code=201,
    responses={
        **answer(answers.JoinedAnswer, 201, public_id="/session/id"),
        **errors(RateLimited, Unavailable),
    },
)
async def ask_for_help(
    slug: str, body: PortalJoinBody, request: Request, response: Response, service: Service
) -> Any:
    client = client_info(request.headers.get("user-agent"), body.client.model_dump())
    session, token = await service.open_portal_session(
        slug,
        body.name,
        body.query,
        {key.value: value for key, value in body.fields.items()},
        client,
        client_address(request),
    )
    set_customer_cookie(response, service, token)

    return {"session": await service.session_body(Viewer.customer(), session), "token": token}


@router.post(
    "/join",
    status_code=201,
    responses={
        **answer(answers.JoinedAnswer, 201, public_id="/session/id"),
        **errors(NotFound, Expired, RateLimited, Unavailable),
    },
)
async def join_with_code(
    body: CodeJoinBody, request: Request, response: Response, service: Service
) -> Any:
    client = client_info(request.headers.get("user-agent"), body.client.model_dump())
    session, token = await service.join_with_code(
        body.code, body.name, client, client_address(request), link=body.link
    )
    set_customer_cookie(response, service, token)

    return {"session": await service.session_body(Viewer.customer(), session), "token": token}
