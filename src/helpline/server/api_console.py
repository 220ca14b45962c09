"""HTTP routes for representatives: login, preferences, queues, sessions, codes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict  # pydantic reads typing's only from Python 3.12

from helpline.domain.errors import (
    LimitReached,
    NotAuthenticated,
    NotFound,
    RateLimited,
    Unavailable,
)
from helpline.server import answers, wire
from helpline.server.dependencies import (
    CONSOLE_COOKIE,
    Rep,
    Service,
    check_origin,
    client_address,
)
from helpline.server.fields import JSON_INTEGER, SESSION_CODE_PATTERN, JsonBool
from helpline.server.inputs import CheckedRoute
from helpline.server.openapi import answers as answer
from helpline.server.openapi import errors

router = APIRouter(prefix="/api", dependencies=[Depends(check_origin)], route_class=CheckedRoute)


class LoginBody(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class PreferenceChanges(TypedDict, total=False):
    """Any of the preferences; the idle thresholds must also stay in order (the second
    above the first, with those not sent as they are), which the document cannot say."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    idle_warning_seconds: Annotated[int, Field(ge=5, le=3600), JSON_INTEGER]
    idle_alert_seconds: Annotated[int, Field(ge=6, le=7200), JSON_INTEGER]
    chat_sound: JsonBool
    alert_sound: JsonBool
    font_size: Annotated[int, Field(ge=10, le=32), JSON_INTEGER]
    spell_check: JsonBool
    right_nav_open: JsonBool
    request_alert_seconds: Annotated[int, Field(ge=5, le=600), JSON_INTEGER]


class AddAttendeeBody(BaseModel):
    username: str = Field(max_length=64)
    masked: JsonBool = False


class CodeBody(BaseModel):
    portal: str | None = Field(default=None, max_length=64)


@router.post(
    "/auth/login",
    responses={**answer(answers.MeAnswer), **errors(NotAuthenticated, RateLimited, Unavailable)},
)
async def login(body: LoginBody, request: Request, response: Response, service: Service) -> Any:
    rep, token = await service.login(body.username, body.password, client_address(request))
    response.set_cookie(
        CONSOLE_COOKIE,
        token,
        max_age=service.settings.login_lifetime_seconds,
        httponly=True,
        samesite="strict",
        secure=service.settings.secure_cookies,
    )
    return {"me": wire.me_body(rep)}


@router.post("/auth/logout", status_code=204)
async def logout(actor: Rep, service: Service, response: Response) -> None:
    await service.logout(actor)
    response.delete_cookie(CONSOLE_COOKIE, httponly=True, samesite="strict")


@router.get("/me", responses=answer(answers.MeAnswer))
async def me(actor: Rep) -> Any:
    return {"me": wire.me_body(actor.rep)}


@router.patch("/me/preferences", responses=answer(answers.PreferencesAnswer))
async def update_preferences(changes: PreferenceChanges, actor: Rep, service: Service) -> Any:
    preferences = await service.update_preferences(actor, dict(changes))
    return {"preferences": preferences.as_dict()}


@router.get("/representatives", responses=answer(answers.ColleaguesAnswer))
async def representatives(actor: Rep, request: Request, service: Service) -> Any:
    online = request.app.state.gateway.online
    return {
        "representatives": [
            {
                "id": c.rep.id,
                "username": c.rep.username,
                "name": c.rep.display_name,
                "online": c.rep.id in online,
                "active_sessions": c.active_sessions,
            }
            for c in await service.colleagues()
        ]
    }


@router.get("/console/queue", responses=answer(answers.SessionsAnswer))
async def queue(actor: Rep, service: Service) -> Any:
    return {
        "sessions": [
            await service.session_body(actor.viewer, s) for s in await service.queue_for(actor)
        ]
    }


@router.get("/console/sessions", responses=answer(answers.SessionsAnswer))
async def my_sessions(actor: Rep, service: Service) -> Any:
    return {
        "sessions": [
            await service.session_body(actor.viewer, s)
            for s in await service.open_sessions_for(actor)
        ]
    }


@router.post("/sessions/{public_id}/pick-up", responses=answer(answers.SessionAnswer))
async def pick_up(public_id: str, actor: Rep, service: Service) -> Any:
    session = await service.pick_up(actor, public_id)
    return {"session": await service.session_body(actor.viewer, session)}


@router.post("/sessions/{public_id}/attendees", responses=answer(answers.SessionAnswer))
async def add_attendee(public_id: str, body: AddAttendeeBody, actor: Rep, service: Service) -> Any:
    session = await service.add_representative(actor, public_id, body.username, body.masked)
    return {"session": await service.session_body(actor.viewer, session)}


@router.post("/sessions/{public_id}/leave", responses=answer(answers.SessionAnswer))
async def leave(public_id: str, actor: Rep, service: Service) -> Any:
    session = await service.leave(actor, public_id)
    return {"session": await service.session_body(actor.viewer, session)}


@router.post(
    "/codes",
    status_code=201,
    responses={
        **answer(answers.NewCode, 201, code="/code"),
        **errors(NotFound, LimitReached, Unavailable),
    },
)
async def create_code(actor: Rep, service: Service, body: CodeBody | None = None) -> Any:
    code, link = await service.create_code(actor, body.portal if body else None)
    return {
        **wire.code_body(code, service.settings.base_url, link),
        "code_joining_paused": await service.limits.code_joining_paused(),
    }


@router.get("/codes", responses={**answer(answers.CodesAnswer), **errors(Unavailable)})
async def list_codes(actor: Rep, service: Service) -> Any:
    base = service.settings.base_url
    return {
        "codes": [wire.code_body(c, base) for c in await service.active_codes(actor)],
        "code_joining_paused": await service.limits.code_joining_paused(),
    }


@router.delete("/codes/{code}", status_code=204)
async def cancel_code(
    code: Annotated[str, Path(max_length=32, pattern=SESSION_CODE_PATTERN)],
    actor: Rep,
    service: Service,
) -> None:
    await service.cancel_code(actor, code)
