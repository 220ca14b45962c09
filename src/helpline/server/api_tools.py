"""HTTP routes for the session tools: push URL, invite and transfer, leaving, scripted
messages and URLs, greetings, and the managers' history."""

from __future__ import annotations

from typing import Annotated, Any, Self

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator, BaseModel, Field, model_validator

from helpline.domain.errors import Conflict, Expired, NotFound
from helpline.domain.invitations import MAX_COMMENT_CHARS, InvitationKind
from helpline.domain.scripts import ScriptKind
from helpline.domain.sessions import Outcome
from helpline.server import answers, wire
from helpline.server.dependencies import (
    HistoryService,
    InvitationService,
    Rep,
    ScriptService,
    Service,
    check_origin,
)
from helpline.server.fields import ClientId, JsonBool, Moment, PushUrl, ScriptText, Title
from helpline.server.inputs import SQL_INT_LIMIT, BodyId, CheckedRoute, PathId
from helpline.server.openapi import answers as answer
from helpline.server.openapi import errors

router = APIRouter(prefix="/api", dependencies=[Depends(check_origin)], route_class=CheckedRoute)

MAX_GREETING_CHARS = 1000


def _each_once(ids: list[int]) -> list[int]:
    if len(set(ids)) != len(ids):
        raise ValueError("A new order must list every item exactly once.")
    return ids


# Every id once; a list that names other items than there are now answers 409 conflict.
NewOrder = Annotated[
    list[BodyId],
    Field(max_length=1000, json_schema_extra={"uniqueItems": True}),
    AfterValidator(_each_once),
]


class PushUrlBody(BaseModel):
    url: PushUrl
    client_id: ClientId | None = None


class InvitationBody(BaseModel):
    """To one representative (``username``) or a portal's queue (``portal``); a
    username wins when both are there."""

    model_config = {
        "json_schema_extra": {
            "anyOf": [
                {
                    "required": ["username"],
                    "properties": {"username": {"type": "string", "minLength": 1}},
                },
                {
                    "required": ["portal"],
                    "properties": {"portal": {"type": "string", "minLength": 1}},
                },
            ]
        }
    }

    kind: InvitationKind = InvitationKind.INVITE
    username: str | None = Field(default=None, max_length=64)
    portal: str | None = Field(default=None, max_length=64)
    masked: JsonBool = False
    comment: str = Field(default="", max_length=MAX_COMMENT_CHARS)

    @model_validator(mode="after")
    def someone(self) -> Self:
        if not self.username and not self.portal:
            raise ValueError("Choose a representative or a portal.")
        return self


class CategoryBody(BaseModel):
    kind: ScriptKind
    team: JsonBool = False
    name: Title


class RenameBody(BaseModel):
    name: Title


class ScriptBody(BaseModel):
    """In a library of URLs, ``text`` must also be a URL that can be pushed: the
    category decides, which the document cannot say."""

    title: Title
    text: ScriptText


class CategoryOrderBody(BaseModel):
    kind: ScriptKind
    team: JsonBool = False
    ids: NewOrder


class OrderBody(BaseModel):
    ids: NewOrder


class GreetingBody(BaseModel):
    text: str = Field(max_length=MAX_GREETING_CHARS)


# Push URL, leaving -------------------------------------------------------------------


@router.post("/sessions/{public_id}/push-url", responses=answer(answers.PushedAnswer))
async def push_url(public_id: str, body: PushUrlBody, actor: Rep, service: Service) -> Any:
    appended = await service.push_url(actor, public_id, body.url, body.client_id)
    return {"seq": appended.event.seq, "url": appended.event.body["url"]}


@router.post("/console/exit-all", responses=answer(answers.LeftAnswer))
async def exit_all(actor: Rep, service: Service) -> Any:
    left = await service.leave_all(actor)
    return {"left": [s.public_id for s in left]}


# Invite and transfer -----------------------------------------------------------------


@router.post(
    "/sessions/{public_id}/invitations",
    status_code=201,
    responses=answer(answers.InvitationAnswer, 201, invitation_id="/invitation/id"),
)
async def invite(
    public_id: str, body: InvitationBody, actor: Rep, invitations: InvitationService
) -> Any:
    made = await invitations.offer(
        actor, public_id, body.kind, body.username, body.portal, body.masked, body.comment
    )
    return {"invitation": wire.as_dict(await invitations.offered(made))}


@router.get("/invitations", responses=answer(answers.InvitationsAnswer))
async def my_invitations(actor: Rep, invitations: InvitationService) -> Any:
    return {"invitations": [wire.as_dict(offer) for offer in await invitations.pending(actor)]}


@router.post(
    "/invitations/{invitation_id:int}/accept",
    responses={**answer(answers.SessionAnswer), **errors(Conflict, Expired)},
)
async def accept(
    invitation_id: PathId, actor: Rep, invitations: InvitationService, service: Service
) -> Any:
    session = await invitations.accept(actor, invitation_id)
    return {"session": await service.session_body(actor.viewer, session)}


@router.post(
    "/invitations/{invitation_id:int}/decline", status_code=204, responses=errors(Conflict, Expired)
)
async def decline(invitation_id: PathId, actor: Rep, invitations: InvitationService) -> None:
    await invitations.decline(actor, invitation_id)


# Portals and greetings ---------------------------------------------------------------


@router.get("/portals", responses=answer(answers.PortalsAnswer, slug="/portals/0/slug"))
async def portals(actor: Rep, service: Service) -> Any:
    return {
        "portals": [
            {
                "slug": p.portal.slug,
                "name": p.portal.name,
                "greeting": p.portal.greeting,
                "member": p.member,
            }
            for p in await service.portals_for(actor)
        ]
    }


@router.get("/team/greeting", responses=answer(answers.TextAnswer))
async def team_greeting(actor: Rep, service: Service) -> Any:
    return {"text": await service.team_greeting()}


@router.put("/team/greeting", responses=answer(answers.TextAnswer))
async def set_team_greeting(body: GreetingBody, actor: Rep, service: Service) -> Any:
    return {"text": await service.set_team_greeting(actor, body.text)}


@router.put("/portals/{slug}/greeting", responses=answer(answers.PortalGreeting))
async def set_portal_greeting(slug: str, body: GreetingBody, actor: Rep, service: Service) -> Any:
    updated = await service.set_portal_greeting(actor, slug, body.text)
    return {"slug": updated.slug, "greeting": updated.greeting}


# Scripted messages and URLs -------------------------------------------------------------


@router.get("/scripts", responses=answer(answers.Library))
async def scripts(actor: Rep, library: ScriptService, kind: ScriptKind = ScriptKind.MESSAGE) -> Any:
    return {"kind": kind.value, "categories": await library.listing(actor, kind)}


@router.post(
    "/scripts/categories",
    status_code=201,
    responses=answer(answers.NewCategory, 201, category_id="/id"),
)
async def create_category(body: CategoryBody, actor: Rep, library: ScriptService) -> Any:
    category = await library.create_category(actor, body.kind, body.team, body.name)
    return {"id": category.id, "name": category.name}


@router.patch("/scripts/categories/{category_id:int}", status_code=204)
async def rename_category(
    category_id: PathId, body: RenameBody, actor: Rep, library: ScriptService
) -> None:
    await library.rename_category(actor, category_id, body.name)


@router.delete("/scripts/categories/{category_id:int}", status_code=204)
async def delete_category(category_id: PathId, actor: Rep, library: ScriptService) -> None:
    await library.delete_category(actor, category_id)


@router.post("/scripts/categories/order", status_code=204, responses=errors(Conflict))
async def reorder_categories(body: CategoryOrderBody, actor: Rep, library: ScriptService) -> None:
    await library.reorder_categories(actor, body.kind, body.team, body.ids)


@router.post(
    "/scripts/categories/{category_id:int}/scripts",
    status_code=201,
    responses=answer(answers.Script, 201, script_id="/id"),
)
async def create_script(
    category_id: PathId, body: ScriptBody, actor: Rep, library: ScriptService
) -> Any:
    script = await library.create_script(actor, category_id, body.title, body.text)
    return {"id": script.id, "title": script.title, "text": script.text}


@router.post(
    "/scripts/categories/{category_id:int}/order", status_code=204, responses=errors(Conflict)
)
async def reorder_scripts(
    category_id: PathId, body: OrderBody, actor: Rep, library: ScriptService
) -> None:
    await library.reorder_scripts(actor, category_id, body.ids)


@router.patch("/scripts/{script_id:int}", status_code=204)
async def update_script(
    script_id: PathId, body: ScriptBody, actor: Rep, library: ScriptService
) -> None:
    await library.update_script(actor, script_id, body.title, body.text)


@router.delete("/scripts/{script_id:int}", status_code=204)
async def delete_script(script_id: PathId, actor: Rep, library: ScriptService) -> None:
    await library.delete_script(actor, script_id)


# History ---------------------------------------------------------------------------------


@router.get("/history", responses={**answer(answers.HistoryAnswer), **errors(NotFound)})
async def history(
    actor: Rep,
    history: HistoryService,
    portal: str | None = Query(default=None, max_length=64),
    representative: str | None = Query(default=None, max_length=64),
    outcome: Outcome | None = Query(default=None),
    started_from: Moment | None = Query(default=None, alias="from"),
    started_before: Moment | None = Query(default=None, alias="to"),
    q: str | None = Query(default=None, max_length=200),
    limit: int = Query(default=50, ge=1, le=200),
    offset: int = Query(default=0, ge=0, lt=SQL_INT_LIMIT),
) -> Any:
    return await history.search(
        actor, portal, representative, outcome, started_from, started_before, q, limit, offset
    )
