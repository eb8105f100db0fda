"""Proxy devices (pyzmq's ``zmq.devices.proxydevice``): a QUEUE-like device with a third,
monitor socket that gets a copy of every message (``zmq.proxy``'s capture socket)."""

from __future__ import annotations

from typing import Any

from ..constants import PUB
from ..socket import Socket
from .basedevice import Device, ProcessDevice, ThreadDevice

__all__ = ["Proxy", "ThreadProxy", "ProcessProxy"]


class ProxyBase:
    """The monitor socket's configuration (``bind_mon``, ``connect_mon``,
    ``setsockopt_mon``, ``bind_mon_to_random_port``) and the run loop, mixed into a
    Device, ThreadDevice or ProcessDevice."""

    # Set by the Device half of the class.
    _steps: list[tuple[str, Any, Any]]
    _sockets: list[Socket]

    def __init__(self, in_type: int, out_type: int, mon_type: int = PUB) -> None:
        Device.__init__(self, in_type=in_type, out_type=out_type)  # type: ignore[arg-type]
        self.mon_type = mon_type

    def bind_mon(self, addr: str) -> None:
        """Queues ``mon_socket.bind(addr)`` for when the device starts."""
        self._steps.append(("bind_mon", addr, None))

    def bind_mon_to_random_port(self, addr: str, *args: int, **kwargs: int) -> int:
        """Reserves a random port on ``addr`` for the monitor socket to bind; returns it."""
        port = self._reserve_random_port(addr, *args, **kwargs)  # type: ignore[attr-defined]
        self.bind_mon(f"{addr}:{port}")
        return port

    def connect_mon(self, addr: str) -> None:
        """Queues ``mon_socket.connect(addr)``."""
        self._steps.append(("connect_mon", addr, None))

    def setsockopt_mon(self, opt: int, value: Any) -> None:
        """Queues ``mon_socket.setsockopt(opt, value)``."""
        self._steps.append(("set_option_mon", opt, value))

    def _setup_sockets(self) -> tuple[Any, ...]:
        ins, outs = Device._setup_sockets(self)  # type: ignore[arg-type]
        mons = self._context.socket(self.mon_type)  # type: ignore[attr-defined]
        self._sockets.append(mons)
        self._configure(mons, "mon")  # type: ignore[attr-defined]
        return ins, outs, mons

    def run_device(self) -> None:
        """Runs ``zmq.proxy(in, out, mon)`` (without the GIL) until the context is
        terminated or the device is stopped."""
        from .. import proxy

        ins, outs, mons = self._setup_sockets()
        proxy(ins, outs, mons)


class Proxy(ProxyBase, Device):
    """A proxy run in the calling thread by ``start()``: a QUEUE between the in and out
    sockets that also sends every message to the monitor socket (PUB by default).

    ``bind_mon``/``connect_mon``/``setsockopt_mon`` configure the monitor socket like the
    ``_in``/``_out`` methods do the others."""


class ThreadProxy(ProxyBase, ThreadDevice):
    """A Proxy in a background thread (``start()`` makes and binds its sockets first, so
    errors are raised there; ``stop()`` ends it)."""


class ProcessProxy(ProxyBase, ProcessDevice):
    """A Proxy in a child process."""
