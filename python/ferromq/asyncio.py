"""asyncio support: ``import ferromq.asyncio as zmq_asyncio`` (pyzmq's ``zmq.asyncio``).

Sockets made by ``ferromq.asyncio.Context`` have awaitable ``send``, ``recv``,
``send_multipart``, ``recv_multipart`` and ``poll`` (each returns a Future). They plug into
the running loop through the socket's readiness descriptor (ZMQ_FD) with
``loop.add_reader``: no thread per socket, no timer polling. The descriptor is edge-like, so
after each wake-up the socket serves its waiters until the operation would block (EAGAIN).

Cancellation is safe: a message is taken from the socket only at the moment a waiting,
not-cancelled Future receives it, so a cancelled ``recv`` never loses a message.
"""

from __future__ import annotations

import asyncio
import functools
from collections import deque
from typing import Any, Callable

from . import _ferromq, constants
from .constants import DONTWAIT, POLLIN, POLLOUT, SNDMORE
from .context import Context as _SyncContext
from .error import Again, ZMQError
from .poll import Poller as _SyncPoller
from .socket import Socket as _SyncSocket
from .socket import _writable_view

__all__ = ["Context", "Socket", "Poller"]

Frame = _ferromq.Frame
_native_get = _ferromq._Socket.get


class _Waiter:
    __slots__ = ("future", "kind", "args", "timer", "load")

    def __init__(self, future: asyncio.Future, kind: str, args: tuple) -> None:
        self.future = future
        self.kind = kind
        self.args = args
        self.timer: asyncio.TimerHandle | None = None
        #: recv_string/recv_json…: applied to the message when it is taken, so the Future
        #: the caller holds is the one that gets it (cancellation-safe).
        self.load: Callable[[Any], Any] | None = None


def _loop() -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()


class Socket(_SyncSocket):
    """An asyncio socket. ``await sock.recv()``, ``await sock.send(b"...")``…

    The socket works with the event loop running when it is first used, and moves to
    another running loop once that one is closed or stopped.
    """

    _repr_cls = "ferromq.asyncio.Socket"

    _loop_: asyncio.AbstractEventLoop | None
    _recv_waiters: deque
    _send_waiters: deque
    _poll_waiters: list
    _fd: int
    _reading: bool
    _check_scheduled: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loop_ = None
        self._recv_waiters = deque()
        self._send_waiters = deque()
        self._poll_waiters = []
        self._fd = _SyncSocket.get(self, constants.FD)
        self._reading = False
        self._check_scheduled = False

    # ----- the awaitable API -----

    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> asyncio.Future:  # type: ignore[override]
        """Receives a frame; returns a Future of bytes (or a Frame with ``copy=False``)."""
        return self._add_recv("recv", (copy, track), flags)

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> asyncio.Future:  # type: ignore[override]
        """Receives a whole multipart message; returns a Future of a list."""
        return self._add_recv("recv_multipart", (copy, track), flags)

    def recv_into(self, buffer: Any, /, *, nbytes: int = 0, flags: int = 0) -> asyncio.Future:  # type: ignore[override]
        """Receives one frame into ``buffer``; returns a Future of the frame's size."""
        return self._add_recv("_recv_into", (_writable_view(buffer, nbytes), nbytes), flags)

    def send(self, data: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any) -> asyncio.Future:  # type: ignore[override]
        """Sends a frame; returns a Future that completes once the core has queued it."""
        return self._add_send("send", (data, copy, track), flags, kwargs)

    def send_multipart(self, msg_parts: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any) -> asyncio.Future:  # type: ignore[override]
        """Sends a multipart message; returns a Future."""
        # Materialise iterators now: the send may happen later.
        return self._add_send("send_multipart", (list(msg_parts), copy, track), flags, kwargs)

    def poll(self, timeout: float | None = None, flags: int = POLLIN) -> asyncio.Future:  # type: ignore[override]
        """Returns a Future of the events ready among ``flags`` (POLLIN/POLLOUT), or 0 once
        ``timeout`` ms have passed (None: no timeout)."""
        loop = self._get_loop()
        future = loop.create_future()
        if self.closed:
            future.set_exception(ZMQError(constants.ENOTSOCK, "the socket is closed"))
            return future
        waiter = _Waiter(future, "poll", (flags,))
        self._poll_waiters.append(waiter)
        if timeout is not None and timeout >= 0:
            waiter.timer = loop.call_later(timeout / 1000, _resolve, future, 0)
        future.add_done_callback(lambda f: self._forget(waiter))
        self._watch()
        self._schedule_check()
        return future

    @classmethod
    def from_socket(cls, socket: Any, io_loop: Any = None) -> "Socket":
        """An asyncio socket over the same native socket as ``socket`` (a shadow; pyzmq's
        ``zmq.asyncio.Socket.from_socket``)."""
        return cls.shadow(socket)

    def _deserialize(self, recvd: Any, load: Callable[[Any], Any]) -> asyncio.Future:
        """recv_string/recv_json/recv_pyobj: ``load`` the message into the same Future."""
        if not recvd.done():
            for waiter in reversed(self._recv_waiters):
                if waiter.future is recvd:
                    waiter.load = load
                    return recvd
        out = self._get_loop().create_future()
        if recvd.cancelled():
            out.cancel()
        elif recvd.exception() is not None:
            out.set_exception(recvd.exception())
        else:
            try:
                out.set_result(load(recvd.result()))
            except Exception as e:  # noqa: BLE001 - handed to the awaiting code
                out.set_exception(e)
        return out

    def close(self, linger: int | None = None) -> None:
        """Closes the socket; pending Futures are cancelled."""
        if not self.closed:
            self._unwatch()
            for queue in (self._recv_waiters, self._send_waiters, self._poll_waiters):
                for waiter in list(queue):
                    if not waiter.future.done():
                        waiter.future.cancel()
                queue.clear()
        super().close(linger)

    # ----- machinery -----

    def _get_loop(self) -> asyncio.AbstractEventLoop:
        """The loop the socket works with: the one it was first used in, until another loop
        uses it while that one is closed or stopped (``asyncio.run`` called again, as
        pyzmq allows); waits left by the old loop go with it."""
        current = self._loop_
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if current is None:
            self._loop_ = running or _loop()
        elif running is not None and running is not current and (current.is_closed() or not current.is_running()):
            self._unwatch()
            for queue in (self._recv_waiters, self._send_waiters, self._poll_waiters):
                queue.clear()  # their futures belong to the old loop, which will not run them
            self._check_scheduled = False
            self._loop_ = running
        return self._loop_

    def _try_at_once(self, future: asyncio.Future, attempt: Callable[[], Any], flags: int) -> bool:
        """Runs a non-blocking attempt when nobody is queued before us; True if it settled
        `future` (done, failed, or EAGAIN that DONTWAIT wants raised), False to wait."""
        try:
            result = attempt()
        except Again as e:
            if flags & DONTWAIT:
                future.set_exception(e)
                return True
            return False
        except Exception as e:  # noqa: BLE001 - handed to the awaiting code
            future.set_exception(e)
            return True
        future.set_result(result)
        self._schedule_check()
        return True

    def _add_recv(self, kind: str, args: tuple, flags: int) -> asyncio.Future:
        loop = self._get_loop()
        future = loop.create_future()
        if not self._recv_waiters:
            # Nobody queued before us: try at once.
            attempt = lambda: getattr(_SyncSocket, kind)(self, flags | DONTWAIT, *args)  # noqa: E731
            if self._try_at_once(future, attempt, flags):
                return future
        elif flags & DONTWAIT:
            future.set_exception(Again(msg="receives are already waiting on this socket"))
            return future
        waiter = _Waiter(future, kind, (flags,) + args)
        self._recv_waiters.append(waiter)
        self._arm_timeout(waiter, constants.RCVTIMEO)
        future.add_done_callback(lambda f: self._forget(waiter))
        self._watch()
        self._schedule_check()
        return future

    def _add_send(self, kind: str, args: tuple, flags: int, kwargs: dict) -> asyncio.Future:
        loop = self._get_loop()
        future = loop.create_future()
        if not self._send_waiters:
            attempt = lambda: getattr(_SyncSocket, kind)(  # noqa: E731
                self, args[0], flags | DONTWAIT, *args[1:], **kwargs
            )
            if self._try_at_once(future, attempt, flags):
                return future
        elif flags & DONTWAIT:
            future.set_exception(Again(msg="sends are already waiting on this socket"))
            return future
        # The caller may reuse a mutable buffer once send() returns: keep a copy.
        if kind == "send":
            args = (_freeze(args[0]),) + args[1:]
        else:
            args = ([_freeze(part) for part in args[0]],) + args[1:]
        waiter = _Waiter(future, kind, (args, flags, kwargs))
        self._send_waiters.append(waiter)
        self._arm_timeout(waiter, constants.SNDTIMEO)
        future.add_done_callback(lambda f: self._forget(waiter))
        self._watch()
        self._schedule_check()
        return future

    def _arm_timeout(self, waiter: _Waiter, option: int) -> None:
        try:
            timeout = _SyncSocket.get(self, option)
        except ZMQError:
            return
        if timeout >= 0:
            waiter.timer = self._get_loop().call_later(
                timeout / 1000, _fail, waiter.future, Again(msg="timed out (RCVTIMEO/SNDTIMEO)")
            )

    def _forget(self, waiter: _Waiter) -> None:
        """A Future finished (result, error or cancellation): drop its bookkeeping."""
        if waiter.timer is not None:
            waiter.timer.cancel()
            waiter.timer = None
        for queue in (self._recv_waiters, self._send_waiters, self._poll_waiters):
            try:
                queue.remove(waiter)
            except ValueError:
                pass
            else:
                break

    def _schedule_check(self) -> None:
        """After any call into the socket, check EVENTS again before sleeping on the fd:
        the call may have consumed the descriptor's edge (libzmq's ZMQ_FD contract)."""
        if self._check_scheduled or not (self._recv_waiters or self._send_waiters or self._poll_waiters):
            return
        self._check_scheduled = True
        self._get_loop().call_soon(self._run_check)

    def _run_check(self) -> None:
        self._check_scheduled = False
        self._handle_events()

    # Option and connection calls process the socket's pending events too.
    def get(self, option: int) -> Any:
        try:
            return super().get(option)
        finally:
            self._schedule_check()

    def set(self, option: int, optval: Any) -> None:
        try:
            super().set(option, optval)
        finally:
            self._schedule_check()

    getsockopt = get
    setsockopt = set

    def connect(self, addr: str) -> Any:
        try:
            return super().connect(addr)
        finally:
            self._schedule_check()

    def bind(self, addr: str) -> Any:
        try:
            return super().bind(addr)
        finally:
            self._schedule_check()

    def disconnect(self, addr: str) -> None:
        try:
            super().disconnect(addr)
        finally:
            self._schedule_check()

    def unbind(self, addr: str) -> None:
        try:
            super().unbind(addr)
        finally:
            self._schedule_check()

    def _watch(self) -> None:
        if not self._reading:
            self._get_loop().add_reader(self._fd, self._handle_events)
            self._reading = True

    def _unwatch(self) -> None:
        if self._reading:
            self._reading = False
            loop = self._loop_
            if loop is not None and not loop.is_closed():
                loop.remove_reader(self._fd)

    def _handle_events(self) -> None:
        """The readiness fd fired (or a waiter was added): serve waiters until the socket
        would block. Reading EVENTS resets the descriptor."""
        if self.closed:
            # Closed under us (Context.destroy): nothing will ever arrive.
            self._fail_all(ZMQError(constants.ENOTSOCK, "the socket was closed"))
            return
        while True:
            try:
                events = _native_get(self, constants.EVENTS)
            except ZMQError as e:
                self._fail_all(e)
                return
            progress = False
            for waiter in list(self._poll_waiters):
                ready = events & waiter.args[0]
                if ready and not waiter.future.done():
                    waiter.future.set_result(ready)
            if events & POLLIN:
                progress |= self._serve(self._recv_waiters, self._do_recv)
            if events & POLLOUT:
                progress |= self._serve(self._send_waiters, self._do_send)
            if not progress:
                break
        if not (self._recv_waiters or self._send_waiters or self._poll_waiters):
            self._unwatch()

    def _serve(self, queue: deque, op: Callable[[_Waiter], Any]) -> bool:
        """Completes waiters in order until the operation would block."""
        progress = False
        while queue:
            waiter = queue[0]
            if waiter.future.done():  # cancelled or timed out: never give it a message
                queue.popleft()
                continue
            try:
                result = op(waiter)
            except Again:
                break
            except Exception as e:  # noqa: BLE001 - handed to the awaiting code
                queue.popleft()
                waiter.future.set_exception(e)
            else:
                queue.popleft()
                if waiter.load is None:
                    waiter.future.set_result(result)
                else:
                    try:
                        waiter.future.set_result(waiter.load(result))
                    except Exception as e:  # noqa: BLE001 - e.g. invalid JSON
                        waiter.future.set_exception(e)
            progress = True
        return progress

    def _do_recv(self, waiter: _Waiter) -> Any:
        flags, *rest = waiter.args
        return getattr(_SyncSocket, waiter.kind)(self, flags | DONTWAIT, *rest)

    def _do_send(self, waiter: _Waiter) -> Any:
        args, flags, kwargs = waiter.args
        return getattr(_SyncSocket, waiter.kind)(self, args[0], flags | DONTWAIT, *args[1:], **kwargs)

    def _fail_all(self, error: Exception) -> None:
        for queue in (self._recv_waiters, self._send_waiters, self._poll_waiters):
            for waiter in list(queue):
                if not waiter.future.done():
                    waiter.future.set_exception(error)
            queue.clear()
        self._unwatch()


def _freeze(data: Any) -> Any:
    """An immutable copy of a mutable buffer (bytes and Frames are kept as they are)."""
    if isinstance(data, (bytes, Frame)):
        return data
    try:
        return bytes(memoryview(data))
    except TypeError:
        return data  # the send reports the type error


def _resolve(future: asyncio.Future, value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future, error: Exception) -> None:
    if not future.done():
        future.set_exception(error)


class Context(_SyncContext):
    """A context whose sockets are asyncio sockets."""

    _socket_class = Socket
    _instance: Any = None
    _repr_cls = "ferromq.asyncio.Context"

    @classmethod
    def from_context(cls, context: Any) -> "Context":
        """An asyncio context over the same native context as ``context`` (a shadow)."""
        return cls.shadow(context)


class Poller(_SyncPoller):
    """``await poller.poll(timeout_ms)`` over asyncio sockets, plain ferromq sockets and
    file descriptors."""

    def poll(self, timeout: float | None = None) -> asyncio.Future:  # type: ignore[override]
        loop = _loop()
        return asyncio.ensure_future(self._poll(loop, timeout), loop=loop)

    async def _poll(self, loop: asyncio.AbstractEventLoop, timeout: float | None) -> list[tuple[Any, int]]:
        ready = _SyncPoller.poll(self, 0)
        if ready or timeout == 0:
            return ready
        deadline = None if timeout is None or timeout < 0 else loop.time() + timeout / 1000
        while True:
            wake = loop.create_future()
            cleanups: list[Callable[[], Any]] = []

            def wake_up(*_: Any) -> None:
                if not wake.done():
                    wake.set_result(None)

            try:
                for sock, flags in self.sockets:
                    if isinstance(sock, Socket):
                        f = sock.poll(None, flags)
                        f.add_done_callback(wake_up)
                        cleanups.append(f.cancel)
                    else:
                        fd = sock.fileno() if hasattr(sock, "fileno") else int(sock)
                        if isinstance(sock, _SyncSocket) or flags & POLLIN:
                            loop.add_reader(fd, wake_up)
                            cleanups.append(functools.partial(loop.remove_reader, fd))
                        if flags & POLLOUT and not isinstance(sock, _SyncSocket):
                            loop.add_writer(fd, wake_up)
                            cleanups.append(functools.partial(loop.remove_writer, fd))
                # A plain socket's descriptor is edge-like: check it once after registering.
                if _SyncPoller.poll(self, 0):
                    wake_up()
                remaining = None if deadline is None else max(0.0, deadline - loop.time())
                await asyncio.wait({wake}, timeout=remaining)
                if not wake.done():
                    return []
            finally:
                for cleanup in cleanups:
                    cleanup()
            ready = _SyncPoller.poll(self, 0)
            if ready:
                return ready
            if deadline is not None and loop.time() >= deadline:
                return []
