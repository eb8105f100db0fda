"""Socket monitor messages (pyzmq's ``zmq.utils.monitor``)."""

from __future__ import annotations

from typing import Any

from .. import _ferromq
from ..constants import Event

__all__ = ["parse_monitor_message", "recv_monitor_message"]


def parse_monitor_message(msg: list[Any]) -> dict[str, Any]:
    """Decodes a monitor message (two frames) into ``{"event": Event, "value": int,
    "endpoint": bytes}``."""
    event, value, endpoint = _ferromq.parse_monitor_message(msg)
    try:
        kind: Any = Event(event)
    except ValueError:
        kind = event
    return {"event": kind, "value": value, "endpoint": endpoint.encode()}


def recv_monitor_message(socket: Any, flags: int = 0) -> Any:
    """Receives one event from a monitor socket and decodes it (a Future of the dict for
    ferromq.asyncio sockets)."""
    msg = socket.recv_multipart(flags)
    if hasattr(msg, "add_done_callback"):  # asyncio
        return socket._deserialize(msg, parse_monitor_message)
    return parse_monitor_message(msg)
