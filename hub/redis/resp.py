"""RESP, the Redis wire format, as bytes: packing commands for the connections that
write it themselves (the auto-pipeline, the live feed, the broker's hot commands).
Pure; nothing here does I/O."""

from __future__ import annotations


def pack(*args: bytes | str) -> bytes:
    """One command in RESP."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        raw = arg.encode() if isinstance(arg, str) else arg
        out.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
    return b"".join(out)


def packed(*args: bytes | str | int) -> bytes:
    """One command in RESP, ints as their decimal form."""
    return pack(*(a if isinstance(a, bytes | str) else str(a) for a in args))


def bulk(raw: bytes) -> bytes:
    """One bulk string: an argument already encoded, to join into a packed command."""
    return b"$%d\r\n%s\r\n" % (len(raw), raw)
