"""Kongjian (空间): a real-time Qzone-style social hub.

The package is layered so that an event's path reads top to bottom:
gateway → protocol → ops → handlers → store → channels → session → socket.
Pure modules (protocol, errors, levels, validate, channels.audience, redis.keys)
do no I/O; only `app.py` chooses the engine.
"""

__version__ = "0.1.0"
