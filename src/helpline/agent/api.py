"""The agent's HTTP client: the server's address, the bearer token, and errors as
sentences for people.

Why one module: every HTTP call of the agent (joining, files, the chat log, ending)
goes through ``Api``, so the token is sent one way (``Authorization: Bearer``, never a
cookie) and every failure becomes an ``ApiError`` whose message the app shows as it
is: the server's own sentence (docs/protocol.md: "clients show it as it is"), or, when
the server cannot be reached, one that says what to check.
"""

from __future__ import annotations

import platform
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx

from helpline import __version__

TIMEOUT_SECONDS = 15.0
USER_AGENT = f"HelplineAgent/{__version__} ({platform.system() or 'unknown'})"


class ApiError(Exception):
    """A refused or failed request. ``status`` is 0 when the server was not reached."""

    def __init__(
        self, status: int, code: str, message: str, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


def normalize_server(url: str) -> str:
    """``https://help.example.com`` from what a person typed: a scheme is added when
    missing (https), the path and a trailing slash are dropped."""
    text = url.strip()
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not a server address. Use one like https://help.example.com.")
    return f"{parts.scheme}://{parts.netloc}"


def unreachable(server: str, error: Exception) -> ApiError:
    reason = str(error) or type(error).__name__
    return ApiError(
        0,
        "unreachable",
        f"Cannot reach the Helpline server at {server} ({reason}). Check the address "
        "(--server) and your network connection, then try again.",
    )


def error_from(response: httpx.Response) -> ApiError:
    """The server's ``{"error": {"code", "message"}}`` as an ``ApiError``."""
    code, message = "error", ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = str(body["error"].get("code", code))
        message = str(body["error"].get("message", ""))
    if not message:
        message = f"The server answered {response.status_code} {response.reason_phrase}."
    retry_after: float | None = None
    header = response.headers.get("retry-after")
    if header is not None and header.strip().isdigit():
        retry_after = float(header.strip())
    return ApiError(response.status_code, code, message, retry_after)


class Api:
    """One server, one customer token (None before joining)."""

    def __init__(
        self,
        server: str,
        token: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.server = normalize_server(server)
        self.token = token
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.AsyncClient(
            base_url=self.server,
            headers=headers,
            timeout=httpx.Timeout(TIMEOUT_SECONDS),
            transport=transport,
            follow_redirects=False,
        )

    @property
    def socket_url(self) -> str:
        """``ws://`` or ``wss://`` of the customer's socket on this server."""
        scheme = "wss" if self.server.startswith("https://") else "ws"
        return f"{scheme}://{self.server.split('://', 1)[1]}/ws/customer"

    async def call(self, method: str, path: str, json: Any = None) -> Any:
        """One request; the parsed JSON body (None for 204), or an ``ApiError``."""
        try:
            response = await self.http.request(method, path, json=json)
        except httpx.TransportError as error:
            raise unreachable(self.server, error) from error
        if response.status_code >= 400:
            raise error_from(response)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text

    async def text(self, path: str) -> str:
        try:
            response = await self.http.get(path)
        except httpx.TransportError as error:
            raise unreachable(self.server, error) from error
        if response.status_code >= 400:
            raise error_from(response)
        return response.text

    @asynccontextmanager
    async def stream(self, method: str, path: str, **more: Any) -> AsyncIterator[httpx.Response]:
        """A streamed request: the body is read (or sent) piece by piece, never whole.
        Refusals raise ``ApiError`` before the body is read."""
        try:
            async with self.http.stream(method, path, **more) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise error_from(response)
                yield response
        except httpx.TransportError as error:
            raise unreachable(self.server, error) from error

    async def aclose(self) -> None:
        await self.http.aclose()
