"""How a connection ends: the close codes of docs/protocol.md, the exception that
carries one out of a connection's tasks, and the ends that are no failure.

Why this exists: the gateway, the bus routing and the endpoints all close sockets
with these codes; kept apart so that none of them imports another just for a number.
"""

from __future__ import annotations

from starlette.websockets import WebSocketDisconnect, WebSocketDisconnected

from helpline.bus.base import BusClosed

# How a connection ends when its client simply goes away: not worth a traceback.
NORMAL_ENDS = (WebSocketDisconnect, WebSocketDisconnected, BusClosed, OSError)

CLOSE_LOGGED_OUT = 4001
CLOSE_SESSION_ENDED = 4002
CLOSE_CREDENTIALS = 4003
CLOSE_SILENT = 4008
# Too many sockets are being let in; the reason is how many milliseconds to wait.
CLOSE_TRY_AGAIN_LATER = 1013


class Closing(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
