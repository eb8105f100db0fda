from ...eventloop.ioloop import *  # noqa: F401,F403
from ...eventloop.ioloop import IOLoop, ZMQIOLoop, install  # noqa: F401
