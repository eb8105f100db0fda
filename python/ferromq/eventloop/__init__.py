"""tornado integration (pyzmq's ``zmq.eventloop``): ``ioloop`` (tornado's IOLoop),
``zmqstream.ZMQStream`` (callbacks on a socket's messages run by the IOLoop) and ``future``
(sockets whose calls return tornado Futures).

Needs tornado (``pip install tornado``) 5 or later, which runs on asyncio.
"""

from tornado.ioloop import IOLoop

__all__ = ["IOLoop"]
