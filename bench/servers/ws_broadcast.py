"""The Python ceiling: a minimal broadcast server on `websockets` (asyncio API).

* `ws://127.0.0.1:PORT/` — a subscriber: gets `ready`, then every broadcast;
* `ws://127.0.0.1:PORT/pub` — a publisher: each text message it sends is broadcast
  unchanged (as bytes, `text=True`: encoded once) to every subscriber with
  `websockets.broadcast`, then acknowledged to the publisher with `ok`.

No compression. Stops on SIGTERM/SIGINT.

    python bench/servers/ws_broadcast.py --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

SUBSCRIBERS: set[ServerConnection] = set()


async def handler(ws: ServerConnection) -> None:
    if ws.request is not None and ws.request.path.startswith("/pub"):
        await ws.send("ready")
        with contextlib.suppress(ConnectionClosed):
            while True:
                message = await ws.recv(decode=False)
                broadcast(SUBSCRIBERS, message, text=True)
                await ws.send("ok")
        return
    SUBSCRIBERS.add(ws)
    try:
        await ws.send("ready")
        async for _ in ws:
            pass
    finally:
        SUBSCRIBERS.discard(ws)


async def main(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    async with serve(handler, host, port, compression=None, backlog=2048,
                     max_size=64 * 1024):
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(main(args.host, args.port))
