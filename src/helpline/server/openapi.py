"""The OpenAPI document (``/openapi.json``) says everything each operation answers.

Why this module: FastAPI documents an operation's success and a 422 in its own
``HTTPValidationError`` shape. This app answers every error ``{"error": {"code",
"message"}}`` (``app.py``), and most operations can also answer 401, 403 or 404. Listed
by hand on each route, these would drift, and a new route would forget them; so the
document is finished here from what each route is made of, for every router alike:

- every operation: 422 ``invalid_input`` (a parameter or body out of its limits, or NUL
  in the query string, which any route refuses);
- a state-changing method (the ``check_origin`` dependency): 403 ``forbidden``;
- a login or a customer token required (``current_rep``, ``current_actor``): 401 and 403;
- a path parameter: 404 ``not_found``, for an id that names nothing;
- a write to a session (``{public_id}`` with POST, PUT, PATCH or DELETE): 409
  (``session_ended``, ``conflict``, ``limit_reached``);
- whatever else a route declares with ``errors(...)``: 410, 413, 429, 503.

Every error status gets the one ``Error`` schema. Answers are documented with
``answers(Model)`` (``answers.py``), and a route that makes something names the ids in
its answer (``answers(FileAnswer, 201, file_id="/file/id")``): every operation with a
path parameter of that name gets an OpenAPI link from it, so a client, or
schemathesis's stateful phase, can reach it with a real id. Operation ids are the
route functions' names, which must be unique.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel, Field, JsonValue

from helpline.domain import errors as domain_errors
from helpline.server.dependencies import check_origin, current_actor, current_rep
from helpline.server.methods import METHOD_NOT_ALLOWED

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _error_classes() -> Iterator[type[domain_errors.HelplineError]]:
    for value in vars(domain_errors).values():
        if (
            isinstance(value, type)
            and issubclass(value, domain_errors.HelplineError)
            and value is not domain_errors.HelplineError
        ):
            yield value


ERROR_CODES = sorted({cls.code for cls in _error_classes()} | {METHOD_NOT_ALLOWED})


class ErrorDetail(BaseModel):
    code: str = Field(
        json_schema_extra={"enum": list[JsonValue](ERROR_CODES)},
        description="Stable and machine-readable; docs/protocol.md lists each.",
    )
    message: str = Field(description="A sentence for people; clients show it as it is.")


class Error(BaseModel):
    """Every error answer."""

    error: ErrorDetail


_DESCRIPTIONS = {
    401: "not_authenticated: no or wrong credentials",
    403: "forbidden: not yours, or a request from a foreign origin",
    404: "not_found: nothing has this id",
    409: "conflict, limit_reached or session_ended: the state moved on",
    410: "expired",
    413: "too_large",
    422: "invalid_input: a value is out of its limits",
    429: "rate_limited: try again after Retry-After seconds",
    503: "unavailable: a store Helpline depends on cannot be reached right now",
}


def errors(*kinds: type[domain_errors.HelplineError]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for the errors a route raises besides those found from its shape."""
    return {
        kind.http_status: {"description": _DESCRIPTIONS.get(kind.http_status, kind.code)}
        for kind in kinds
    }


def answers(
    model: type[BaseModel] | None = None,
    status: int = 200,
    *,
    media_type: str | None = None,
    **makes: str,
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route's success: its model, or a media type's plain body,
    and ``makes``: which of the answer's values (a JSON pointer) is an id, by the name
    of the path parameter that takes it."""
    response: dict[str, Any] = {"description": "Success"}
    if model is not None:
        response["model"] = model
    if media_type is not None:
        response["content"] = {media_type: {"schema": {"type": "string"}}}
    if makes:
        response["x-makes"] = makes
    return {status: response}


def operation_id(route: APIRoute) -> str:
    """``generate_unique_id_function``: the route function's name."""
    return route.name


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _statuses(route: RouteContext, method: str) -> set[int]:
    found = {422}
    calls = set(_calls(route.dependant))
    if check_origin in calls and method in UNSAFE:
        found.add(403)
    if calls & {current_rep, current_actor}:
        found |= {401, 403}
    if route.dependant.path_params:
        found.add(404)
    if "{public_id}" in (route.path_format or "") and method in UNSAFE:
        found.add(409)
    return found


def _finish(document: dict[str, Any], routes: list[RouteContext]) -> None:
    paths = document.get("paths", {})
    by_parameter: dict[str, list[str]] = {}
    for route in routes:
        for method in sorted(route.methods or ()):
            operation = paths[route.path_format][method.lower()]
            responses = operation.setdefault("responses", {})
            for status in _statuses(route, method):
                responses.setdefault(str(status), {"description": _DESCRIPTIONS[status]})
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    by_parameter.setdefault(parameter["name"], []).append(operation["operationId"])
    for route in routes:
        for method in route.methods or ():
            responses = paths[route.path_format][method.lower()]["responses"]
            for response in responses.values():
                makes = response.pop("x-makes", None)
                if makes:
                    response["links"] = {
                        f"{target}.{name}": {
                            "operationId": target,
                            "parameters": {name: f"$response.body#{pointer}"},
                        }
                        for name, pointer in makes.items()
                        for target in by_parameter.get(name, [])
                    }
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    error_schema = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["Error"] = error_schema


def conforming_document(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """What to assign to ``app.openapi``: the document, made once, finished as above."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            # Routes as included (FastAPI keeps each router's own, and joins prefixes
            # and dependencies on inclusion): what the app answers.
            routes = [
                context
                for context in iter_route_contexts(app.routes)
                if isinstance(context.original_route, APIRoute) and context.include_in_schema
            ]
            names = [str(r.name) for r in routes]
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise RuntimeError(f"Route functions need unique names: {duplicates}")
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            _finish(document, routes)
            app.openapi_schema = document
        return app.openapi_schema

    return openapi
