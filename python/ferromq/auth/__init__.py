"""ZAP authentication (RFC 27), as pyzmq's ``zmq.auth``: an authenticator that lets a
context's servers admit or refuse peers by address and, for PLAIN, by username and
password.

The authenticator runs in the FerroMQ core, on a thread of its own, whichever class is
used: :class:`~ferromq.auth.thread.ThreadAuthenticator`,
:class:`~ferromq.auth.asyncio.AsyncioAuthenticator` or the base :class:`Authenticator`.
"""

from .base import CURVE_ALLOW_ANY, Authenticator

__all__ = ["Authenticator", "CURVE_ALLOW_ANY"]
