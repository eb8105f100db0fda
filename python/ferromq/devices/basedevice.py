"""Devices run in the background: pyzmq's ``zmq.devices.basedevice``.

``Device(device_type, in_type, out_type)`` takes socket *types*; the sockets are made where
the device runs (by the core's ThreadDevice), configured with ``bind_in``/``connect_out``/
``setsockopt_out``… recorded beforehand::

    dev = ThreadDevice(zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    dev.bind_in("tcp://*:5559")
    dev.bind_out("tcp://*:5560")
    dev.start()
"""

from __future__ import annotations

import multiprocessing
from typing import Any, Callable

from .. import _ferromq
from ..constants import PUSH, QUEUE
from ..context import Context
from ..error import ZMQBindError, ZMQError
from ..socket import Socket

__all__ = ["Device", "BackgroundDevice", "ThreadDevice", "ProcessDevice"]


class Device:
    """A device (QUEUE, FORWARDER or STREAMER) between a socket of ``in_type`` (the
    frontend) and one of ``out_type`` (the backend). ``start()`` runs it in the calling
    thread until its context is terminated; ThreadDevice and ProcessDevice run it in the
    background."""

    #: Makes the device's context (shared instance for in-process devices).
    context_factory: Callable[[], Context] = Context.instance

    def __init__(self, device_type: int = QUEUE, in_type: int | None = None, out_type: int | None = None) -> None:
        if in_type is None:
            raise TypeError("in_type must be specified")
        if out_type is None:
            raise TypeError("out_type must be specified")
        if out_type < 0:
            raise NotImplementedError("a device with a single socket (out_type < 0) is not supported")
        self.device_type = device_type
        self.in_type = in_type
        self.out_type = out_type
        self.daemon = True
        self.done = False
        self._steps: list[tuple[str, Any, Any]] = []
        self._random_addrs: list[str] = []
        self._core: Any = None

    # ----- configuration, replayed where the device runs -----

    def bind_in(self, addr: str) -> None:
        self._steps.append(("bind_in", addr, None))

    def connect_in(self, addr: str) -> None:
        self._steps.append(("connect_in", addr, None))

    def setsockopt_in(self, opt: int, value: Any) -> None:
        self._steps.append(("set_option_in", opt, value))

    def bind_out(self, addr: str) -> None:
        self._steps.append(("bind_out", addr, None))

    def connect_out(self, addr: str) -> None:
        self._steps.append(("connect_out", addr, None))

    def setsockopt_out(self, opt: int, value: Any) -> None:
        self._steps.append(("set_option_out", opt, value))

    def bind_in_to_random_port(self, addr: str, *args: int, **kwargs: int) -> int:
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_in(f"{addr}:{port}")
        return port

    def bind_out_to_random_port(self, addr: str, *args: int, **kwargs: int) -> int:
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_out(f"{addr}:{port}")
        return port

    def _reserve_random_port(self, addr: str, *args: int, **kwargs: int) -> int:
        with Context() as ctx, ctx.socket(PUSH) as binder:
            for _ in range(5):
                port = binder.bind_to_random_port(addr, *args, **kwargs)
                if f"{addr}:{port}" not in self._random_addrs:
                    break
            else:
                raise ZMQBindError("Could not reserve random port.")
            binder.close(linger=0)
        self._random_addrs.append(f"{addr}:{port}")
        return port

    # ----- running -----

    def _start_core(self) -> None:
        """Makes the sockets, configures them (errors are raised here) and starts the proxy
        on a core thread."""
        self._context = self.context_factory()
        core = _ferromq._ThreadDevice(self._context, self.device_type, self.in_type, self.out_type)
        for step, a, b in self._steps:
            if step.startswith("set_option"):
                try:
                    getattr(core, step)(a, b)
                except ZMQError as e:
                    raise Socket._unsupported(a, e) from None
            else:
                getattr(core, step)(a)
        core.start()
        self._core = core

    def run(self) -> None:
        """Runs the device in the calling thread until its context is terminated."""
        try:
            self._start_core()
            self._core.join()
        finally:
            self.done = True

    def start(self) -> None:
        """Runs the device (in the calling thread for a plain Device)."""
        self.run()

    def join(self, timeout: float | None = None) -> None:
        """Waits for the device to end (at most ``timeout`` seconds)."""
        if self._core is not None:
            if self._core.join(timeout):
                self.done = True

    @property
    def endpoints_in(self) -> list[str]:
        """The frontend's endpoints once started (wildcard ports resolved)."""
        return self._core.endpoints_in if self._core is not None else []

    @property
    def endpoints_out(self) -> list[str]:
        return self._core.endpoints_out if self._core is not None else []


class BackgroundDevice(Device):
    """A device run in the background."""


class ThreadDevice(BackgroundDevice):
    """A device on a background thread (the core's ThreadDevice: the proxy runs without the
    GIL). ``start()`` raises at once if a bind, connect or option fails. The device runs
    until its context is terminated; ``stop()`` ends it earlier."""

    def start(self) -> None:
        self._start_core()

    def stop(self) -> None:
        """Ends the device promptly."""
        if self._core is not None:
            self._core.stop()
            self.done = True


def _run_in_process(device: Device) -> None:
    device.run()


class ProcessDevice(BackgroundDevice):
    """A device in a child process (with its own context)."""

    context_factory = Context
    launcher: Any = None

    def start(self) -> None:
        self.launcher = multiprocessing.Process(target=_run_in_process, args=(self,), daemon=self.daemon)
        self.launcher.start()

    def join(self, timeout: float | None = None) -> None:
        if self.launcher is not None:
            self.launcher.join(timeout)
            self.done = not self.launcher.is_alive()

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["launcher"] = None
        state["_core"] = None
        state.pop("_context", None)
        return state
