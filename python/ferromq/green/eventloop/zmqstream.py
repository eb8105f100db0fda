"""``ZMQStream`` for green code: ``ferromq.eventloop.zmqstream.ZMQStream``."""

from ...eventloop.zmqstream import ZMQStream

__all__ = ["ZMQStream"]
