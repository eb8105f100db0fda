"""Sockets whose calls return tornado Futures (pyzmq's ``zmq.eventloop.future``)::

    from ferromq.eventloop.future import Context

    async def main():
        sock = Context.instance().socket(zmq.PULL)
        msg = await sock.recv()

Since tornado 5 a tornado Future is an asyncio Future and tornado's IOLoop runs on asyncio,
so these are ``ferromq.asyncio``'s classes under their own names: the same waiting,
cancellation and timeouts (RCVTIMEO/SNDTIMEO), run by the current IOLoop.
"""

from __future__ import annotations

from typing import Any

from tornado.concurrent import Future

from .. import asyncio as _aio

__all__ = ["Context", "Socket", "Poller", "Future"]


class Socket(_aio.Socket):
    """A socket whose ``recv``/``send``/``poll``… return tornado Futures."""

    _repr_cls = "ferromq.eventloop.future.Socket"


class Context(_aio.Context):
    """A context making tornado-Future sockets; ``Context.instance()`` is its own."""

    _socket_class = Socket
    _instance: Any = None
    _repr_cls = "ferromq.eventloop.future.Context"


class Poller(_aio.Poller):
    """A Poller whose ``poll()`` returns a tornado Future."""
