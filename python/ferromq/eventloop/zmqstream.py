"""``ZMQStream``: callbacks on a socket's messages, run by a tornado IOLoop (pyzmq's
``zmq.eventloop.zmqstream``).

::

    from ferromq.eventloop import ioloop, zmqstream

    stream = zmqstream.ZMQStream(sock)
    stream.on_recv(lambda msg: stream.send_multipart(msg))  # an echo server
    ioloop.IOLoop.current().start()

The stream watches the socket's readiness descriptor (ZMQ_FD) with
``IOLoop.add_handler``: no thread, no timer. The descriptor is edge-triggered, so after each
wake-up (and after each call into the socket) the stream reads EVENTS and handles what is
ready until the socket would block. Received messages go to the ``on_recv`` callback as a
list of frames; messages given to ``send``/``send_multipart`` are queued and sent when the
socket can take them, each then reported to the ``on_send`` callback.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import pickle
import warnings
from collections import deque
from typing import Any, Callable, Sequence

from tornado.ioloop import IOLoop
from tornado.log import gen_log

from .. import _ferromq
from ..constants import EVENTS, NOBLOCK, POLLIN, POLLOUT
from ..error import Again, ZMQError
from ..socket import Socket

__all__ = ["ZMQStream"]

_native_get = _ferromq._Socket.get

#: Messages handled in one direction per wake-up before the IOLoop runs other work.
_BATCH = 64


class ZMQStream:
    """Registers callbacks run by the IOLoop when the socket receives or has sent.

    * ``on_recv(callback, copy=True)``: ``callback(msg)`` for every message received
      (``msg`` is a list of bytes, or of Frames with ``copy=False``); ``stop_on_recv()``.
    * ``on_send(callback)``: ``callback(msg, status)`` after each message the stream sends
      (``status``: what ``send_multipart`` returned, or the ZMQError it raised);
      ``stop_on_send()``.
    * ``send(msg)``, ``send_multipart(msg)``, ``send_string``, ``send_json``,
      ``send_pyobj``: queue a message, sent when the socket can take it (the optional
      ``callback`` becomes the ``on_send`` callback).
    * ``flush()``: handle what is pending now, without waiting for the loop.
    * ``close()``, ``closed()``, ``set_close_callback()``, ``receiving()``, ``sending()``.

    Callbacks may be coroutine functions (run as tasks). ``bind``, ``connect``,
    ``setsockopt``… are the socket's own methods.
    """

    socket: Socket
    io_loop: IOLoop

    def __init__(self, socket: Socket, io_loop: IOLoop | None = None) -> None:
        if type(socket) is not Socket and _is_async(socket):
            warnings.warn(
                "ZMQStream takes a plain ferromq.Socket: this asyncio socket is used through "
                "a shadow (ferromq.Socket(shadow=sock)), so callbacks get lists of frames",
                RuntimeWarning,
                stacklevel=2,
            )
            socket = Socket(shadow=socket)
        self.socket = socket
        self.io_loop = io_loop or IOLoop.current()
        self._fd: int = socket.fileno()
        self._send_queue: deque[tuple[Sequence[Any], dict[str, Any]]] = deque()
        self._recv_callback: Callable[..., Any] | None = None
        self._send_callback: Callable[..., Any] | None = None
        self._close_callback: Callable[[], Any] | None = None
        self._recv_copy = True
        self._check_scheduled = False
        self.io_loop.add_handler(self._fd, self._handle_events, IOLoop.READ)

        # The socket's own methods, linked directly (as pyzmq does).
        self.bind = socket.bind
        self.bind_to_random_port = socket.bind_to_random_port
        self.connect = socket.connect
        self.setsockopt = socket.setsockopt
        self.getsockopt = socket.getsockopt
        self.setsockopt_string = socket.setsockopt_string
        self.getsockopt_string = socket.getsockopt_string
        self.setsockopt_unicode = socket.setsockopt_unicode
        self.getsockopt_unicode = socket.getsockopt_unicode

    def __repr__(self) -> str:
        return f"<ferromq.eventloop.zmqstream.ZMQStream({self.socket!r})>"

    # ----- callbacks -----

    def on_recv(self, callback: Callable[[list[Any]], Any] | None, copy: bool = True) -> None:
        """Calls ``callback(msg)`` for every message received (a list of bytes, or Frames
        with ``copy=False``). ``None`` stops receiving: messages then wait in the socket."""
        self._check_closed()
        if callback is not None and not callable(callback):
            raise TypeError(f"the callback must be callable, not {type(callback).__name__}")
        self._recv_callback = callback
        self._recv_copy = copy
        self._schedule_check()

    def on_recv_stream(self, callback: Callable[[ZMQStream, list[Any]], Any] | None, copy: bool = True) -> None:
        """``on_recv`` whose callback also gets the stream: ``callback(stream, msg)``."""
        if callback is None:
            self.stop_on_recv()
        else:
            self.on_recv(lambda msg: callback(self, msg), copy=copy)

    def stop_on_recv(self) -> None:
        """Stops calling the receive callback (and receiving)."""
        self.on_recv(None)

    def on_send(self, callback: Callable[[Sequence[Any], Any], Any] | None) -> None:
        """Calls ``callback(msg, status)`` after each message sent from the queue; ``status``
        is what ``send_multipart`` returned (None, or a MessageTracker) or the ZMQError it
        raised."""
        self._check_closed()
        if callback is not None and not callable(callback):
            raise TypeError(f"the callback must be callable, not {type(callback).__name__}")
        self._send_callback = callback

    def on_send_stream(self, callback: Callable[[ZMQStream, Sequence[Any], Any], Any] | None) -> None:
        """``on_send`` whose callback also gets the stream: ``callback(stream, msg, status)``."""
        if callback is None:
            self.stop_on_send()
        else:
            self.on_send(lambda msg, status: callback(self, msg, status))

    def stop_on_send(self) -> None:
        """Stops calling the send callback (queued messages are still sent)."""
        self.on_send(None)

    def on_err(self, callback: Callable[..., Any] | None) -> None:
        """Does nothing: ØMQ sockets report no errors this way (pyzmq deprecated it too)."""
        warnings.warn("ZMQStream.on_err does nothing", DeprecationWarning, stacklevel=2)

    def stop_on_err(self) -> None:
        warnings.warn("ZMQStream.stop_on_err does nothing", DeprecationWarning, stacklevel=2)

    def set_close_callback(self, callback: Callable[[], Any] | None) -> None:
        """Calls ``callback()`` when the stream is closed."""
        self._close_callback = callback

    # ----- sending -----

    def send(self, msg: Any, flags: int = 0, copy: bool = True, track: bool = False,
             callback: Callable[..., Any] | None = None, **kwargs: Any) -> None:
        """Queues a one-frame message (see ``send_multipart``)."""
        self.send_multipart([msg], flags=flags, copy=copy, track=track, callback=callback, **kwargs)

    def send_multipart(self, msg: Sequence[Any], flags: int = 0, copy: bool = True, track: bool = False,
                       callback: Callable[..., Any] | None = None, **kwargs: Any) -> None:
        """Queues a message; it is sent (in order) when the socket can take it. With
        ``callback``, that becomes the ``on_send`` callback."""
        self._check_closed()
        kwargs.update(flags=flags, copy=copy, track=track)
        # The caller may reuse a mutable buffer once this returns: keep a copy.
        self._send_queue.append(([_freeze(part) for part in msg], kwargs))
        if callback is not None:
            self.on_send(callback)
        self._schedule_check()

    def send_string(self, u: str, flags: int = 0, encoding: str = "utf-8",
                    callback: Callable[..., Any] | None = None, **kwargs: Any) -> None:
        """Queues a str, encoded."""
        if not isinstance(u, str):
            raise TypeError(f"send_string takes a str, not {type(u).__name__}")
        self.send(u.encode(encoding), flags=flags, callback=callback, **kwargs)

    send_unicode = send_string

    def send_json(self, obj: Any, flags: int = 0, callback: Callable[..., Any] | None = None, **kwargs: Any) -> None:
        """Queues ``obj`` as JSON."""
        self.send(json.dumps(obj).encode("utf-8"), flags=flags, callback=callback, **kwargs)

    def send_pyobj(self, obj: Any, flags: int = 0, protocol: int = pickle.DEFAULT_PROTOCOL,
                   callback: Callable[..., Any] | None = None, **kwargs: Any) -> None:
        """Queues a pickled object."""
        self.send(pickle.dumps(obj, protocol), flags=flags, callback=callback, **kwargs)

    # ----- state -----

    def receiving(self) -> bool:
        """Whether a receive callback is registered."""
        return self._recv_callback is not None

    def sending(self) -> bool:
        """Whether messages are waiting to be sent."""
        return bool(self._send_queue)

    def closed(self) -> bool:
        """Whether the stream (or its socket, closed elsewhere) is closed."""
        if self.socket is None:
            return True
        if self.socket.closed:
            self.close()
            return True
        return False

    def close(self, linger: int | None = None) -> None:
        """Stops watching the socket, closes it (with ``linger``) and runs the close
        callback."""
        if self.socket is None:
            return
        self.io_loop.remove_handler(self._fd)
        if not self.socket.closed:
            self.socket.close(linger)
        self.socket = None  # type: ignore[assignment]
        self._send_queue.clear()
        if self._close_callback is not None:
            self._run_callback(self._close_callback)

    def flush(self, flag: int = POLLIN | POLLOUT, limit: int | None = None) -> int:
        """Handles what is pending now, without waiting for the IOLoop: receives (with
        ``flag & POLLIN``, even with no callback: messages are then dropped) and sends
        (``flag & POLLOUT``) until the socket would block or ``limit`` messages were
        handled. Returns how many were."""
        self._check_closed()
        count = 0
        while limit is None or count < limit:
            progress = False
            if flag & POLLIN:
                if self._recv_one():
                    count += 1
                    progress = True
                if self.socket is None:
                    break
            if flag & POLLOUT and self._send_queue and (limit is None or count < limit):
                if self._send_one():
                    count += 1
                    progress = True
                if self.socket is None:
                    break
            if not progress:
                break
        self._schedule_check()
        return count

    # ----- machinery -----

    def _check_closed(self) -> None:
        if self.socket is None:
            raise OSError("Stream is closed")

    def _schedule_check(self) -> None:
        """After any call into the socket, look at EVENTS again on the next loop iteration:
        the call may have consumed the descriptor's edge (libzmq's ZMQ_FD contract)."""
        if self._check_scheduled or self.socket is None:
            return
        if not (self._recv_callback is not None or self._send_queue):
            return
        self._check_scheduled = True
        self.io_loop.add_callback(self._run_check)

    def _run_check(self) -> None:
        self._check_scheduled = False
        self._handle_events(self._fd, 0)

    def _handle_events(self, fd: Any, events: int) -> None:
        """The descriptor fired (or a check was scheduled): handle what EVENTS says is ready,
        a bounded batch per direction, then look again on the next iteration if more is."""
        if self.socket is None:
            return
        try:
            zmq_events = _native_get(self.socket, EVENTS)  # resets the descriptor
        except ZMQError as e:
            if not self.closed():
                gen_log.error("cannot read EVENTS of %s: %s", self, e)
            return
        more_in = more_out = False
        if zmq_events & POLLIN and self._recv_callback is not None:
            for _ in range(_BATCH):
                if self._recv_callback is None or not self._recv_one():
                    break
                if self.socket is None:
                    return
            else:
                more_in = True
        if zmq_events & POLLOUT and self._send_queue:
            for _ in range(_BATCH):
                if not self._send_queue or not self._send_one():
                    break
                if self.socket is None:
                    return
            else:
                more_out = bool(self._send_queue)
        if more_in or more_out:
            self._check_scheduled = True
            self.io_loop.add_callback(self._run_check)
        else:
            self._schedule_check_if_ready()

    def _schedule_check_if_ready(self) -> None:
        """Our own calls may have consumed the edge: if the socket is ready for what we
        want, handle it on the next iteration instead of waiting for the descriptor."""
        try:
            zmq_events = _native_get(self.socket, EVENTS)
        except ZMQError:
            return
        wanted = (POLLIN if self._recv_callback is not None else 0) | (POLLOUT if self._send_queue else 0)
        if zmq_events & wanted and not self._check_scheduled:
            self._check_scheduled = True
            self.io_loop.add_callback(self._run_check)

    def _recv_one(self) -> bool:
        """Receives one message and hands it to the callback (``flush`` with no callback
        drops it); False if none was ready."""
        try:
            msg = self.socket.recv_multipart(NOBLOCK, copy=self._recv_copy)
        except Again:
            return False
        if self._recv_callback is not None:
            self._run_callback(self._recv_callback, msg)
        return True

    def _send_one(self) -> bool:
        """Sends the first queued message; False if the socket cannot take it yet."""
        msg, kwargs = self._send_queue[0]
        kwargs = dict(kwargs)
        kwargs["flags"] = kwargs.get("flags", 0) | NOBLOCK
        try:
            status: Any = self.socket.send_multipart(msg, **kwargs)
        except Again:
            return False
        except ZMQError as e:
            gen_log.error("ZMQStream could not send: %s", e)
            status = e
        self._send_queue.popleft()
        if self._send_callback is not None:
            self._run_callback(self._send_callback, msg, status)
        return True

    def _run_callback(self, callback: Callable[..., Any], *args: Any) -> None:
        """Runs a callback; a coroutine becomes a task. Errors are logged (tornado's
        ``gen_log``), not raised into the loop."""
        try:
            result = callback(*args)
        except Exception:
            gen_log.error("Uncaught exception in a ZMQStream callback", exc_info=True)
            return
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result)
            task.add_done_callback(_log_task_error)


def _log_task_error(task: asyncio.Future) -> None:
    if not task.cancelled() and task.exception() is not None:
        gen_log.error("Uncaught exception in a ZMQStream callback", exc_info=task.exception())


def _freeze(data: Any) -> Any:
    """An immutable copy of a mutable buffer (bytes and Frames are kept as they are). What
    ``send`` would refuse is refused now, when the caller can see it."""
    if isinstance(data, (bytes, _ferromq._Frame)):
        return data
    if isinstance(data, str):
        raise TypeError("a message frame is bytes, not str: encode it, or use send_string()")
    try:
        return bytes(memoryview(data))
    except TypeError:
        raise TypeError(
            f"a message frame must be bytes, bytearray, memoryview, a Frame or another buffer, "
            f"not {type(data).__name__}"
        ) from None


def _is_async(socket: Any) -> bool:
    from .. import asyncio as _zmq_asyncio

    return isinstance(socket, _zmq_asyncio.Socket)
