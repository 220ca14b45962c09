"""What HTTP routes need from each request: the service, the caller, their address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from helpline.domain.errors import Forbidden, NotAuthenticated
from helpline.server.accounts import Actor, CustomerActor, RepActor
from helpline.server.agent_links import AgentLinks
from helpline.server.consents import Consents
from helpline.server.files import FileTransfers
from helpline.server.history import History
from helpline.server.invitations import Invitations
from helpline.server.scripts import ScriptLibrary
from helpline.server.service import HelplineService

CONSOLE_COOKIE = "helpline_console"
CUSTOMER_COOKIE = "helpline_customer"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

T = TypeVar("T")


def _app_state(name: str, kind: type[T]) -> Callable[[Request], T]:
    """A dependency that gives the part of the app ``create_app`` keeps under ``name``."""

    def get(request: Request) -> T:
        part: T = getattr(request.app.state, name)
        return part

    get.__name__ = f"get_{name}"
    return get


get_service = _app_state("service", HelplineService)
get_history = _app_state("history", History)
get_invitations = _app_state("invitations", Invitations)
get_scripts = _app_state("scripts", ScriptLibrary)
get_files = _app_state("files", FileTransfers)
get_consents = _app_state("consents", Consents)
get_agent_links = _app_state("agent_links", AgentLinks)

Service = Annotated[HelplineService, Depends(get_service)]
AgentLinkService = Annotated[AgentLinks, Depends(get_agent_links)]
FileService = Annotated[FileTransfers, Depends(get_files)]
ConsentService = Annotated[Consents, Depends(get_consents)]
HistoryService = Annotated[History, Depends(get_history)]
InvitationService = Annotated[Invitations, Depends(get_invitations)]
ScriptService = Annotated[ScriptLibrary, Depends(get_scripts)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def check_origin(request: Request, service: Service) -> None:
    """Refuse a browser's state-changing request from a foreign page.

    SameSite=Strict cookies already stop most cross-site requests; checking Origin
    as well covers browsers and proxies that do not honour SameSite.
    """
    if request.method not in UNSAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin is not None and origin not in service.settings.origins:
        raise Forbidden("Requests from this page's origin are not accepted.")


async def current_rep(request: Request, service: Service) -> RepActor:
    actor = await service.rep_actor(request.cookies.get(CONSOLE_COOKIE))
    if actor is None:
        raise NotAuthenticated("Please log in to the console.")
    return actor


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


async def current_actor(request: Request, service: Service) -> Actor:
    """A representative (console cookie) or a customer (bearer token or cookie)."""
    bearer = _bearer(request)
    if bearer is not None:
        customer = await service.customer_actor(bearer)
        if customer is None:
            raise NotAuthenticated("This session link has expired or is not valid.")
        return customer
    rep = await service.rep_actor(request.cookies.get(CONSOLE_COOKIE))
    if rep is not None:
        return rep
    customer = await service.customer_actor(request.cookies.get(CUSTOMER_COOKIE))
    if customer is not None:
        return customer
    raise NotAuthenticated("Please log in, or join a session first.")


Rep = Annotated[RepActor, Depends(current_rep)]
AnyActor = Annotated[Actor, Depends(current_actor)]
Customer = CustomerActor
