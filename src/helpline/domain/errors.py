"""Errors that cross the boundary to clients.

Each error carries a stable machine-readable ``code`` (documented in
docs/protocol.md) and a sentence a person can act on. HTTP routes and the WebSocket
gateway both turn these into their wire shapes; nothing else invents error codes.
"""

from __future__ import annotations


class HelplineError(Exception):
    """Base of every error a client may be told about."""

    code = "error"
    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(HelplineError):
    code = "invalid_input"
    http_status = 422


class InvalidFrame(HelplineError):
    code = "invalid_frame"
    http_status = 400


class TooLarge(HelplineError):
    code = "too_large"
    http_status = 413


class NotAuthenticated(HelplineError):
    code = "not_authenticated"
    http_status = 401


class Forbidden(HelplineError):
    code = "forbidden"
    http_status = 403


class NotFound(HelplineError):
    code = "not_found"
    http_status = 404


class Conflict(HelplineError):
    code = "conflict"
    http_status = 409


class NeedsAgent(Conflict):
    """A feature of the Helpline agent asked of a customer who uses a web browser."""

    code = "needs_agent"


class NeedsGrant(Conflict):
    """An action that needs a permission the customer has not given (or took back)."""

    code = "needs_grant"


class SessionEnded(HelplineError):
    code = "session_ended"
    http_status = 409


class Expired(HelplineError):
    code = "expired"
    http_status = 410


class RateLimited(HelplineError):
    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, retry_after_seconds: float) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class LimitReached(HelplineError):
    code = "limit_reached"
    http_status = 409


class Unavailable(HelplineError):
    """A service Helpline depends on cannot be reached right now: try again soon."""

    code = "unavailable"
    http_status = 503
