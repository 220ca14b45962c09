"""The baseline: a bare relay on the same stack as Helpline (uvicorn with the same
WebSocket implementation, uvloop, compression off) that forwards each text frame to
the other socket of its room. No storage, no checks, no JSON parsing.

    python -m bench.relay --port 8765
    python -m bench.relay --port 8765 --stack granian

``--stack`` runs the same application on another ASGI server or WebSocket
implementation, for ``bench.compare_stack``: what the stack alone costs, measured
before Helpline's own server is moved to it.
"""

from __future__ import annotations

import argparse
from typing import Any

Rooms = dict[str, list[Any]]


def make_app() -> Any:
    rooms: Rooms = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] == "http":
            await receive()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
            return
        room = scope["path"].rsplit("/", 1)[-1]
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        members = rooms.setdefault(room, [])
        members.append(send)
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text")
                if text is None:
                    continue
                frame = {"type": "websocket.send", "text": text}
                for other in members:
                    if other is not send:
                        try:
                            await other(frame)
                        except Exception:
                            continue
        finally:
            members.remove(send)
            if not members:
                rooms.pop(room, None)

    return app


# uvicorn's WebSocket implementations by stack name; "uvicorn" is Helpline's own.
UVICORN_WS = {
    "uvicorn": "websockets-sansio",
    "uvicorn-wsproto": "wsproto",
    "uvicorn-websockets-legacy": "websockets",
}
STACKS = [*UVICORN_WS, "granian", "granian-rust-tasks"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stack", choices=STACKS, default="uvicorn")
    parser.add_argument("--backlog", type=int, default=2048)
    args = parser.parse_args()
    if args.stack.startswith("granian"):
        serve_granian(args.host, args.port, args.backlog, rust_tasks=args.stack.endswith("tasks"))
        return
    import uvicorn

    uvicorn.run(
        make_app(),
        host=args.host,
        port=args.port,
        log_level="warning",
        ws=UVICORN_WS[args.stack],
        ws_max_size=1024 * 1024,
        ws_per_message_deflate=False,
        # As `helpline serve`: its gateway sends its own heartbeats instead.
        ws_ping_interval=None,
        proxy_headers=False,
        backlog=args.backlog,
    )


def serve_granian(host: str, port: int, backlog: int, rust_tasks: bool) -> None:
    """The relay on granian (a Rust HTTP server), one worker process, uvloop, one
    Rust runtime thread: as close to one core as it runs. ``rust_tasks``: granian's
    own (experimental) task implementation in place of asyncio's."""
    from granian import Granian
    from granian.constants import Interfaces, Loops, TaskImpl

    Granian(
        "bench.relay:make_app",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=1,
        runtime_threads=1,
        loop=Loops.uvloop,
        websockets=True,
        backlog=backlog,
        log_enabled=False,
        task_impl=TaskImpl.rust if rust_tasks else TaskImpl.asyncio,
    ).serve()


if __name__ == "__main__":
    main()
