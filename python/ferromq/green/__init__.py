"""gevent support (pyzmq's ``zmq.green``)::

    import ferromq.green as zmq      # was: import zmq.green as zmq

Everything of ``ferromq``, with ``Context``, ``Socket``, ``Poller``, ``select``, ``device``
and ``proxy`` replaced by cooperative versions: a call that would block waits in the
gevent hub (on the socket's readiness descriptor, through a hub watcher) and lets other
greenlets run, instead of blocking the thread. Needs gevent (``pip install gevent``).
"""

from __future__ import annotations

import ferromq as _zmq
from ferromq import *  # noqa: F401,F403

from .core import Context, Socket
from .device import device, proxy
from .poll import Poller, select

__all__: list[str] = list(_zmq.__all__)
