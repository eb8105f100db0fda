"""Steerable proxy devices (pyzmq's ``zmq.devices.proxysteerabledevice``): a Proxy with a
fourth, control socket taking PAUSE, RESUME, TERMINATE and STATISTICS
(``zmq.proxy_steerable``)."""

from __future__ import annotations

from typing import Any

from ..constants import PUB
from .proxydevice import ProcessProxy, Proxy, ThreadProxy

__all__ = ["ProxySteerable", "ThreadProxySteerable", "ProcessProxySteerable"]


class ProxySteerableBase:
    """The control socket's configuration (``bind_ctrl``, ``connect_ctrl``,
    ``setsockopt_ctrl``, ``bind_ctrl_to_random_port``) and the run loop."""

    _steps: list[tuple[str, Any, Any]]

    def __init__(self, in_type: int, out_type: int, mon_type: int = PUB, ctrl_type: int | None = None) -> None:
        super().__init__(in_type=in_type, out_type=out_type, mon_type=mon_type)  # type: ignore[call-arg]
        self.ctrl_type = ctrl_type

    def bind_ctrl(self, addr: str) -> None:
        """Queues ``ctrl_socket.bind(addr)`` for when the device starts."""
        self._steps.append(("bind_ctrl", addr, None))

    def bind_ctrl_to_random_port(self, addr: str, *args: int, **kwargs: int) -> int:
        port = self._reserve_random_port(addr, *args, **kwargs)  # type: ignore[attr-defined]
        self.bind_ctrl(f"{addr}:{port}")
        return port

    def connect_ctrl(self, addr: str) -> None:
        """Queues ``ctrl_socket.connect(addr)``."""
        self._steps.append(("connect_ctrl", addr, None))

    def setsockopt_ctrl(self, opt: int, value: Any) -> None:
        """Queues ``ctrl_socket.setsockopt(opt, value)``."""
        self._steps.append(("set_option_ctrl", opt, value))

    def _setup_sockets(self) -> tuple[Any, ...]:
        ins, outs, mons = super()._setup_sockets()  # type: ignore[misc]
        if self.ctrl_type is None:
            raise TypeError("ctrl_type must be specified for a steerable proxy (e.g. zmq.PAIR, zmq.REP, zmq.SUB)")
        ctrls = self._context.socket(self.ctrl_type)  # type: ignore[attr-defined]
        self._sockets.append(ctrls)  # type: ignore[attr-defined]
        self._configure(ctrls, "ctrl")  # type: ignore[attr-defined]
        return ins, outs, mons, ctrls

    def run_device(self) -> None:
        """Runs ``zmq.proxy_steerable(in, out, mon, ctrl)`` until TERMINATE arrives on the
        control socket, the context is terminated or the device is stopped."""
        from .. import proxy_steerable

        ins, outs, mons, ctrls = self._setup_sockets()
        proxy_steerable(ins, outs, mons, ctrls)


class ProxySteerable(ProxySteerableBase, Proxy):
    """A steerable proxy run in the calling thread: a Proxy whose control socket takes
    PAUSE (stop moving messages), RESUME, TERMINATE (end) and STATISTICS (eight 8-byte
    counters in reply). ``bind_ctrl``/``connect_ctrl``/``setsockopt_ctrl`` configure it."""


class ThreadProxySteerable(ProxySteerableBase, ThreadProxy):
    """A ProxySteerable in a background thread."""


class ProcessProxySteerable(ProxySteerableBase, ProcessProxy):
    """A ProxySteerable in a child process."""
