"""ØMQ exceptions, with pyzmq's classes and attributes (``errno``, ``strerror``)."""

from __future__ import annotations

import errno as _errno
import os

from .constants import EAGAIN, ETERM, Errno

EINTR = _errno.EINTR

__all__ = [
    "ZMQBaseError",
    "ZMQError",
    "ZMQBindError",
    "NotDone",
    "ContextTerminated",
    "Again",
    "InterruptedSystemCall",
    "ZMQVersionError",
    "strerror",
]

# libzmq's own error numbers (above its HAUSNUMERO) and their zmq_strerror texts.
_ZMQ_STRERROR = {
    int(Errno.EFSM): "Operation cannot be accomplished in current state",
    int(Errno.ENOCOMPATPROTO): "The protocol is not compatible with the socket type",
    int(Errno.ETERM): "Context was terminated",
    int(Errno.EMTHREAD): "No thread available",
}


def strerror(errno: int) -> str:
    """The text libzmq's ``zmq_strerror`` gives for ``errno``."""
    if errno in _ZMQ_STRERROR:
        return _ZMQ_STRERROR[errno]
    return os.strerror(errno)


class ZMQBaseError(Exception):
    """Base class of every ØMQ error."""


class ZMQError(ZMQBaseError):
    """An errno-style error: ``.errno`` is libzmq's number (``zmq.EAGAIN``…) and
    ``.strerror`` says what was wrong."""

    errno: int | None = None
    strerror: str

    def __init__(self, errno: int | None = None, msg: str | None = None) -> None:
        if isinstance(errno, int):
            self.errno = errno
            self.strerror = msg if msg is not None else strerror(errno)
        else:
            self.errno = None
            self.strerror = msg if msg is not None else str(errno)
        super().__init__(self.errno, self.strerror)

    def __str__(self) -> str:
        return self.strerror

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({str(self)!r})"

    def __reduce__(self):  # picklable, like other exceptions
        return (self.__class__, (self.errno, self.strerror))


class ZMQBindError(ZMQBaseError):
    """``Socket.bind_to_random_port`` found no free port."""


class NotDone(ZMQBaseError):
    """``MessageTracker.wait`` timed out."""


class ContextTerminated(ZMQError):
    """ETERM: the context was terminated."""

    def __init__(self, errno: int | str = "ignored", msg: str | None = None) -> None:
        super().__init__(ETERM, msg if isinstance(msg, str) and msg != "ignored" else None)


class Again(ZMQError):
    """EAGAIN: the operation would block (NOBLOCK), or SNDTIMEO/RCVTIMEO expired."""

    def __init__(self, errno: int | str = "ignored", msg: str | None = None) -> None:
        super().__init__(EAGAIN, msg if isinstance(msg, str) and msg != "ignored" else None)


class InterruptedSystemCall(ZMQError, InterruptedError):  # type: ignore[misc]
    """EINTR."""

    def __init__(self, errno: int | str = "ignored", msg: str | None = None) -> None:
        super().__init__(EINTR, msg if isinstance(msg, str) and msg != "ignored" else None)


class ZMQVersionError(NotImplementedError):
    """A feature needs a newer libzmq than the one emulated."""

    def __init__(self, min_version: str, msg: str = "Feature") -> None:
        from . import zmq_version

        self.msg = msg
        self.min_version = min_version
        self.version = zmq_version()

    def __str__(self) -> str:
        return f"{self.msg} requires libzmq >= {self.min_version}, have {self.version}"


def _check_rc(rc: int, errno: int | None = None) -> None:
    """pyzmq's helper: raise the error class matching ``errno`` when ``rc == -1``."""
    if rc != -1:
        return
    if errno is None:
        errno = _errno.EINVAL
    if errno == EAGAIN:
        raise Again(errno)
    if errno == ETERM:
        raise ContextTerminated(errno)
    if errno == EINTR:
        raise InterruptedSystemCall(errno)
    raise ZMQError(errno)

