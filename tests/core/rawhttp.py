"""HTTP/1.1 by hand for the edge tests: exact request bytes (paths no client library
would normalise, headers that never finish, bodies that stall) and answers read off
the socket, with EOF as the event a test waits on."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import orjson

BOUND = 15.0  # a failure bound only: how long a test waits for the server to act


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return orjson.loads(self.body)


async def open_tcp(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def read_answer(reader: asyncio.StreamReader, timeout: float = BOUND) -> Answer:
    """One response off the stream (Content-Length bodies only: all the hub sends)."""
    async with asyncio.timeout(timeout):
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Answer(status, headers, body)


async def eof(reader: asyncio.StreamReader, timeout: float = BOUND) -> bytes:
    """Everything the server still sends, up to its close: the wait ends at EOF."""
    async with asyncio.timeout(timeout):
        return await reader.read()


def request_bytes(method: str, target: str, headers: dict[str, str] | None = None,
                  body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def request(port: int, method: str, target: str, headers: dict[str, str] | None = None,
                  body: bytes = b"") -> Answer:
    """One request on a fresh connection (asking the server to close it after), sent
    exactly as written: `target` reaches the server byte for byte."""
    reader, writer = await open_tcp(port)
    try:
        writer.write(request_bytes(method, target, {"Connection": "close", **(headers or {})},
                                   body))
        return await read_answer(reader)
    finally:
        writer.close()
