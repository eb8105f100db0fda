"""``monitored_queue``: a queue between two sockets that also copies every message, with a
prefix frame saying its direction, to a monitor socket (pyzmq's
``zmq.devices.monitored_queue``)."""

from __future__ import annotations

from typing import Any

from ..constants import NOBLOCK, POLLIN, ROUTER
from ..error import Again
from ..poll import Poller

__all__ = ["monitored_queue"]

#: Messages moved from one side per wake-up before looking at the other side again.
_BATCH = 64


def _check_prefix(prefix: Any, name: str) -> bytes:
    if isinstance(prefix, str):
        raise TypeError(f"{name} is bytes, not str: encode it")
    try:
        return bytes(memoryview(prefix))
    except TypeError:
        raise TypeError(f"{name} must be bytes, not {type(prefix).__name__}") from None


def monitored_queue(
    in_socket: Any,
    out_socket: Any,
    mon_socket: Any,
    in_prefix: bytes = b"in",
    out_prefix: bytes = b"out",
) -> None:
    """Moves messages between ``in_socket`` and ``out_socket`` in both directions (as
    ``zmq.proxy`` does) and sends a copy of each to ``mon_socket``, preceded by a frame
    with ``in_prefix`` (arrived on ``in_socket``) or ``out_prefix`` (arrived on
    ``out_socket``). With ROUTER sockets on both sides the first two frames (the routing
    ids) are swapped, so replies find their way back (pyzmq's ROUTER/ROUTER queue).

    Runs until the context is terminated (raises ContextTerminated, as ``zmq.proxy``) or a
    socket is closed (ENOTSOCK). A full destination blocks the queue (back-pressure), as in
    libzmq; Ctrl-C interrupts the wait.
    """
    in_prefix = _check_prefix(in_prefix, "in_prefix")
    out_prefix = _check_prefix(out_prefix, "out_prefix")
    swap_ids = in_socket.type == ROUTER and out_socket.type == ROUTER
    poller = Poller()
    poller.register(in_socket, POLLIN)
    poller.register(out_socket, POLLIN)
    routes = {in_socket: (out_socket, in_prefix), out_socket: (in_socket, out_prefix)}
    while True:
        for sock, _ in poller.poll():
            dest, prefix = routes[sock]
            for _ in range(_BATCH):
                try:
                    msg = sock.recv_multipart(NOBLOCK)
                except Again:
                    break
                if swap_ids and len(msg) >= 2:
                    msg[0], msg[1] = msg[1], msg[0]
                dest.send_multipart(msg)
                mon_socket.send_multipart([prefix, *msg])
