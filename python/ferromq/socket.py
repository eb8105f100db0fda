"""The Socket class: pyzmq's API over the native socket.

``send``/``recv``/``send_multipart``/``recv_multipart``/``poll``/``set``/``get`` are native
(see ``_ferromq.pyi``); this module adds pyzmq's conveniences on top: attribute options
(``sock.linger = 0``), strings, JSON, pickles, ``bind_to_random_port``, context managers.
"""

from __future__ import annotations

import errno as _errno
import json
import pickle
import random
from typing import Any, Callable, Sequence, TypeVar

from . import _ferromq, constants
from .constants import SocketOption, SocketType
from .error import ZMQBindError, ZMQError

__all__ = ["Socket"]

_S = TypeVar("_S", bound="Socket")

# Options whose values are bytes (the rest are ints).
_BYTES_OPTIONS = frozenset(
    int(o)
    for o in (
        SocketOption.ROUTING_ID,
        SocketOption.SUBSCRIBE,
        SocketOption.UNSUBSCRIBE,
        SocketOption.LAST_ENDPOINT,
        SocketOption.XPUB_WELCOME_MSG,
        SocketOption.CONNECT_ROUTING_ID,
        SocketOption.ZAP_DOMAIN,
        SocketOption.PLAIN_USERNAME,
        SocketOption.PLAIN_PASSWORD,
        SocketOption.CURVE_PUBLICKEY,
        SocketOption.CURVE_SECRETKEY,
        SocketOption.CURVE_SERVERKEY,
        SocketOption.SOCKS_PROXY,
        SocketOption.BINDTODEVICE,
        SocketOption.TCP_ACCEPT_FILTER,
        SocketOption.METADATA,
    )
)


def _option_name(option: int) -> str:
    try:
        return SocketOption(option).name
    except ValueError:
        return str(option)


class _SocketContext:
    """What ``bind``/``connect`` return: usable as a context manager that unbinds or
    disconnects on exit (pyzmq ≥ 20)."""

    def __init__(self, socket: Socket, kind: str, addr: str) -> None:
        self.socket = socket
        self.kind = kind
        self.addr = addr

    def __repr__(self) -> str:
        return f"<SocketContext({self.kind}={self.addr!r})>"

    def __enter__(self) -> Socket:
        return self.socket

    def __exit__(self, *args: Any) -> None:
        if self.socket.closed:
            return
        if self.kind == "bind":
            self.socket.unbind(self.addr)
        else:
            self.socket.disconnect(self.addr)


class Socket(_ferromq._Socket):
    """A ØMQ socket: ``ctx.socket(zmq.REQ)`` or ``Socket(ctx, zmq.REQ)``.

    ``Socket(shadow=other)`` (or ``Socket(other)``, ``Socket.shadow(other.underlying)``)
    makes a second object over the same native socket, like pyzmq's shadow sockets: e.g. a
    plain socket over an asyncio one. ``underlying`` is an integer handle, not a pointer: a
    handle whose socket was closed raises ``ZMQError(ENOTSOCK)``.
    """

    _repr_cls = "ferromq.Socket"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The native __new__ made the socket (or the shadow); nothing left to do
        # (subclasses may extend).
        pass

    @classmethod
    def shadow(cls: type[_S], address: Any) -> _S:
        """A new socket object of this class over the native socket ``address`` names: a
        ferromq socket, or its ``underlying`` handle (an int). The shadow shares everything
        with the original (options, connections, messages); closing either closes the
        socket, but a shadow that is garbage-collected leaves it open."""
        return cls(shadow=address)

    def __copy__(self: _S, memo: Any = None) -> _S:
        """Copying a socket makes a shadow of it (as in pyzmq)."""
        return self.__class__.shadow(self)

    __deepcopy__ = __copy__

    # ----- identity -----

    @property
    def type(self) -> SocketType:
        """The socket type (``zmq.REQ``…)."""
        return SocketType(self._type)

    @property
    def socket_type(self) -> int:
        return self._type

    def __repr__(self) -> str:
        closed = " closed" if self.closed else ""
        try:
            name = SocketType(self._type).name
        except ValueError:
            name = str(self._type)
        return f"<{self._repr_cls}(zmq.{name}) at {hex(id(self))}{closed}>"

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, *args: Any) -> None:
        self.close()

    def fileno(self) -> int:
        """The socket's edge-triggered readiness descriptor (ZMQ_FD): it becomes readable
        when ``events`` may have changed. After a wake-up, read ``sock.events`` and handle
        messages until EAGAIN before waiting on it again."""
        return self.get(constants.FD)

    # ----- connections -----

    def bind(self, addr: str) -> _SocketContext:  # type: ignore[override]
        """Binds to ``addr`` (``tcp://*:5555``, ``tcp://127.0.0.1:*``…). The result can be
        used as a context manager that unbinds on exit."""
        super().bind(addr)
        try:
            addr = self.get(constants.LAST_ENDPOINT).decode("utf-8")
        except (ZMQError, UnicodeDecodeError):
            pass
        return _SocketContext(self, "bind", addr)

    def connect(self, addr: str) -> _SocketContext:  # type: ignore[override]
        """Connects to ``addr``. The result can be used as a context manager that
        disconnects on exit."""
        super().connect(addr)
        return _SocketContext(self, "connect", addr)

    def bind_to_random_port(
        self,
        addr: str,
        min_port: int = 49152,
        max_port: int = 65536,
        max_tries: int = 100,
    ) -> int:
        """Binds ``addr`` (without the port) to a random port in ``[min_port, max_port)``
        and returns the port; raises ZMQBindError after ``max_tries`` failures."""
        if min_port == 49152 and max_port == 65536:
            # Let the OS choose.
            super().bind(f"{addr}:*")
            url = self.get(constants.LAST_ENDPOINT).decode("ascii", "replace")
            return int(url.rsplit(":", 1)[1])
        for _ in range(max_tries):
            port = random.randrange(min_port, max_port)
            try:
                super().bind(f"{addr}:{port}")
            except ZMQError as e:
                if e.errno == constants.EADDRINUSE or e.errno == _errno.EACCES:
                    continue
                raise
            return port
        raise ZMQBindError("Could not bind socket to random port.")

    # ----- options -----

    def set(self, option: int, optval: Any) -> None:
        """Sets a socket option (``zmq.LINGER``, ``zmq.SUBSCRIBE``…): an int, or bytes for
        binary options."""
        if option == constants.HWM:
            self.set_hwm(optval)
            return
        try:
            super().set(option, optval)
        except ZMQError as e:
            raise self._unsupported(option, e) from None

    def get(self, option: int) -> Any:
        """Reads a socket option: an int, or bytes for binary options."""
        if option == constants.HWM:
            return self.get_hwm()
        try:
            return super().get(option)
        except ZMQError as e:
            raise self._unsupported(option, e) from None

    @staticmethod
    def _unsupported(option: int, error: ZMQError) -> ZMQError:
        if error.errno == constants.EINVAL and "not supported by ferromq" in error.strerror:
            return ZMQError(
                constants.EINVAL,
                f"socket option {_option_name(option)} ({option}) is not supported by ferromq",
            )
        return error

    setsockopt = set
    getsockopt = get

    def set_string(self, option: int, optval: str, encoding: str = "utf-8") -> None:
        """Sets a binary option from a str."""
        if not isinstance(optval, str):
            raise TypeError(f"strings only, not {type(optval).__name__}: {optval!r}")
        self.set(option, optval.encode(encoding))

    setsockopt_string = setsockopt_unicode = set_string

    def get_string(self, option: int, encoding: str = "utf-8") -> str:
        """Reads a binary option as a str."""
        if int(option) not in _BYTES_OPTIONS:
            raise TypeError(f"option {_option_name(option)} will not return a string to be decoded")
        return self.get(option).decode(encoding)

    getsockopt_string = getsockopt_unicode = get_string

    def get_hwm(self) -> int:
        """SNDHWM (the high water mark)."""
        return self.get(constants.SNDHWM)

    def set_hwm(self, value: int) -> None:
        """Sets both SNDHWM and RCVHWM."""
        self.set(constants.SNDHWM, value)
        self.set(constants.RCVHWM, value)

    hwm = property(get_hwm, set_hwm, doc="SNDHWM on read; sets SNDHWM and RCVHWM")

    def subscribe(self, topic: str | bytes) -> None:
        """SUB: subscribe to messages starting with ``topic`` (``b""``: everything)."""
        if isinstance(topic, str):
            topic = topic.encode("utf-8")
        self.set(constants.SUBSCRIBE, topic)

    def unsubscribe(self, topic: str | bytes) -> None:
        """SUB: cancel a subscription."""
        if isinstance(topic, str):
            topic = topic.encode("utf-8")
        self.set(constants.UNSUBSCRIBE, topic)

    def __setattr__(self, key: str, value: Any) -> None:
        # Attributes the class or instance knows (and private ones) are plain attributes;
        # option names (`linger`, `rcvtimeo`, `identity`…) set the option; anything else is
        # an AttributeError, as in pyzmq.
        lower = key.lower()
        if lower in ("subscribe", "unsubscribe"):
            if isinstance(value, str):
                value = value.encode("utf-8")
            self.set(constants.SUBSCRIBE if lower == "subscribe" else constants.UNSUBSCRIBE, value)
            return
        if key.startswith("_") or key in self.__dict__ or _class_has(type(self), key):
            object.__setattr__(self, key, value)
            return
        option = getattr(SocketOption, key.upper(), None)
        if option is None:
            raise AttributeError(f"{type(self).__name__} has no such option: {key.upper()}")
        self.set(option, value)

    def __getattr__(self, key: str) -> Any:
        # Only called when normal lookup fails: option names read the option.
        if key.startswith("_"):
            raise AttributeError(key)
        option = getattr(SocketOption, key.upper(), None)
        if option is None:
            raise AttributeError(f"{type(self).__name__} has no such option: {key.upper()}")
        try:
            return self.get(option)
        except ZMQError as e:
            if e.errno == constants.EINVAL:
                raise AttributeError(f"option {key.upper()} cannot be read: {e}") from None
            raise

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {k.lower() for k in SocketOption.__members__})

    # ----- strings, JSON, pickles -----

    def send_string(
        self, u: str, flags: int = 0, copy: bool = True, encoding: str = "utf-8", **kwargs: Any
    ) -> Any:
        """Sends a str, encoded (UTF-8 by default)."""
        if not isinstance(u, str):
            raise TypeError(f"send_string takes a str, not {type(u).__name__}")
        return self.send(u.encode(encoding), flags=flags, copy=copy, **kwargs)

    send_unicode = send_string

    def recv_string(self, flags: int = 0, encoding: str = "utf-8") -> str:
        """Receives a frame and decodes it (UTF-8 by default)."""
        return self._deserialize(self.recv(flags=flags), lambda b: b.decode(encoding))

    recv_unicode = recv_string

    def recv_into(self, buffer: Any, /, *, nbytes: int = 0, flags: int = 0) -> int:
        """Receives one frame into ``buffer`` (a writable, contiguous buffer): at most
        ``nbytes`` bytes of it (0: the buffer's size). Returns the frame's size, which is
        larger than what was written when the frame was truncated (the rest is lost), as
        libzmq's ``zmq_recv``."""
        return self._recv_into(flags, _writable_view(buffer, nbytes), nbytes)

    def _recv_into(self, flags: int, view: memoryview, nbytes: int) -> int:
        # Flags first, as the other receives: ferromq.asyncio retries it that way.
        frame = _ferromq._Socket.recv(self, flags, False)
        size = len(frame)
        room = nbytes or len(view)
        taken = min(size, room)
        view[:taken] = memoryview(frame)[:taken]
        return size

    def send_pyobj(self, obj: Any, flags: int = 0, protocol: int = pickle.DEFAULT_PROTOCOL, **kwargs: Any) -> Any:
        """Sends a pickled object. Only unpickle data from peers you trust."""
        return self.send(pickle.dumps(obj, protocol), flags=flags, **kwargs)

    def recv_pyobj(self, flags: int = 0) -> Any:
        """Receives and unpickles an object. Only unpickle data from peers you trust."""
        return self._deserialize(self.recv(flags), pickle.loads)

    def send_json(self, obj: Any, flags: int = 0, **kwargs: Any) -> Any:
        """Sends ``obj`` as JSON (keyword arguments go to ``json.dumps``)."""
        send_kwargs = {k: kwargs.pop(k) for k in ("routing_id", "group", "copy", "track") if k in kwargs}
        msg = json.dumps(obj, **kwargs).encode("utf-8")
        return self.send(msg, flags=flags, **send_kwargs)

    def recv_json(self, flags: int = 0, **kwargs: Any) -> Any:
        """Receives a JSON message (keyword arguments go to ``json.loads``)."""
        return self._deserialize(self.recv(flags), lambda b: json.loads(b, **kwargs))

    def send_serialized(self, msg: Any, serialize: Callable[[Any], Sequence[Any]], flags: int = 0, copy: bool = True, **kwargs: Any) -> Any:
        """Sends ``serialize(msg)`` (a list of frames) as one multipart message."""
        return self.send_multipart(serialize(msg), flags=flags, copy=copy, **kwargs)

    def recv_serialized(self, deserialize: Callable[[list[Any]], Any], flags: int = 0, copy: bool = True) -> Any:
        """Receives a multipart message and returns ``deserialize(frames)``."""
        return self._deserialize(self.recv_multipart(flags, copy=copy), deserialize)

    def _deserialize(self, recvd: Any, load: Callable[[Any], Any]) -> Any:
        # A hook for ferromq.asyncio, whose recv returns a Future.
        return load(recvd)

    # ----- monitoring -----

    _monitor_socket: Any = None

    def monitor(self, addr: str | None, events: int = constants.EVENT_ALL) -> None:
        """Sends this socket's events (``zmq.EVENT_CONNECTED``…, a mask) to a PAIR socket
        bound at ``addr`` (``inproc://…``); ``addr=None`` stops monitoring. Decode them with
        ``ferromq.utils.monitor.recv_monitor_message``."""
        super().monitor(addr, events)

    def get_monitor_socket(self, events: int | None = None, addr: str | None = None) -> Socket:
        """Starts monitoring and returns a PAIR socket connected to the monitor endpoint."""
        if self._monitor_socket is not None and not self._monitor_socket.closed:
            return self._monitor_socket
        if addr is None:
            addr = f"inproc://monitor.s-{self.get(constants.FD)}"
        self.monitor(addr, constants.EVENT_ALL if events is None else events)
        self._monitor_socket = self.context.socket(constants.PAIR)
        self._monitor_socket.connect(addr)
        return self._monitor_socket

    def disable_monitor(self) -> None:
        """Stops monitoring (the monitor socket gets MONITOR_STOPPED if it asked for it)."""
        self._monitor_socket = None
        self.monitor(None, 0)

    # ----- lifetime -----

    def close(self, linger: int | None = None) -> None:
        """Closes the socket (setting LINGER first if given). Queued messages are still
        delivered within LINGER; ``Context.term()`` waits for that."""
        sockets = getattr(self.context, "_sockets", None)
        if sockets is not None:
            sockets.discard(self)
        super().close(linger)


def _class_has(cls: type, key: str) -> bool:
    for klass in cls.__mro__:
        if key in klass.__dict__ or key in getattr(klass, "__annotations__", {}):
            return True
    return False


def _writable_view(buffer: Any, nbytes: int) -> memoryview:
    """``buffer`` as a flat writable byte view, checked as pyzmq checks ``recv_into``'s
    arguments (BufferError for a read-only or strided buffer, ValueError for ``nbytes``)."""
    view = memoryview(buffer)
    if view.readonly:
        raise BufferError("memoryview: underlying buffer is not writable")
    if not view.c_contiguous:
        raise BufferError("memoryview: underlying buffer is not C-contiguous")
    view = view.cast("B")
    if nbytes < 0 or nbytes > len(view):
        raise ValueError(f"nbytes={nbytes} too big for memoryview of {len(view)}B")
    return view
