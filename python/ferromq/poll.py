"""``zmq.Poller`` and ``zmq.select`` over ferromq sockets and plain descriptors."""

from __future__ import annotations

from typing import Any

from . import _ferromq
from .constants import POLLIN, POLLOUT

__all__ = ["Poller", "select"]


class Poller:
    """Waits on several sockets and file descriptors at once (``zmq_poll``).

    ``register(sock, zmq.POLLIN)``, then ``dict(poller.poll(timeout_ms))`` maps each ready
    socket (or fd, or object with ``fileno()``) to its ready events.
    """

    def __init__(self) -> None:
        self.sockets: list[tuple[Any, int]] = []
        self._map: dict[Any, int] = {}

    def __contains__(self, socket: Any) -> bool:
        return socket in self._map

    def register(self, socket: Any, flags: int = POLLIN | POLLOUT) -> None:
        """Watches ``socket`` (a ferromq socket, an int fd or an object with ``fileno()``)
        for ``flags`` (POLLIN, POLLOUT). Registering again changes the flags; flags 0
        unregisters."""
        if flags:
            if socket in self._map:
                self.sockets[self._map[socket]] = (socket, flags)
            else:
                self._map[socket] = len(self.sockets)
                self.sockets.append((socket, flags))
        elif socket in self._map:
            self.unregister(socket)

    def modify(self, socket: Any, flags: int = POLLIN | POLLOUT) -> None:
        """Changes the flags of a registered socket."""
        self.register(socket, flags)

    def unregister(self, socket: Any) -> None:
        """Stops watching ``socket`` (KeyError if it was not registered)."""
        idx = self._map.pop(socket)
        self.sockets.pop(idx)
        for sock, other in self._map.items():
            if other > idx:
                self._map[sock] = other - 1

    def poll(self, timeout: float | None = None) -> list[tuple[Any, int]]:
        """Waits up to ``timeout`` milliseconds (None or negative: forever) until something
        is ready; returns ``[(socket, events), ...]`` for the ready ones ([] on timeout).
        Releases the GIL while waiting; Ctrl-C interrupts it."""
        if timeout is not None and timeout < 0:
            timeout = None
        if not self.sockets:
            # libzmq sleeps for the timeout with nothing to poll.
            if timeout is None:
                raise ValueError("poll() with no registered sockets and no timeout would block forever")
            _ferromq.poll([], timeout)
            return []
        revents = _ferromq.poll(self.sockets, timeout)
        return [(_ready_key(sock), ev) for (sock, _), ev in zip(self.sockets, revents) if ev]


def _ready_key(sock: Any) -> Any:
    """How a ready item is named in poll()'s result, as pyzmq names it: ØMQ sockets and
    descriptors as registered, other objects (Python sockets, files) by their ``fileno()``."""
    if isinstance(sock, (int, _ferromq._Socket)):
        return sock
    return sock.fileno()


def select(
    rlist: list[Any], wlist: list[Any], xlist: list[Any], timeout: float | None = None
) -> tuple[list[Any], list[Any], list[Any]]:
    """Like ``select.select`` but for ferromq sockets too; ``timeout`` in seconds."""
    from .constants import POLLERR

    items: dict[Any, int] = {}
    for s in rlist:
        items[s] = items.get(s, 0) | POLLIN
    for s in wlist:
        items[s] = items.get(s, 0) | POLLOUT
    for s in xlist:
        items[s] = items.get(s, 0) | POLLERR
    ms = None if timeout is None or timeout < 0 else timeout * 1000
    pairs = list(items.items())
    revents = _ferromq.poll(pairs, ms)
    ready = {s: ev for (s, _), ev in zip(pairs, revents) if ev}
    return (
        [s for s in rlist if ready.get(s, 0) & POLLIN],
        [s for s in wlist if ready.get(s, 0) & POLLOUT],
        [s for s in xlist if ready.get(s, 0) & POLLERR],
    )
