"""HTTP routes either side of a session uses: details, events, transcript, ending."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse

from helpline.server import wire
from helpline.server.dependencies import AnyActor, Service, check_origin

router = APIRouter(prefix="/api/sessions", dependencies=[Depends(check_origin)])


@router.get("/{public_id}")
async def details(public_id: str, actor: AnyActor, service: Service) -> Any:
    session = await service.session_for(actor, public_id)
    return {"session": await service.session_body(actor.viewer, session)}


@router.get("/{public_id}/events")
async def events(
    public_id: str,
    actor: AnyActor,
    service: Service,
    after: int = Query(default=0, ge=0),
) -> Any:
    session = await service.session_for(actor, public_id)
    found = await service.visible_events(actor.viewer, session, after)
    bodies = [wire.event_frame_body(actor.viewer, e) for e in found]
    return {"events": [b for b in bodies if b is not None]}


@router.get("/{public_id}/transcript.txt", response_class=PlainTextResponse)
async def transcript(public_id: str, actor: AnyActor, service: Service) -> PlainTextResponse:
    _, text = await service.transcript_text(actor, public_id)
    return PlainTextResponse(
        text,
        headers={"Content-Disposition": 'attachment; filename="chatlog.txt"'},
    )


@router.post("/{public_id}/end")
async def end(public_id: str, actor: AnyActor, service: Service) -> Any:
    session = await service.end(actor, public_id)
    return {"session": await service.session_body(actor.viewer, session)}
