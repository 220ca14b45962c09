"""What HTTP routes need from each request: the service, the caller, their address."""

from __future__ import annotations

from typing import Annotated

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


def get_service(request: Request) -> HelplineService:
    service: HelplineService = request.app.state.service
    return service


Service = Annotated[HelplineService, Depends(get_service)]


def get_history(request: Request) -> History:
    history: History = request.app.state.history
    return history


def get_invitations(request: Request) -> Invitations:
    invitations: Invitations = request.app.state.invitations
    return invitations


def get_scripts(request: Request) -> ScriptLibrary:
    scripts: ScriptLibrary = request.app.state.scripts
    return scripts


def get_files(request: Request) -> FileTransfers:
    files: FileTransfers = request.app.state.files
    return files


def get_consents(request: Request) -> Consents:
    consents: Consents = request.app.state.consents
    return consents


def get_agent_links(request: Request) -> AgentLinks:
    links: AgentLinks = request.app.state.agent_links
    return links


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
