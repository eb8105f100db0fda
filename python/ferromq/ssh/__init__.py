"""SSH tunnels for connections (pyzmq's ``zmq.ssh``): see ``tunnel``."""

from . import tunnel
from .tunnel import *  # noqa: F401,F403  (the functions of tunnel.__all__)

__all__ = list(tunnel.__all__)
