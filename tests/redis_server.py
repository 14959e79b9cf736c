"""Kept for the tests' imports: the throwaway redis-server lives in `hub.testing`."""

from hub.testing.redis_server import RedisServer, free_port

__all__ = ["RedisServer", "free_port"]
