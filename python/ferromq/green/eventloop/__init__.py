"""``zmq.green.eventloop``: the tornado integration for green code (tornado's IOLoop and
``ZMQStream``; see ``ferromq.eventloop``)."""

from ...eventloop import IOLoop

__all__ = ["IOLoop"]
