"""What schemathesis found (issue #17), each kept as a test of its own: the answers the
OpenAPI document promises, at the edges where the server answered otherwise."""

from __future__ import annotations

from collections.abc import Callable

from tests.support.clients import Browser
from tests.support.server import ServerProcess


async def test_a_405_lists_every_method_of_the_address(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep = browsers()
    await rep.login("bob")
    for path, allowed in (
        ("/api/codes", "GET, POST"),
        ("/api/team/greeting", "GET, PUT"),
        ("/api/scripts/categories/1", "DELETE, PATCH"),
        ("/api/scripts/1", "DELETE, PATCH"),
    ):
        response = await rep.http.request("OPTIONS", path)
        assert response.status_code == 405, path
        assert response.headers["allow"] == allowed, path
        assert response.json()["error"]["code"] == "method_not_allowed"


async def test_a_method_the_document_does_not_list_answers_405_not_422(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    """/api/scripts/{script_id} took "categories" for an id and answered 422."""
    rep = browsers()
    await rep.login("bob")
    for path in ("/api/scripts/categories", "/api/scripts/categories/order"):
        response = await rep.http.patch(path, json={"name": "x"})
        assert response.status_code == 405, (path, response.text)
        assert response.headers["allow"] == "POST"


async def test_an_unknown_address_and_an_unreadable_body_answer_in_the_error_shape(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep = browsers()
    await rep.login("bob")
    missing = await rep.http.get("/api/no-such-thing")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    # Not UTF-8: FastAPI answered 400 {"detail": ...}.
    garbled = await rep.http.post(
        "/api/codes", content=b"\xff\xfe\xfa", headers={"Content-Type": "application/json"}
    )
    assert garbled.status_code == 422, garbled.text
    assert garbled.json()["error"]["code"] == "invalid_input"


async def test_schema_valid_requests_that_were_refused_are_answered_as_documented(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    rep = browsers()
    await rep.login("bob")
    # A code that cannot exist: the path says 9 digits, so 422 with the code's sentence.
    short = await rep.http.delete("/api/codes/0")
    assert short.status_code == 422
    assert short.json()["error"]["message"] == "A session code has 9 digits."
    assert (await rep.http.delete("/api/codes/000-000-000")).status_code == 204
    # A blank name is refused by the document too (pattern), with a sentence.
    blank = await rep.http.post("/api/scripts/categories", json={"kind": "url", "name": "   "})
    assert blank.status_code == 422
    # A reorder that names other categories than there are: the list was stale (409).
    stale = await rep.http.post(
        "/api/scripts/categories/order", json={"kind": "message", "ids": [4804368]}
    )
    assert stale.status_code == 409, stale.text
    assert stale.json()["error"]["code"] == "conflict"
    twice = await rep.http.post(
        "/api/scripts/categories/order", json={"kind": "message", "ids": [1, 1]}
    )
    assert twice.status_code == 422
    # JSON integers: 3.0 is one, "3" and true are not.
    whole = await rep.http.patch("/api/me/preferences", json={"font_size": 16.0})
    assert whole.status_code == 200 and whole.json()["preferences"]["font_size"] == 16
    for wrong in ("16", True, 16.5):
        refused = await rep.http.patch("/api/me/preferences", json={"font_size": wrong})
        assert refused.status_code == 422, wrong
    # An id in a body is a JSON-safe integer (at most 2**53 - 1).
    unsafe = await rep.http.post(
        "/api/scripts/categories/order", json={"kind": "message", "ids": [2**53]}
    )
    assert unsafe.status_code == 422


async def test_history_takes_rfc_3339_moments_only(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    manager = browsers()
    await manager.login("alice")
    for moment in ("0.5", "2025-05-01", "2025-05-01T09:00:00"):
        response = await manager.http.get("/api/history", params={"to": moment})
        assert response.status_code == 422, moment
    for moment in ("2025-05-01T09:00:00Z", "2025-05-01T09:00:00.5+02:00"):
        response = await manager.http.get("/api/history", params={"from": moment})
        assert response.status_code == 200, moment
    unknown = await manager.http.get("/api/history", params={"representative": "nobody"})
    assert unknown.status_code == 404


async def test_a_join_needs_a_code_or_a_link(
    server: ServerProcess, browsers: Callable[[], Browser]
) -> None:
    customer = browsers()
    for body in ({"name": "Dana"}, {"code": None, "link": None, "name": "Dana"}):
        response = await customer.http.post("/api/join", json=body)
        assert response.status_code == 422, body
        assert response.json()["error"]["message"] == (
            "Enter the session code your representative gave you."
        )
    empty_link = await customer.http.post("/api/join", json={"link": "", "name": "Dana"})
    assert empty_link.status_code == 422
