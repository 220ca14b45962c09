"""The application factory: ``create_app(settings)`` wires store, bus, service and routes.

``served(app)`` is what an ASGI server runs: the app with the gateway's two socket
paths taken ahead of it (``helpline serve`` does this).

Nothing happens at import time; the store and bus are opened in the lifespan, so a
test can build several apps in one process and each cleans up after itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from helpline import __version__
from helpline.bus.base import Bus
from helpline.bus.factory import create_bus
from helpline.domain.errors import Forbidden, HelplineError, NotFound, RateLimited
from helpline.server import (
    api_agent,
    api_computer,
    api_console,
    api_customer,
    api_sessions,
    api_tools,
    api_transfers,
    api_webhooks,
    pages,
)
from helpline.server.agent_links import AgentLinks
from helpline.server.computer import Computer
from helpline.server.consents import Consents
from helpline.server.endpoints import Gateway
from helpline.server.fields import PATTERN_SENTENCES
from helpline.server.files import FileTransfers
from helpline.server.history import History
from helpline.server.inputs import BodyRefused
from helpline.server.invitations import Invitations
from helpline.server.methods import http_error
from helpline.server.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from helpline.server.metrics import Metrics, access
from helpline.server.openapi import conforming_document, operation_id
from helpline.server.outages import as_unavailable, database_problem
from helpline.server.presence import CustomerPresence
from helpline.server.scripts import ScriptLibrary
from helpline.server.service import HelplineService
from helpline.server.settings import Settings
from helpline.server.webhooks import Dispatcher, Webhooks
from helpline.store.database import create_engine
from helpline.store.migrate import upgrade
from helpline.store.protocol import HelplineStore
from helpline.store.sql import SqlStore

log = logging.getLogger(__name__)

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; "
        b"media-src 'self' blob:; style-src 'self'; object-src 'none'; base-uri 'none'; "
        b"frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Adds the same protective headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"].extend(SECURITY_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class WebSocketEndpoints:
    """Hands the gateway's sockets to it directly, ahead of FastAPI's routing.

    A socket lives for hours, and each layer between the server and the endpoint keeps
    a suspended frame and its per-connection state for as long: routing, dependency
    exit stacks and exception handling cost about 11 KiB of the 45 KiB of an idle
    socket, and do nothing for these endpoints, which take no dependencies and close
    with their own codes. Other sockets and HTTP go through FastAPI as before.
    """

    def __init__(
        self, app: ASGIApp, endpoints: Mapping[str, Callable[[WebSocket], Awaitable[None]]]
    ) -> None:
        self.app = app
        self.endpoints = endpoints

    # Not async: returning the endpoint's coroutine adds no frame of its own.
    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "websocket":
            endpoint = self.endpoints.get(scope["path"])
            if endpoint is not None:
                return endpoint(WebSocket(scope, receive=receive, send=send))
        return self.app(scope, receive, send)


def _error_response(error: HelplineError) -> JSONResponse:
    headers = {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(int(error.retry_after_seconds + 0.999))
    return JSONResponse(
        {"error": {"code": error.code, "message": error.message}},
        status_code=error.http_status,
        headers=headers,
    )


def _validation_message(error: RequestValidationError) -> str:
    if isinstance(error.__cause__, BodyRefused):
        return error.__cause__.msg
    problems = []
    for item in error.errors()[:3]:
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        context = item.get("ctx") or {}
        said = PATTERN_SENTENCES.get(str(context.get("pattern")))
        if item.get("type") == "value_error" and "error" in context:
            said = str(context["error"])  # our own sentence, without "Value error, "
        if said is not None and len(error.errors()) == 1:
            return said
        text = said or str(item.get("msg", "is not valid"))
        problems.append(f"{where or 'the request'}: {text.rstrip('.')}")
    return "The request is not valid: " + "; ".join(problems) + "."


FILE_SWEEP_INTERVAL_SECONDS = 3600


async def _problems(app: FastAPI) -> list[str]:
    service = getattr(app.state, "service", None)
    if service is None:
        return ["The server is starting."]
    problems = [service.bus.problem, await database_problem(service.store)]
    return [problem for problem in problems if problem]


async def _sweep_files(files: FileTransfers) -> None:
    """Delete files past their retention at start and then every hour."""
    while True:
        try:
            await files.purge()
        except Exception:
            log.exception("the file retention sweep failed; it will run again")
        await asyncio.sleep(FILE_SWEEP_INTERVAL_SECONDS)


class CountHttp:
    """Every HTTP answer counted by route template and status (server/metrics.py)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self._app = metrics.counting_http(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def create_app(
    settings: Settings,
    *,
    store: HelplineStore | None = None,
    bus: Bus | None = None,
    migrate: bool = True,
) -> FastAPI:
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = settings.resolved_database_url
        if url.startswith("sqlite"):
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        if migrate and store is None:
            await upgrade(url)
        own_store = store or SqlStore(create_engine(url))
        own_bus = bus or create_bus(settings.bus, namespace=settings.bus_namespace)
        await own_bus.start()
        service = HelplineService(own_store, own_bus, settings, metrics=metrics)
        own_store.watch_appends(metrics)
        app.state.service = service
        app.state.history = History(service)
        app.state.invitations = Invitations(service)
        app.state.scripts = ScriptLibrary(service)
        app.state.consents = Consents(service)
        app.state.computer = Computer(service)
        app.state.files = FileTransfers(service)
        app.state.agent_links = AgentLinks(service)
        presence = CustomerPresence(
            service, settings.heartbeat_seconds, settings.presence_grace_seconds
        )
        app.state.gateway = Gateway(service, app.state.invitations, app.state.consents, presence)
        app.state.webhooks = Webhooks(service)
        service.on_session_event = app.state.webhooks.queue
        dispatcher = Dispatcher(app.state.webhooks)
        dispatcher.start()
        sweeper = asyncio.create_task(_sweep_files(app.state.files))
        presence.start()
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await presence.close()
            await dispatcher.close()
            await service.limits.close()
            await own_bus.close()
            await own_store.close()

    app = FastAPI(
        title="Helpline",
        version=__version__,
        description=(
            "Remote support: portals, session codes, console and customer chat. "
            "docs/protocol.md is the contract; every error answers "
            '`{"error": {"code", "message"}}`.'
        ),
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.openapi = conforming_document(app)  # type: ignore[method-assign]
    app.add_exception_handler(HTTPException, http_error)

    @app.exception_handler(HelplineError)
    async def helpline_error(request: Request, error: HelplineError) -> JSONResponse:
        if isinstance(error, RateLimited):
            metrics.rate_limited.labels("http").inc()
        return _error_response(error)

    may_read_metrics = access(settings.metrics_token, settings.metrics_allow)

    @app.get("/metrics", include_in_schema=False)
    async def metrics_page(request: Request) -> Response:
        allowed = may_read_metrics(
            request.headers.get("authorization"), request.client.host if request.client else None
        )
        if allowed is None:
            raise NotFound("Metrics are off: start the server with a metrics token or addresses.")
        if not allowed:
            raise Forbidden("Give the metrics token, or read /metrics from an allowed address.")
        counts = await request.app.state.service.store.count_sessions_by_status()
        return Response(metrics.render(counts), media_type=METRICS_CONTENT_TYPE)

    app.add_middleware(CountHttp, metrics=metrics)

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, error: Exception) -> JSONResponse:
        unavailable = as_unavailable(error)
        if unavailable is None:
            raise error
        return _error_response(unavailable)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            {"error": {"code": "invalid_input", "message": _validation_message(error)}},
            status_code=422,
        )

    @app.get("/healthz", include_in_schema=False)
    async def health() -> dict[str, Any]:
        """Alive: 200 while the process serves, with what is degraded, if anything."""
        problems = await _problems(app)
        status = "degraded" if problems else "ok"
        return {"status": status, "version": __version__, "problems": problems}

    @app.get("/readyz", include_in_schema=False)
    async def ready() -> JSONResponse:
        """For a load balancer: 503 while this process is degraded (send new clients
        to another one); its own clients are still served."""
        problems = await _problems(app)
        return JSONResponse(
            {"ready": not problems, "problems": problems}, status_code=503 if problems else 200
        )

    app.include_router(api_agent.router)
    app.include_router(api_computer.router)
    app.include_router(api_console.router)
    app.include_router(api_customer.router)
    app.include_router(api_sessions.router)
    app.include_router(api_tools.router)
    app.include_router(api_transfers.router)
    app.include_router(api_webhooks.router)
    app.include_router(pages.router)

    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR, check_dir=False), name="static")
    app.add_middleware(SecurityHeaders)
    return app


def served(app: FastAPI) -> WebSocketEndpoints:
    """What the server runs: ``app``, with the gateway's sockets taken ahead of it.

    Outside the FastAPI app rather than one of its middlewares: FastAPI wraps its
    middlewares in its own (error pages, request telemetry, body limits), and each of
    those would keep a suspended frame for the life of every socket, 1.6 KiB of an
    idle one in all, to do nothing for these endpoints. Its ``__call__`` is not a coroutine
    function, so the ASGI server must be told it speaks ASGI 3.
    """
    return WebSocketEndpoints(
        app,
        endpoints={
            "/ws/console": lambda socket: app.state.gateway.console(socket),
            "/ws/customer": lambda socket: app.state.gateway.customer(socket),
        },
    )
