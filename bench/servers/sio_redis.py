"""The comparison: python-socketio with `AsyncRedisManager`, under uvicorn.

Every client joins room `all` on connect, except a publisher (`?role=pub` in the
engine.io URL). The publisher's `pub` event (with an ack) makes the server
`emit("bench", data, room="all")` — through Redis, as every emit with a Redis manager
goes — and acknowledges with "ok". uvicorn runs the same websocket implementation as
Kongjian (`websockets-sansio`), no permessage-deflate, websocket transport only.

    python bench/servers/sio_redis.py --port 8766 --redis redis://127.0.0.1:6399/0
"""

from __future__ import annotations

import argparse

import socketio
import uvicorn


def build(redis_url: str) -> socketio.ASGIApp:
    manager = socketio.AsyncRedisManager(redis_url)
    sio = socketio.AsyncServer(async_mode="asgi", client_manager=manager,
                               transports=["websocket"], cors_allowed_origins="*")

    @sio.event
    async def connect(sid: str, environ: dict, auth: object = None) -> None:
        if "role=pub" not in environ.get("QUERY_STRING", ""):
            await sio.enter_room(sid, "all")

    @sio.on("pub")
    async def pub(sid: str, data: dict) -> str:
        await sio.emit("bench", data, room="all")
        return "ok"

    return socketio.ASGIApp(sio)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    args = parser.parse_args()
    uvicorn.run(build(args.redis), host=args.host, port=args.port, log_level="warning",
                ws="websockets-sansio", ws_per_message_deflate=False, access_log=False,
                backlog=2048)
