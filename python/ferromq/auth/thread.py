"""pyzmq's ``zmq.auth.thread.ThreadAuthenticator``: the authenticator, answering on a
thread of its own (in FerroMQ, a core thread: no Python code runs per request)."""

from __future__ import annotations

from .base import Authenticator


class ThreadAuthenticator(Authenticator):
    """Runs the authenticator in a background thread (see :class:`Authenticator`)."""

    def is_alive(self) -> bool:
        """Whether the authenticator is answering."""
        return self._core.is_running()


__all__ = ["ThreadAuthenticator"]
