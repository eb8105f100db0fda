"""Devices run in the background: pyzmq's ``zmq.devices.basedevice``.

``Device(device_type, in_type, out_type)`` takes socket *types*; the sockets are made where
the device runs, configured with ``bind_in``/``connect_out``/``setsockopt_out``… recorded
beforehand::

    dev = ThreadDevice(zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    dev.bind_in("tcp://*:5559")
    dev.bind_out("tcp://*:5560")
    dev.start()

A plain device runs on the core's ThreadDevice (a native thread, no GIL). Devices that
override ``run_device`` — the Proxy, ProxySteerable and MonitoredQueue families, or your
own subclasses, as in pyzmq — make their sockets with ``_setup_sockets()`` and run
``run_device()`` on a Python thread (or process); ``zmq.proxy`` releases the GIL there too.
"""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any, Callable

from .. import _ferromq
from ..constants import ENOTSOCK, ETERM, LAST_ENDPOINT, PUSH, QUEUE
from ..context import Context
from ..error import ZMQBindError, ZMQError
from ..socket import Socket

__all__ = ["Device", "BackgroundDevice", "ThreadDevice", "ProcessDevice"]


def _endpoint(sock: Socket) -> str:
    try:
        return sock.get(LAST_ENDPOINT).decode("utf-8", "replace")
    except ZMQError:
        return ""


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
        self.device_type = device_type
        self.in_type = in_type
        self.out_type = out_type
        self.daemon = True
        self.done = False
        self._steps: list[tuple[str, Any, Any]] = []
        self._random_addrs: list[str] = []
        self._core: Any = None
        #: Sockets made by ``_setup_sockets`` (Python-run devices), closed when it ends.
        self._sockets: list[Socket] = []
        self._endpoints: tuple[list[str], list[str]] = ([], [])

    # ----- configuration, replayed where the device runs -----

    def bind_in(self, addr: str) -> None:
        """Queues ``in_socket.bind(addr)`` for when the device starts."""
        self._steps.append(("bind_in", addr, None))

    def connect_in(self, addr: str) -> None:
        """Queues ``in_socket.connect(addr)``."""
        self._steps.append(("connect_in", addr, None))

    def setsockopt_in(self, opt: int, value: Any) -> None:
        """Queues ``in_socket.setsockopt(opt, value)`` (applied before binds and connects)."""
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

    # ----- Python-run devices (pyzmq's hooks) -----

    def _runs_natively(self) -> bool:
        """A plain device runs on the core's ThreadDevice; one whose class overrides
        ``run_device`` (Proxy, MonitoredQueue, user subclasses), or with a single socket
        (``out_type`` < 0), runs that in Python."""
        return type(self).run_device is Device.run_device and self.out_type >= 0

    def _configure(self, sock: Socket, side: str) -> None:
        """Applies the recorded options of ``side`` ("in", "out"…), then its binds and
        connects in the order they were given (the core's ThreadDevice does the same)."""
        for step, a, b in self._steps:
            if step == f"set_option_{side}":
                sock.setsockopt(a, b)
        endpoints = self._endpoints[0 if side == "in" else 1] if side in ("in", "out") else None
        for step, a, _ in self._steps:
            if step == f"bind_{side}":
                sock.bind(a)
            elif step == f"connect_{side}":
                sock.connect(a)
            else:
                continue
            if endpoints is not None:
                endpoints.append(_endpoint(sock) if step.startswith("bind") else a)

    def _setup_sockets(self) -> tuple[Any, ...]:
        """Makes the frontend and backend sockets in ``context_factory()`` and configures
        them (pyzmq's hook; subclasses add their own sockets)."""
        ctx = self.context_factory()
        self._context = ctx
        ins = ctx.socket(self.in_type)
        self._sockets.append(ins)
        if self.out_type < 0:
            # A single-socket device: the frontend is the backend too (as pyzmq's).
            self._configure(ins, "in")
            return ins, ins
        outs = ctx.socket(self.out_type)
        self._sockets.append(outs)
        self._configure(ins, "in")
        self._configure(outs, "out")
        return ins, outs

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            if not sock.closed:
                sock.close()

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

    def run_device(self) -> None:
        """Runs the device in the calling thread until it ends (pyzmq's hook). The default
        is the core's device (a single-socket one proxies its socket to itself); subclasses
        override it to run their own loop on the sockets ``self._setup_sockets()`` returns."""
        if self.out_type < 0:
            ins, outs = self._setup_sockets()
            _ferromq.proxy(ins, outs)
            return
        self._start_core()
        self._core.join()

    def run(self) -> None:
        """Runs the device in the calling thread until its context is terminated (or its
        sockets are closed: ``stop()``)."""
        try:
            self.run_device()
        except ZMQError as e:
            if e.errno not in (ETERM, ENOTSOCK):
                raise
        finally:
            self.done = True
            self._close_sockets()

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
        if self._core is not None:
            return self._core.endpoints_in
        return list(self._endpoints[0])

    @property
    def endpoints_out(self) -> list[str]:
        if self._core is not None:
            return self._core.endpoints_out
        return list(self._endpoints[1])


class BackgroundDevice(Device):
    """A device run in the background."""


class ThreadDevice(BackgroundDevice):
    """A device on a background thread. ``start()`` raises at once if a bind, connect or
    option fails. The device runs until its context is terminated; ``stop()`` ends it
    earlier. A plain device runs on the core's ThreadDevice (without the GIL); a
    Python-run one (Proxy, MonitoredQueue…) on a Python thread, with its sockets made and
    configured by ``start()`` in the calling thread."""

    launcher: threading.Thread | None = None

    def start(self) -> None:
        if self._runs_natively():
            self._start_core()
            return
        try:
            ready = self._setup_sockets()
        except BaseException:
            self._close_sockets()
            raise
        # run_device() calls _setup_sockets() (pyzmq's shape): in the thread it gets the
        # sockets made here.
        self._setup_sockets = lambda: ready  # type: ignore[method-assign]
        self.launcher = threading.Thread(
            target=self.run, name=f"ferromq-{type(self).__name__}", daemon=self.daemon
        )
        self.launcher.start()

    def join(self, timeout: float | None = None) -> None:
        if self.launcher is not None:
            self.launcher.join(timeout)
            self.done = not self.launcher.is_alive()
        else:
            super().join(timeout)

    def stop(self) -> None:
        """Ends the device promptly (closes its sockets) and waits for it."""
        if self._core is not None:
            self._core.stop()
            self.done = True
        elif self.launcher is not None:
            self._close_sockets()
            self.launcher.join()
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
        state["_sockets"] = []
        state.pop("_context", None)
        state.pop("_setup_sockets", None)
        return state
