"""Cooperative Poller and select for gevent (pyzmq's ``zmq.green.poll``)."""

from __future__ import annotations

import functools
import time
from typing import Any, Callable

from gevent.event import Event
from gevent.hub import get_hub

from .. import _ferromq
from ..constants import EVENTS, FD, POLLERR, POLLIN, POLLOUT
from ..poll import Poller as _SyncPoller

__all__ = ["Poller", "select"]

_native_get = _ferromq._Socket.get

# libev/libuv watcher event bits.
_READ = 1
_WRITE = 2


class Poller(_SyncPoller):
    """``zmq.Poller`` whose ``poll`` waits in the gevent hub: it checks the sockets and
    descriptors without blocking, and while nothing is ready waits, letting other greenlets
    run, for any of them to change: green sockets tell it themselves (also when closed),
    plain ferromq sockets and raw descriptors through hub watchers on their descriptors."""

    def poll(self, timeout: float | None = None) -> list[tuple[Any, int]]:
        """Waits up to ``timeout`` milliseconds (None or negative: forever) until something
        is ready; returns ``[(socket, events), ...]`` ([] on timeout)."""
        if timeout is not None and timeout < 0:
            timeout = None
        deadline = None if timeout is None else time.monotonic() + timeout / 1000
        while True:
            ready = _SyncPoller.poll(self, 0)
            if ready:
                return ready
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return []
            self._wait(remaining)

    def _wait(self, timeout: float | None) -> None:
        """Waits until one of the registered items may have changed, or ``timeout`` s."""
        from .core import Socket as GreenSocket

        wake = Event()
        cleanups: list[Callable[[], Any]] = []
        loop = get_hub().loop
        try:
            for sock, flags in self.sockets:
                if isinstance(sock, GreenSocket):
                    # Reading EVENTS rearms the edge-triggered descriptor; it may also show
                    # that something became ready since the check above.
                    if sock._events() & flags:
                        return
                    sock._add_listener(wake)
                    cleanups.append(functools.partial(sock._remove_listener, wake))
                    continue
                if isinstance(sock, _ferromq._Socket):
                    if _native_get(sock, EVENTS) & flags:
                        return
                    fd, kinds = _native_get(sock, FD), _READ
                else:
                    fd = sock if isinstance(sock, int) else sock.fileno()
                    kinds = (_READ if flags & POLLIN else 0) | (_WRITE if flags & POLLOUT else 0)
                    if not kinds:
                        continue  # POLLERR alone: reported by the next check
                watcher = loop.io(fd, kinds)
                watcher.start(wake.set)
                cleanups.append(_closer(watcher))
            wake.wait(timeout)
        finally:
            for cleanup in cleanups:
                cleanup()


def _closer(watcher: Any) -> Callable[[], None]:
    def close() -> None:
        watcher.stop()
        if hasattr(watcher, "close"):
            watcher.close()

    return close


def select(
    rlist: list[Any], wlist: list[Any], xlist: list[Any], timeout: float | None = None
) -> tuple[list[Any], list[Any], list[Any]]:
    """``zmq.select`` that waits cooperatively; ``timeout`` in seconds."""
    items: dict[Any, int] = {}
    for s in rlist:
        items[s] = items.get(s, 0) | POLLIN
    for s in wlist:
        items[s] = items.get(s, 0) | POLLOUT
    for s in xlist:
        items[s] = items.get(s, 0) | POLLERR
    poller = Poller()
    for s, flags in items.items():
        poller.register(s, flags)
    ms = None if timeout is None or timeout < 0 else timeout * 1000
    ready = dict(poller.poll(ms))
    return (
        [s for s in rlist if ready.get(s, 0) & POLLIN],
        [s for s in wlist if ready.get(s, 0) & POLLOUT],
        [s for s in xlist if ready.get(s, 0) & POLLERR],
    )
