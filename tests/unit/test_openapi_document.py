"""The OpenAPI document is finished from the routes themselves, so a route added later
conforms without listing its errors by hand (the conformance run then checks it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from helpline.server.app import create_app
from helpline.server.dependencies import AnyActor, Rep, check_origin
from helpline.server.inputs import CheckedRoute, PathId
from helpline.server.openapi import conforming_document, operation_id
from helpline.server.settings import Settings

ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def _document() -> dict[str, Any]:
    return create_app(Settings()).openapi()


def test_every_error_answer_is_the_one_error_shape() -> None:
    document = _document()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" in responses, (method, path)
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    assert response["content"] == ERROR, (method, path, status)


def test_every_integer_id_in_a_path_is_typed_there() -> None:
    """So that /api/scripts/categories is never read as /api/scripts/{script_id}."""
    app = create_app(Settings())
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        for param in route.dependant.path_params:
            if param.field_info.annotation is int:
                assert f"{{{param.name}:int}}" in str(route.path), route.path


def test_a_route_added_later_is_documented_with_its_errors() -> None:
    router = APIRouter(
        prefix="/api", dependencies=[Depends(check_origin)], route_class=CheckedRoute
    )

    @router.post("/sessions/{public_id}/agent-link")
    async def agent_link(public_id: str, actor: AnyActor) -> None:
        """What a later route looks like: it declares nothing about errors."""

    @router.get("/things/{thing_id:int}")
    async def thing(thing_id: PathId, actor: Rep) -> None:
        """A rep's read with an id."""

    app = FastAPI(generate_unique_id_function=operation_id)
    app.openapi = conforming_document(app)  # type: ignore[method-assign]
    app.include_router(router)
    paths = app.openapi()["paths"]
    link = paths["/api/sessions/{public_id}/agent-link"]["post"]["responses"]
    assert {"401", "403", "404", "409", "422"} <= set(link)
    read = paths["/api/things/{thing_id}"]["get"]["responses"]
    assert {"401", "403", "404", "422"} <= set(read) and "409" not in read


def test_a_session_made_is_linked_to_every_operation_on_a_session() -> None:
    operation = _document()["paths"]["/api/portals/{slug}/sessions"]["post"]
    links = operation["responses"]["201"]["links"]
    targets = {link["operationId"] for link in links.values()}
    assert {"details", "pick_up", "end", "upload", "push_url"} <= targets
    assert all(
        link["parameters"] == {"public_id": "$response.body#/session/id"} for link in links.values()
    )
