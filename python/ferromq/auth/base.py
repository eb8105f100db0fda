"""The authenticator: pyzmq's ``zmq.auth.Authenticator`` API on the core's ZAP handler."""

from __future__ import annotations

import logging
import os
from typing import Any

from .. import _ferromq
from ..context import Context

#: pyzmq's marker for "any CURVE client", for :meth:`Authenticator.configure_curve`.
CURVE_ALLOW_ANY = "*"


class Authenticator:
    """Answers the ZAP requests of ``context``'s servers once :meth:`start` is called.

    * :meth:`allow`: only these addresses get in (the other checks still apply);
      :meth:`deny`: these addresses are kept out (ignored while an allow list exists).
    * NULL: every address that is not kept out gets in, as user ``anonymous``.
    * PLAIN: :meth:`configure_plain` names the users and passwords of a ZAP domain
      (``"*"``: servers with no domain); the user id is the username.
    """

    def __init__(self, context: Context | None = None, encoding: str = "utf-8", log: Any = None):
        self.context = context or Context.instance()
        self.encoding = encoding
        self.log = log or logging.getLogger("zmq.auth")
        self.allow_any = False
        self.passwords: dict[str, dict[str, str]] = {}
        self._core = _ferromq._Authenticator(self.context)

    def start(self) -> None:
        """Binds ``inproc://zeromq.zap.01`` and starts answering (ZMQError EADDRINUSE if
        another handler is bound in this context)."""
        self._core.start()

    def stop(self) -> None:
        """Stops answering and frees ``inproc://zeromq.zap.01``."""
        self._core.stop()

    def allow(self, *addresses: str) -> None:
        """Lets in only these IP addresses (added to those allowed before)."""
        self._core.allow([self._text(a) for a in addresses])

    def deny(self, *addresses: str) -> None:
        """Keeps these IP addresses out."""
        self._core.deny([self._text(a) for a in addresses])

    def configure_plain(self, domain: str = "*", passwords: dict[str, str] | None = None) -> None:
        """The PLAIN users of ``domain``: ``{username: password}``. Replaces what was
        configured for that domain before."""
        domain = self._text(domain)
        users = {self._text(u): self._text(p) for u, p in (passwords or {}).items()}
        self.passwords[domain] = users
        self._core.configure_plain(domain, users)

    def configure_curve(self, domain: str = "*", location: Any = "") -> None:
        """The CURVE clients of ``domain``: those whose public certificates (``*.key``, as
        :func:`create_certificates` writes them) are in the directory ``location``, or any
        client with ``location=CURVE_ALLOW_ANY``."""
        domain = self._text(domain)
        if location == CURVE_ALLOW_ANY:
            self.allow_any = True
            self._core.allow_any_curve()
            return
        self._core.configure_curve(domain, os.fspath(location))

    def configure_curve_callback(self, domain: str = "*", credentials_provider: Any = None) -> None:
        raise NotImplementedError(
            "a CURVE credentials callback would run Python per connection; FerroMQ's "
            "authenticator checks keys in the core: use configure_curve with a certificate "
            "directory"
        )

    def configure_gssapi(self, domain: str = "*", location: Any = None) -> None:
        raise NotImplementedError("GSSAPI is not supported (libzmq builds rarely have it either)")

    def _text(self, value: str | bytes) -> str:
        if isinstance(value, bytes):
            return value.decode(self.encoding)
        if not isinstance(value, str):
            raise TypeError(f"expected str or bytes, not {type(value).__name__}")
        return value

    def __enter__(self) -> Authenticator:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
