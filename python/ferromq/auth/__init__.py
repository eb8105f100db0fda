"""ZAP authentication (RFC 27), as pyzmq's ``zmq.auth``: an authenticator that lets a
context's servers admit or refuse peers by address, PLAIN clients by username and
password, and CURVE clients by public key.

The authenticator runs in the FerroMQ core, on a thread of its own, whichever class is
used: :class:`~ferromq.auth.thread.ThreadAuthenticator`,
:class:`~ferromq.auth.asyncio.AsyncioAuthenticator` or the base :class:`Authenticator`.
"""

from .base import CURVE_ALLOW_ANY, Authenticator
from .certs import create_certificates, load_certificate, load_certificates

__all__ = [
    "Authenticator",
    "CURVE_ALLOW_ANY",
    "create_certificates",
    "load_certificate",
    "load_certificates",
]
