"""MonitoredQueue devices (pyzmq's ``zmq.devices.monitoredqueuedevice``): a Proxy whose
monitor socket gets each message prefixed with its direction (``monitored_queue``)."""

from __future__ import annotations

from ..constants import PUB
from .monitoredqueue import monitored_queue
from .proxydevice import ProcessProxy, Proxy, ProxyBase, ThreadProxy

__all__ = ["MonitoredQueue", "ThreadMonitoredQueue", "ProcessMonitoredQueue"]


class MonitoredQueueBase(ProxyBase):
    """The prefixes and the run loop."""

    _in_prefix = b""
    _out_prefix = b""

    def __init__(
        self, in_type: int, out_type: int, mon_type: int = PUB, in_prefix: bytes = b"in", out_prefix: bytes = b"out"
    ) -> None:
        ProxyBase.__init__(self, in_type=in_type, out_type=out_type, mon_type=mon_type)
        self._in_prefix = in_prefix
        self._out_prefix = out_prefix

    def run_device(self) -> None:
        """Runs ``monitored_queue(in, out, mon, in_prefix, out_prefix)``."""
        ins, outs, mons = self._setup_sockets()
        monitored_queue(ins, outs, mons, self._in_prefix, self._out_prefix)


class MonitoredQueue(MonitoredQueueBase, Proxy):
    """A queue run in the calling thread that copies every message to the monitor socket
    after a prefix frame: ``in_prefix`` for messages that arrived on the in socket,
    ``out_prefix`` for those from the out socket. Unlike ``zmq.proxy`` it supports ROUTER
    on both sides (the routing ids are swapped)."""


class ThreadMonitoredQueue(MonitoredQueueBase, ThreadProxy):
    """A MonitoredQueue in a background thread."""


class ProcessMonitoredQueue(MonitoredQueueBase, ProcessProxy):
    """A MonitoredQueue in a child process."""
