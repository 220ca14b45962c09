"""HTTP routes either side of a session uses: details, events, transcripts, ending."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field

from helpline.domain.sessions import Outcome
from helpline.server import answers, wire
from helpline.server.accounts import RepActor
from helpline.server.dependencies import AnyActor, HistoryService, Service, check_origin
from helpline.server.inputs import SQL_INT_LIMIT, CheckedRoute
from helpline.server.openapi import answers as answer

router = APIRouter(
    prefix="/api/sessions", dependencies=[Depends(check_origin)], route_class=CheckedRoute
)


class EndBody(BaseModel):
    outcome: Outcome | None = None
    notes: str = Field(default="", max_length=4000)


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/{public_id}", responses=answer(answers.SessionAnswer))
async def details(public_id: str, actor: AnyActor, service: Service) -> Any:
    session = await service.session_for(actor, public_id)
    return {"session": await service.session_body(actor.viewer, session)}


@router.get("/{public_id}/events", responses=answer(answers.EventsAnswer))
async def events(
    public_id: str,
    actor: AnyActor,
    service: Service,
    after: int = Query(default=0, ge=0, lt=SQL_INT_LIMIT),
) -> Any:
    session = await service.session_for(actor, public_id)
    found = await service.visible_events(actor.viewer, session, after)
    bodies = [wire.event_frame_body(actor.viewer, e) for e in found]
    return {"events": [b for b in bodies if b is not None]}


@router.get("/{public_id}/transcript.txt", response_class=PlainTextResponse)
async def transcript_text(public_id: str, actor: AnyActor, history: HistoryService) -> Any:
    text = await history.text(actor, public_id)
    return PlainTextResponse(text, headers=_attachment("chatlog.txt"))


@router.get("/{public_id}/transcript.html", response_class=HTMLResponse)
async def transcript_html(public_id: str, actor: AnyActor, history: HistoryService) -> Any:
    page = await history.html(actor, public_id)
    return HTMLResponse(page, headers=_attachment("chatlog.html"))


@router.get("/{public_id}/transcript.json", responses=answer(answers.Transcript))
async def transcript_json(public_id: str, actor: AnyActor, history: HistoryService) -> Any:
    body = await history.json(actor, public_id)
    return JSONResponse(body, headers=_attachment("chatlog.json"))


@router.post("/{public_id}/end", responses=answer(answers.SessionAnswer))
async def end(
    public_id: str, actor: AnyActor, service: Service, body: EndBody | None = None
) -> Any:
    outcome, notes = (
        (body.outcome, body.notes) if body and isinstance(actor, RepActor) else (None, "")
    )
    session = await service.end(actor, public_id, outcome, notes)
    return {"session": await service.session_body(actor.viewer, session)}
