"""The built web apps: the console and the customer's pages, served as static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, PlainTextResponse, RedirectResponse, Response

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
NOT_BUILT = (
    "The Helpline web app has not been built yet. Run `make build` in the project folder "
    "(or `npm ci && npm run build` in web/), then reload this page.\n"
)

router = APIRouter(include_in_schema=False)


def _page(app: str) -> Response:
    index = STATIC_DIR / app / "index.html"
    if not index.is_file():
        return PlainTextResponse(NOT_BUILT, status_code=503)
    return FileResponse(index, headers={"Cache-Control": "no-cache"})


@router.get("/")
async def root() -> Response:
    return RedirectResponse("/console")


@router.get("/console")
async def console() -> Response:
    return _page("console")


# The customer's app routes these paths itself; an agent link opened in a browser
# (/attach) shows a page that says to run the agent with it.
@router.get("/p/{slug}")
@router.get("/join")
@router.get("/join/{code}")
@router.get("/chat")
@router.get("/attach")
async def customer_page() -> Response:
    return _page("customer")
