"""The python-socketio peer on uvicorn: a room per session, each "send" event emitted
as "msg" to the room's other socket. Run: python -m bench.peers.socketio_relay --port P"""

from __future__ import annotations

import argparse
from typing import Any


def make_app() -> Any:
    import socketio

    sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=[], logger=False)

    @sio.event  # type: ignore[misc]
    async def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any] | None) -> None:
        room = (auth or {}).get("room", "lobby")
        await sio.save_session(sid, {"room": room})
        await sio.enter_room(sid, room)

    @sio.on("send")  # type: ignore[misc]
    async def send(sid: str, data: dict[str, Any]) -> None:
        session = await sio.get_session(sid)
        await sio.emit("msg", data, room=session["room"], skip_sid=sid)

    return socketio.ASGIApp(sio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    import uvicorn

    uvicorn.run(
        make_app(),
        host=args.host,
        port=args.port,
        log_level="warning",
        ws_max_size=1024 * 1024,
        ws_per_message_deflate=False,
    )


if __name__ == "__main__":
    main()
