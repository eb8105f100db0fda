"""SSH tunnels for connections (pyzmq's ``zmq.ssh``): see ``tunnel``."""

from .tunnel import (
    open_tunnel,
    openssh_tunnel,
    paramiko_tunnel,
    select_random_ports,
    try_passwordless_ssh,
    tunnel_connection,
)

__all__ = [
    "open_tunnel",
    "openssh_tunnel",
    "paramiko_tunnel",
    "select_random_ports",
    "try_passwordless_ssh",
    "tunnel_connection",
]
