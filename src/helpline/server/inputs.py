"""What every HTTP request must be before a route sees it, checked in one place.

Three kinds of input used to reach the store and fail there with a 500: an integer
larger than the databases' 64-bit integers (an id in a path, a list of ids, ``after``),
text that cannot be stored (half of a UTF-16 surrogate pair, which JSON can spell, or
NUL, which PostgreSQL refuses), and JSON nested too deeply for the parser's stack (a
body that is not text at all was answered 400 ``{"detail"}``). Each now answers 422
``invalid_input`` with a sentence that says what to do:

- ``PathId``, ``BodyId`` (at most 2**53 - 1: see ``fields.py``) and ``SQL_INT_LIMIT``
  (for ``after`` and ``offset``): the declared limits of integers that reach SQL. The
  document says the 64-bit one as ``exclusiveMaximum: 2**63``: tools that read JSON
  numbers as doubles (most JSON Schema validators) cannot tell 2**63 - 1 from 2**63,
  but 2**63 is exact as a double, so no larger integer passes for a valid one.
- ``CheckedRoute``: every router's route class; it reads JSON bodies with the checks
  above and refuses NUL in paths and query strings.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Path, Request, Response
from fastapi.routing import APIRoute
from pydantic import Field

from helpline.domain.errors import InvalidInput
from helpline.domain.text import all_storable, storable
from helpline.protocol.client_frames import SQL_INT_MAX
from helpline.server.fields import JSON_INTEGER, JSON_SAFE_INT_MAX

__all__ = ["SQL_INT_LIMIT", "SQL_INT_MAX", "BodyId", "CheckedRoute", "PathId"]

SQL_INT_LIMIT = SQL_INT_MAX + 1

# An id of a stored row (file, invitation, script, category), in a path or a body.
# In a path it is typed too (``{file_id:int}``), so that no other path is taken for one.
PathId = Annotated[int, Path(ge=1, lt=SQL_INT_LIMIT)]
BodyId = Annotated[int, Field(ge=1, le=JSON_SAFE_INT_MAX), JSON_INTEGER]

UNSTORABLE_BODY = (
    "The request holds a character that cannot be stored (NUL, or half of a UTF-16 "
    "surrogate pair). Remove it and try again."
)


class BodyRefused(json.JSONDecodeError):
    """A JSON body that parses but cannot be used; ``msg`` is the sentence to answer
    with. A ``JSONDecodeError`` so that FastAPI answers it as a validation error
    (``app.py`` then says ``msg``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "", 0)


class CheckedRequest(Request):
    async def json(self) -> Any:
        body = await self.body()
        try:
            value = json.loads(body)
        except RecursionError:
            raise BodyRefused(
                "The request body is nested too deeply to read; send a flatter one."
            ) from None
        except UnicodeDecodeError:
            raise BodyRefused("The request body is not JSON text (UTF-8).") from None
        # Only JSON escapes can spell NUL or half a surrogate pair.
        if b"\\u" in body and not all_storable(value):
            raise BodyRefused(UNSTORABLE_BODY)
        return value


class CheckedRoute(APIRoute):
    """The route class of every router: requests are ``CheckedRequest``s, and a path
    or query value with NUL is refused before the route runs."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            values = [*request.path_params.values(), *request.query_params.values()]
            if not all(storable(v) for v in values if isinstance(v, str)):
                raise InvalidInput(
                    "The address holds a character that cannot be stored (NUL). "
                    "Remove it and try again."
                )
            return await handler(CheckedRequest(request.scope, request.receive))

        return checked
