"""``zmq.eventloop.ioloop``: tornado's IOLoop, under pyzmq's old names.

pyzmq 17 and later need no special loop: ``IOLoop`` is tornado's own, ``ZMQIOLoop`` the
same class, and ``install()`` does nothing (both kept for old code).
"""

from __future__ import annotations

import warnings

from tornado.ioloop import IOLoop, PeriodicCallback  # noqa: F401

ZMQIOLoop = IOLoop

__all__ = ["IOLoop", "ZMQIOLoop", "PeriodicCallback", "install"]


def install() -> None:
    """Does nothing (pyzmq ≥ 17): tornado's IOLoop handles ferromq sockets as it is."""
    warnings.warn(
        "ferromq.eventloop.ioloop.install() is not needed: tornado's IOLoop runs ferromq sockets as it is",
        DeprecationWarning,
        stacklevel=2,
    )
