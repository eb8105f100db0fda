"""FerroMQ for Python: pyzmq's API on the FerroMQ core (a ØMQ implementation in Rust,
wire-compatible with libzmq).

``import ferromq as zmq`` and pyzmq code runs unchanged::

    import ferromq as zmq

    ctx = zmq.Context()
    rep = ctx.socket(zmq.REP)
    rep.bind("tcp://*:5555")
    while True:
        rep.send(rep.recv() + b" World")
"""

from __future__ import annotations

from . import _ferromq, constants, error
from .constants import *  # noqa: F401,F403  (pyzmq's names: zmq.REQ, zmq.SNDMORE, zmq.EAGAIN…)
from .context import Context
from .error import (
    Again,
    ContextTerminated,
    InterruptedSystemCall,
    NotDone,
    ZMQBaseError,
    ZMQBindError,
    ZMQError,
    ZMQVersionError,
    strerror,
)
from .poll import Poller, select
from .socket import Socket
from . import devices, utils  # noqa: E402  (zmq.devices.ThreadDevice…, zmq.utils.monitor)
from .utils import monitor as _monitor  # noqa: F401,E402

proxy = _ferromq.proxy
proxy_steerable = _ferromq.proxy_steerable
device = _ferromq.device
curve_keypair = _ferromq.curve_keypair
curve_public = _ferromq.curve_public

Frame = _ferromq.Frame
Message = Frame  # pyzmq's old name
MessageTracker = _ferromq.MessageTracker

__version__: str = _ferromq.__version__
#: The libzmq version whose behaviour and wire protocol (ZMTP 3.1) FerroMQ follows.
_ZMQ_VERSION = (4, 3, 5)
#: The pyzmq API level this package follows.
_PYZMQ_VERSION = "27.0.0"

#: Messages at least this large are sent without copying when they are ``bytes``.
COPY_THRESHOLD = 65536
DRAFT_API = False
PYZMQ_DRAFT_API = False
IPC_PATH_MAX_LEN = 107


def zmq_version() -> str:
    """The libzmq version FerroMQ is compatible with, as a string ("4.3.5")."""
    return "%i.%i.%i" % _ZMQ_VERSION


def zmq_version_info() -> tuple[int, int, int]:
    """The libzmq version FerroMQ is compatible with, as a tuple ((4, 3, 5))."""
    return _ZMQ_VERSION


def pyzmq_version() -> str:
    """The pyzmq API version this package follows."""
    return _PYZMQ_VERSION


def pyzmq_version_info() -> tuple[int, ...]:
    return tuple(int(p) for p in _PYZMQ_VERSION.split("."))


def ferromq_version() -> str:
    """This package's own version."""
    return __version__


def zmq_errno() -> int:
    """libzmq's last errno; FerroMQ reports errors through exceptions only."""
    return 0


_CAPABILITIES = {"ipc": True, "pgm": False, "tipc": False, "norm": False, "curve": True,
                 "gssapi": False, "draft": False}


def has(capability: str) -> bool:
    """Whether a libzmq capability ("ipc", "curve", "draft"…) is available."""
    return _CAPABILITIES.get(capability, False)


def get_includes() -> list[str]:
    """No C headers: FerroMQ is not linked against libzmq."""
    return []


def get_library_dirs() -> list[str]:
    return []


__all__ = [
    "Context",
    "Socket",
    "Frame",
    "Message",
    "MessageTracker",
    "Poller",
    "select",
    "proxy",
    "proxy_steerable",
    "device",
    "devices",
    "ZMQBaseError",
    "ZMQError",
    "ZMQBindError",
    "NotDone",
    "ContextTerminated",
    "Again",
    "InterruptedSystemCall",
    "ZMQVersionError",
    "strerror",
    "zmq_version",
    "zmq_version_info",
    "pyzmq_version",
    "pyzmq_version_info",
    "ferromq_version",
    "zmq_errno",
    "has",
    "COPY_THRESHOLD",
    "DRAFT_API",
    "PYZMQ_DRAFT_API",
    "IPC_PATH_MAX_LEN",
    "constants",
    "error",
] + constants.__all__

# pyzmq's ``zmq.backend`` is there once ``zmq`` is imported (it needs the names above).
from . import backend  # noqa: E402
