"""pyzmq's ``zmq.auth.asyncio.AsyncioAuthenticator``. The requests are answered on a core
thread, so the event loop is never blocked by them; ``start`` and ``stop`` are plain
calls, as in pyzmq."""

from __future__ import annotations

from typing import Any

from .base import Authenticator


class AsyncioAuthenticator(Authenticator):
    """The authenticator for asyncio applications (see :class:`Authenticator`)."""

    def __init__(self, context: Any = None, loop: Any = None, encoding: str = "utf-8", log: Any = None):
        super().__init__(context, encoding, log)
        self.loop = loop


__all__ = ["AsyncioAuthenticator"]
