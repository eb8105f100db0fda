"""The Context class: pyzmq's API over the native context."""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, TypeVar
from weakref import WeakSet

from . import _ferromq, constants
from .constants import ContextOption, SocketOption
from .error import ZMQError
from .socket import Socket

__all__ = ["Context"]

_C = TypeVar("_C", bound="Context")

# libzmq's ZMQ_SOCKET_LIMIT on Linux.
_SOCKET_LIMIT = 65535


class Context(_ferromq._Context):
    """A ØMQ context: ``Context()``, ``Context(io_threads=2)`` or ``Context.instance()``.

    It owns the I/O threads. ``term()`` makes blocking calls on its sockets raise
    ContextTerminated and waits for closed sockets to deliver their queued messages (LINGER);
    ``destroy()`` closes the sockets first. It is also a context manager (``destroy()`` on
    exit).
    """

    _socket_class: type[Socket] = Socket
    _instance: Any = None
    _instance_lock = threading.Lock()
    _instance_pid: int | None = None
    _repr_cls = "ferromq.Context"

    sockopts: dict[int, Any]
    _sockets: WeakSet

    def __init__(self, io_threads: Any = 1, shadow: Any = 0, **kwargs: Any) -> None:
        # The native __new__ made the context, or the shadow (``Context(shadow=other)``,
        # ``Context(other)``).
        self.sockopts = {}
        self._sockets = WeakSet()
        # IO_THREADS as asked for (the native context runs at least one thread).
        self._io_threads_set = int(io_threads) if isinstance(io_threads, (int, float)) and not shadow else None

    def __copy__(self: _C, memo: Any = None) -> _C:
        """A copy is a shadow: a second object over the same native context (as pyzmq)."""
        return self.__class__.shadow(self.underlying)

    __deepcopy__ = __copy__

    @classmethod
    def shadow(cls: type[_C], address: Any) -> _C:
        """A new context object of this class over the native context ``address`` names: a
        ferromq context, or its ``underlying`` handle (an int). Sockets made by either
        belong to the same context; ``term()`` on either terminates it. Default socket
        options (``ctx.linger = 0``) are per object."""
        return cls(shadow=address)

    @classmethod
    def instance(cls: type[_C], io_threads: int = 1) -> _C:
        """The process-wide shared context of this class (made on first use, and again
        after it was terminated or after a fork)."""
        inst = cls.__dict__.get("_instance")
        if inst is None or inst.closed or cls._instance_pid != os.getpid():
            with cls._instance_lock:
                inst = cls.__dict__.get("_instance")
                if inst is None or inst.closed or cls._instance_pid != os.getpid():
                    inst = cls(io_threads=io_threads)
                    cls._instance = inst
                    cls._instance_pid = os.getpid()
        return inst

    def __repr__(self) -> str:
        n = len(self._sockets) if getattr(self, "_sockets", None) is not None else 0
        sockets = f"{n} socket{'s' if n != 1 else ''}" if n else ""
        closed = " closed" if self.closed else ""
        return f"<{self._repr_cls}({sockets}) at {hex(id(self))}{closed}>"

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *args: Any) -> None:
        self.destroy()

    def socket(
        self,
        socket_type: int,
        socket_class: Callable[..., Socket] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Makes a socket of ``socket_type`` (``zmq.REQ``…)."""
        if self.closed:
            raise ZMQError(constants.ETERM, "the context was terminated")
        cls = socket_class if socket_class is not None else self._socket_class
        sock = cls(self, socket_type, **kwargs)
        for opt, value in self.sockopts.items():
            try:
                sock.setsockopt(opt, value)
            except ZMQError:
                # Defaults that don't apply to this socket type (SUBSCRIBE on a PUB…).
                pass
        self._sockets.add(sock)
        return sock

    def term(self) -> None:
        """libzmq's ``zmq_ctx_term``: blocking calls on the context's sockets raise
        ContextTerminated; then waits until every socket is closed and has delivered what
        its LINGER allows (forever with an open socket, as in libzmq: close sockets first,
        or use ``destroy()``). Ctrl-C interrupts the wait."""
        super().term()

    def destroy(self, linger: int | None = None) -> None:
        """Closes every socket of the context (with ``linger`` as LINGER, if given), then
        ``term()``."""
        super().destroy(linger)
        sockets = getattr(self, "_sockets", None)
        if sockets is not None:
            sockets.clear()

    # ----- options -----

    def set(self, option: int, optval: int) -> None:
        """Context options, as libzmq's ``zmq_ctx_set``: MAX_SOCKETS limits the open sockets
        (EMFILE beyond; it must be set before the first socket); IO_THREADS is recorded,
        but the threads are fixed when the context is made (pass ``io_threads``)."""
        if option == ContextOption.MAX_SOCKETS:
            self._set_max_sockets(optval)
            return
        if option == ContextOption.IO_THREADS:
            if not isinstance(optval, int) or optval < 0:
                raise ZMQError(constants.EINVAL, f"IO_THREADS must be an int >= 0, got {optval!r}")
            self._io_threads_set = optval
            return
        if option == ContextOption.THREAD_NAME_PREFIX:
            return
        raise ZMQError(
            constants.EINVAL,
            f"context option {_name(ContextOption, option)} is not supported by ferromq",
        )

    def get(self, option: int) -> int:
        if option == ContextOption.IO_THREADS:
            return self._io_threads if getattr(self, "_io_threads_set", None) is None else self._io_threads_set
        if option == ContextOption.MAX_SOCKETS:
            return self._max_sockets
        if option == ContextOption.SOCKET_LIMIT:
            return _SOCKET_LIMIT
        raise ZMQError(
            constants.EINVAL,
            f"context option {_name(ContextOption, option)} is not supported by ferromq",
        )

    def setsockopt(self, opt: int, value: Any) -> None:
        """Sets a default option for sockets made later by this context."""
        self.sockopts[opt] = value

    def getsockopt(self, opt: int) -> Any:
        return self.sockopts[opt]

    def __setattr__(self, key: str, value: Any) -> None:
        if key.startswith("_") or key in self.__dict__ or _class_has(type(self), key):
            object.__setattr__(self, key, value)
            return
        upper = key.upper()
        if upper in ContextOption.__members__:
            self.set(ContextOption[upper], value)
        elif upper in SocketOption.__members__:
            self.sockopts[SocketOption[upper]] = value
        else:
            raise AttributeError(f"{type(self).__name__} has no such option: {upper}")

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        upper = key.upper()
        if upper in ContextOption.__members__:
            return self.get(ContextOption[upper])
        if upper in SocketOption.__members__ and SocketOption[upper] in self.sockopts:
            return self.sockopts[SocketOption[upper]]
        raise AttributeError(f"{type(self).__name__} has no such option: {upper}")

    def __delattr__(self, key: str) -> None:
        upper = key.upper()
        if not key.startswith("_") and upper in SocketOption.__members__:
            self.sockopts.pop(SocketOption[upper], None)
            return
        object.__delattr__(self, key)


def _name(enum: Any, value: int) -> str:
    try:
        return f"{enum(value).name} ({int(value)})"
    except ValueError:
        return str(value)


def _class_has(cls: type, key: str) -> bool:
    for klass in cls.__mro__:
        if key in klass.__dict__ or key in getattr(klass, "__annotations__", {}):
            return True
    return False
