"""Errors that Starlette raises before a route runs, answered in Helpline's shape.

Why this module: an address no route has (404), a method the address does not take
(405) and a body that cannot be read (400) are raised by Starlette and FastAPI as
``HTTPException``s and answered ``{"detail": ...}``; every Helpline error answers
``{"error": {"code", "message"}}``, so ``app.py`` routes them here.

A 405 must name in ``Allow`` every method the address takes (RFC 9110). Starlette
answers from the first route whose path matches, so ``OPTIONS /api/codes`` said
``Allow: POST`` although ``GET`` is there too: here ``Allow`` is every method of every
route that matches the path. (A path like ``/api/scripts/categories`` must not be
taken by ``/api/scripts/{script_id}``: integer ids are typed in the path,
``{script_id:int}``, so it is not matched there and answers 405, not 422.)
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.routing import Match

from helpline.server import wire

METHOD_NOT_ALLOWED = "method_not_allowed"

_CODES = {
    400: "invalid_input",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: METHOD_NOT_ALLOWED,
    413: "too_large",
    422: "invalid_input",
    429: "rate_limited",
    503: "unavailable",
}
_SENTENCES = {
    400: "The request could not be read.",
    404: "There is nothing at this address.",
}


def allowed_methods(request: Request) -> list[str]:
    """Every method that some route answers at this request's path."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.methods:
            match, _ = route.matches(request.scope)
            if match is not Match.NONE:
                methods |= route.methods
    return sorted(methods)


async def http_error(request: Request, error: Exception) -> JSONResponse:
    """The exception handler for Starlette's ``HTTPException``."""
    assert isinstance(error, HTTPException)
    status = error.status_code
    headers = dict(error.headers or {})
    if status == 405:
        allow = allowed_methods(request)
        headers["Allow"] = ", ".join(allow)
        message = f"This address does not take {request.method}; it takes {', '.join(allow)}."
    else:
        detail = error.detail if isinstance(error.detail, str) else ""
        message = _SENTENCES.get(status, detail or "The request was refused.")
    return JSONResponse(
        {"error": wire.error_body(_CODES.get(status, "error"), message)},
        status_code=status,
        headers=headers,
    )
