"""pyzmq's ``zmq.backend``: the native layer under the Python classes. ``Socket`` and
``Context`` are the native base classes of ``ferromq.Socket`` / ``ferromq.Context`` (for
``isinstance`` checks and subclassing, as with pyzmq's backend classes); the functions are
the package's own."""

from __future__ import annotations

from typing import Any, Sequence

from .. import (
    IPC_PATH_MAX_LEN,
    Frame,
    MessageTracker,
    _ferromq,
    device,
    has,
    proxy,
    proxy_steerable,
    strerror,
    zmq_errno,
    zmq_version_info,
)

Context = _ferromq._Context
Socket = _ferromq._Socket
Message = Frame


def zmq_poll(sockets: Sequence[tuple[Any, int]], timeout: int = -1) -> list[tuple[Any, int]]:
    """libzmq's ``zmq_poll`` over ``(socket_or_fd, events)`` pairs: waits up to ``timeout`` ms
    (negative: for ever) and returns the ``(socket_or_fd, revents)`` of those ready."""
    items = list(sockets)
    revents = _ferromq.poll(items, None if timeout < 0 else timeout)
    return [(item[0], ready) for item, ready in zip(items, revents) if ready]


__all__ = [
    "Context",
    "Socket",
    "Frame",
    "Message",
    "MessageTracker",
    "device",
    "proxy",
    "proxy_steerable",
    "zmq_poll",
    "strerror",
    "zmq_errno",
    "has",
    "zmq_version_info",
    "IPC_PATH_MAX_LEN",
]
