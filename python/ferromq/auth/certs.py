"""pyzmq's ``zmq.auth.certs``: CURVE certificates in czmq's zcert format, read and written
by the core (``<name>.key`` public, ``<name>.key_secret`` both keys)."""

from __future__ import annotations

import os
from typing import Any

from .. import _ferromq


def create_certificates(key_dir: Any, name: str, metadata: Any = None) -> tuple[str, str]:
    """Writes a new key pair in ``key_dir``; returns the public and secret files' paths."""
    if metadata:
        raise NotImplementedError("certificate metadata is not written by FerroMQ")
    public, secret = _ferromq.create_certificates(os.fspath(key_dir), name)
    return str(public), str(secret)


def load_certificate(filename: Any) -> tuple[bytes, bytes | None]:
    """(public key, secret key or None) of a certificate file, as Z85 bytes."""
    return _ferromq.load_certificate(os.fspath(filename))


def load_certificates(directory: Any = ".") -> dict[bytes, bool]:
    """The public keys of the ``*.key`` certificates in ``directory``."""
    keys = {}
    for name in os.listdir(directory):
        if name.endswith(".key"):
            try:
                public, _ = load_certificate(os.path.join(directory, name))
            except Exception:
                continue
            keys[public] = True
    return keys


__all__ = ["create_certificates", "load_certificate", "load_certificates"]
