"""Cooperative ``device`` and ``proxy`` for gevent (pyzmq's ``zmq.green.device``): the relay
loop runs in the calling greenlet on the green Poller, so other greenlets keep running.
(``ferromq.proxy`` itself would block the whole thread, hub included.)"""

from __future__ import annotations

from typing import Any, NoReturn

from ..constants import EINVAL, FORWARDER, NOBLOCK, POLLIN, PUB, PULL, PUSH, QUEUE, STREAMER, SUB
from ..error import Again, ZMQError
from .poll import Poller

__all__ = ["device", "proxy"]

_BATCH = 64
_CANNOT_RECV = (PUB, PUSH)
_CANNOT_SEND = (SUB, PULL)


def proxy(frontend: Any, backend: Any, capture: Any = None) -> NoReturn:
    """Moves whole messages between ``frontend`` and ``backend`` in each direction their
    types allow, copying each to ``capture`` if given, until an error (ContextTerminated
    when the context is terminated, ENOTSOCK when a socket is closed) ends it."""
    routes = {}
    if frontend.type not in _CANNOT_RECV and backend.type not in _CANNOT_SEND:
        routes[frontend] = backend
    if backend.type not in _CANNOT_RECV and frontend.type not in _CANNOT_SEND:
        routes[backend] = frontend
    if not routes:
        raise ValueError("neither direction can carry messages between these socket types")
    poller = Poller()
    for sock in routes:
        poller.register(sock, POLLIN)
    while True:
        for sock, _ in poller.poll():
            dest = routes[sock]
            for _ in range(_BATCH):
                try:
                    msg = sock.recv_multipart(NOBLOCK, copy=False)
                except Again:
                    break
                if capture is not None:
                    capture.send_multipart(msg)
                dest.send_multipart(msg)


def device(device_type: int, frontend: Any, backend: Any) -> NoReturn:
    """``zmq.device`` (QUEUE, FORWARDER, STREAMER: all the same proxy), cooperatively."""
    if device_type not in (QUEUE, FORWARDER, STREAMER):
        raise ZMQError(EINVAL, f"unknown device type {device_type} (QUEUE, FORWARDER or STREAMER)")
    proxy(frontend, backend)
