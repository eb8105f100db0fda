"""Cooperative Context and Socket for gevent (pyzmq's ``zmq.green.core``).

Every send and receive is tried without blocking first. When the socket would block, the
greenlet waits for the socket's readiness descriptor (ZMQ_FD) through a gevent hub watcher,
honouring SNDTIMEO/RCVTIMEO, and tries again; other greenlets run meanwhile. The descriptor
is edge-triggered: it fires when EVENTS may have changed, and reading EVENTS rearms it. So
every EVENTS read goes through one place that wakes the greenlets waiting for what it shows,
and after each successful call the socket looks at EVENTS again while greenlets wait (the
call may have consumed the edge they wait for).
"""

from __future__ import annotations

import time
from typing import Any, Callable

from gevent.event import Event
from gevent.hub import get_hub

from .. import _ferromq
from ..constants import ENOTSOCK, EVENTS, FD, NOBLOCK, POLLIN, POLLOUT, RCVTIMEO, SNDTIMEO
from ..context import Context as _SyncContext
from ..error import Again, ZMQError
from ..socket import Socket as _SyncSocket

__all__ = ["Context", "Socket"]

_native_get = _ferromq._Socket.get


class Socket(_SyncSocket):
    """A socket whose blocking calls wait cooperatively in the gevent hub."""

    _repr_cls = "ferromq.green.Socket"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._green_fd: int = _native_get(self, FD)
        self._readable = Event()
        self._writable = Event()
        self._watcher: Any = None
        self._waiters = 0
        #: Events of green Pollers waiting on this socket, set on every change.
        self._listeners: set[Event] = set()

    # ----- blocking calls, made cooperative -----

    def send(self, data: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any) -> Any:  # type: ignore[override]
        """Sends a frame; if the socket cannot take it now, waits (SNDTIMEO) letting other
        greenlets run."""
        send = _SyncSocket.send
        return self._green(lambda f: send(self, data, f, copy, track, **kwargs), POLLOUT, SNDTIMEO, flags)

    def send_multipart(self, msg_parts: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any) -> Any:
        """Sends a multipart message, waiting cooperatively if needed."""
        if not isinstance(msg_parts, (list, tuple)):
            msg_parts = list(msg_parts)  # tried more than once
        send = _SyncSocket.send_multipart
        return self._green(lambda f: send(self, msg_parts, f, copy, track, **kwargs), POLLOUT, SNDTIMEO, flags)

    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
        """Receives a frame, waiting cooperatively (RCVTIMEO) until one arrives."""
        recv = _SyncSocket.recv
        return self._green(lambda f: recv(self, f, copy, track), POLLIN, RCVTIMEO, flags)

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
        """Receives a whole multipart message, waiting cooperatively."""
        recv = _SyncSocket.recv_multipart
        return self._green(lambda f: recv(self, f, copy, track), POLLIN, RCVTIMEO, flags)

    def poll(self, timeout: float | None = None, flags: int = POLLIN) -> int:
        """Waits up to ``timeout`` ms (None: forever) for ``flags``, cooperatively."""
        from .poll import Poller

        if self.closed:
            raise ZMQError(ENOTSOCK, "the socket is closed")
        poller = Poller()
        poller.register(self, flags)
        return dict(poller.poll(timeout)).get(self, 0)

    def close(self, linger: int | None = None) -> None:
        """Closes the socket; greenlets waiting on it get ZMQError(ENOTSOCK)."""
        self._stop_watching()
        super().close(linger)
        # Waiters retry, and the closed socket tells them.
        self._wake_all()

    # ----- machinery -----

    def _green(self, call: Callable[[int], Any], direction: int, timeout_option: int, flags: int) -> Any:
        """``call(flags)`` without blocking; on EAGAIN (unless NOBLOCK was asked for) waits
        cooperatively for ``direction`` and tries again, until the socket's timeout
        option (RCVTIMEO/SNDTIMEO) runs out."""
        if flags & NOBLOCK:
            return call(flags)
        deadline: float | None = None
        timeout_read = False
        while True:
            try:
                result = call(flags | NOBLOCK)
            except Again:
                if not timeout_read:
                    timeout_read = True
                    ms = _native_get(self, timeout_option)
                    deadline = None if ms < 0 else time.monotonic() + ms / 1000
                if not self._wait_for(direction, deadline):
                    raise Again(msg="timed out (RCVTIMEO/SNDTIMEO)") from None
                continue
            if self._waiters:
                # Our call may have consumed the edge others wait for.
                self._events()
            return result

    def _events(self) -> int:
        """Reads EVENTS (which rearms the descriptor) and wakes the greenlets waiting for
        what it shows."""
        events = _native_get(self, EVENTS)
        if events & POLLIN:
            self._readable.set()
        if events & POLLOUT:
            self._writable.set()
        if events:
            for listener in self._listeners:
                listener.set()
        return events

    def _wake_all(self) -> None:
        self._readable.set()
        self._writable.set()
        for listener in self._listeners:
            listener.set()

    def _add_listener(self, event: Event) -> None:
        """A green Poller waits on this socket: ``event`` is set on every change."""
        self._listeners.add(event)
        self._waiters += 1
        self._start_watching()

    def _remove_listener(self, event: Event) -> None:
        self._listeners.discard(event)
        self._waiters -= 1
        if not self._waiters:
            self._stop_watching()

    def _wait_for(self, direction: int, deadline: float | None) -> bool:
        """Waits cooperatively until the socket shows ``direction`` in EVENTS (or is
        closed: the caller's next try raises); False once ``deadline`` passed."""
        event = self._readable if direction == POLLIN else self._writable
        self._waiters += 1
        try:
            while True:
                event.clear()
                if self.closed or self._events() & direction:
                    return True
                self._start_watching()
                if deadline is None:
                    event.wait()
                else:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    event.wait(remaining)
        finally:
            self._waiters -= 1
            if not self._waiters:
                self._stop_watching()

    def _start_watching(self) -> None:
        if self._watcher is None:
            self._watcher = get_hub().loop.io(self._green_fd, 1)  # 1: READ
            self._watcher.start(self._state_changed)

    def _stop_watching(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()
            close = getattr(watcher, "close", None)
            if close is not None:
                close()

    def _state_changed(self) -> None:
        """The hub saw the descriptor fire."""
        if self.closed:
            self._stop_watching()
            self._wake_all()
            return
        try:
            self._events()
        except ZMQError:
            self._wake_all()


class Context(_SyncContext):
    """A context whose sockets are cooperative (``ferromq.green.Socket``)."""

    _socket_class = Socket
    _instance: Any = None
    _repr_cls = "ferromq.green.Context"
