"""Getting into a session: a code, a join link, a portal, or a browser session's secret.

Why apart from the connection: joining is the one step that happens before there is
a token, and every way in ends the same, with ``Credentials`` (server, session, token)
that the rest of the agent uses. Reading what the customer pasted (digits with spaces,
a join URL, a join link with ``#link=``) is pure and unit-tested; the HTTP calls are
the routes of docs/protocol.md (``POST /api/join``, ``POST /api/portals/{slug}/sessions``,
``POST /api/attach``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from helpline.agent.api import Api, ApiError, normalize_server

_CODE = re.compile(r"^[\d\s-]+$")
_JOIN_PATH = re.compile(r"^/join(?:/([^/]+))?/?$")
_PORTAL_PATH = re.compile(r"^/p/([^/]+)/?$")


class JoinInputError(ValueError):
    """What the customer typed is not a code, join link or portal address."""


@dataclass(frozen=True)
class Credentials:
    server: str
    session: str  # the public session ID, e.g. 7KQM-2XPD
    token: str
    customer: str = ""


@dataclass(frozen=True)
class JoinTarget:
    server: str
    code: str | None = None
    link: str | None = None


def _fragment_value(fragment: str, *keys: str) -> str | None:
    values = parse_qs(fragment, keep_blank_values=False)
    for key in keys:
        if values.get(key):
            return values[key][0]
    return None


def parse_join(target: str, server: str | None) -> JoinTarget:
    """A code (``123 456 789``, with ``--server``), a join URL (``URL/join/CODE``) or a
    join link (``URL/join/CODE#link=SECRET``, which needs no code)."""
    text = target.strip()
    if _CODE.match(text):
        digits = re.sub(r"\D", "", text)
        if server is None:
            raise JoinInputError(
                "Which server? Give its address with --server, for example: "
                f"helpline agent join {digits} --server https://help.example.com"
            )
        return JoinTarget(server=_server(server), code=digits)
    if "://" not in text:
        raise JoinInputError(
            f"{target!r} is neither a session code (nine digits) nor a join link "
            "(https://.../join/123456789#link=...). Check what your representative sent."
        )
    parts = urlsplit(text)
    match = _JOIN_PATH.match(parts.path)
    if match is None:
        raise JoinInputError(
            f"{target!r} is not a join link: it should look like "
            "https://help.example.com/join/123456789. Check what your representative sent."
        )
    base = _server(text)
    link = _fragment_value(parts.fragment, "link")
    code = unquote(match.group(1)) if match.group(1) else None
    if link:
        return JoinTarget(server=base, link=link)
    if code and _CODE.match(code):
        return JoinTarget(server=base, code=re.sub(r"\D", "", code))
    raise JoinInputError(
        f"{target!r} holds no session code. Ask your representative for the code or link."
    )


def parse_portal(url: str) -> tuple[str, str]:
    """``(server, slug)`` from a portal's address, ``https://help.example.com/p/acme``."""
    parts = urlsplit(url.strip())
    match = _PORTAL_PATH.match(parts.path)
    if "://" not in url or match is None:
        raise JoinInputError(
            f"{url!r} is not a portal address: it should look like "
            "https://help.example.com/p/support."
        )
    return _server(url), unquote(match.group(1))


def parse_attach(url: str) -> tuple[str, str]:
    """``(server, secret)`` from the address the console shows for attaching the agent
    to a browser session: ``URL#SECRET`` (or ``URL#attach=SECRET``)."""
    parts = urlsplit(url.strip())
    fragment = parts.fragment
    secret = _fragment_value(fragment, "attach", "secret") if "=" in fragment else fragment
    if "://" not in url or not secret:
        raise JoinInputError(
            f"{url!r} is not an attach link: copy the whole command from the chat window, "
            "which looks like helpline agent attach https://help.example.com/...#SECRET"
        )
    return _server(url), secret


def _server(url: str) -> str:
    try:
        return normalize_server(url)
    except ValueError as error:
        raise JoinInputError(str(error)) from None


def _credentials(server: str, body: Any) -> Credentials:
    """From ``{"session": Session or ID, "token"}``."""
    try:
        session = body["session"]
        if isinstance(session, str):
            return Credentials(server=server, session=session, token=str(body["token"]))
        return Credentials(
            server=server,
            session=str(session["id"]),
            token=str(body["token"]),
            customer=str(session.get("customer", {}).get("name", "")),
        )
    except (KeyError, TypeError, AttributeError):
        raise JoinInputError(
            "The server sent an unexpected answer; is it a Helpline server?"
        ) from None


async def join(target: JoinTarget, name: str, client: dict[str, Any]) -> Credentials:
    """``POST /api/join`` with the code or the link's secret."""
    body: dict[str, Any] = {"name": name, "client": client}
    if target.link is not None:
        body["link"] = target.link
    else:
        body["code"] = target.code
    api = Api(target.server)
    try:
        return _credentials(api.server, await api.call("POST", "/api/join", body))
    finally:
        await api.aclose()


async def open_portal_session(
    server: str,
    slug: str,
    name: str,
    question: str,
    fields: dict[str, str],
    client: dict[str, Any],
) -> Credentials:
    """``POST /api/portals/{slug}/sessions``: ask for help; the session waits in the
    portal's queue until a representative picks it up."""
    api = Api(server)
    try:
        body = {"name": name, "query": question, "fields": fields, "client": client}
        answer = await api.call("POST", f"/api/portals/{slug}/sessions", body)
        return _credentials(api.server, answer)
    finally:
        await api.aclose()


async def attach(server: str, secret: str, client: dict[str, Any]) -> Credentials:
    """``POST /api/attach``: join the session a customer already has in their browser."""
    api = Api(server)
    try:
        answer = await api.call("POST", "/api/attach", {"secret": secret, "client": client})
        return _credentials(api.server, answer)
    except ApiError as error:
        if error.status in (404, 405) and error.code == "error":
            # No such route: a server from before the agent could attach.
            raise ApiError(
                error.status,
                "not_supported",
                f"The Helpline server at {api.server} cannot attach the agent to a browser "
                "session yet. Ask your representative for a session code and use "
                "'helpline agent join CODE' instead.",
            ) from error
        raise
    finally:
        await api.aclose()
