"""tornado integration (pyzmq's ``zmq.eventloop``): ``ioloop`` (tornado's IOLoop) and
``zmqstream.ZMQStream``, callbacks on a socket's messages run by the IOLoop.

Needs tornado (``pip install tornado``). For coroutines, ``ferromq.asyncio`` works under
tornado too (tornado ≥ 5 runs on asyncio).
"""

from tornado.ioloop import IOLoop

__all__ = ["IOLoop"]
