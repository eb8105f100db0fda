"""What the security tests share (test_auth.py, test_curve.py): FerroMQ and pyzmq (the real
libzmq) in every server/client pairing, and the monitor events of a handshake."""

from __future__ import annotations

import pytest
import zmq as pyzmq  # PyPI pyzmq, bundling libzmq
import zmq.utils.monitor  # noqa: F401

import ferromq
import ferromq.utils.monitor  # noqa: F401

HANDSHAKE_EVENTS = (
    pyzmq.EVENT_HANDSHAKE_SUCCEEDED
    | pyzmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
    | pyzmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
    | pyzmq.EVENT_HANDSHAKE_FAILED_AUTH
)

LIBS = {"ferromq": ferromq, "pyzmq": pyzmq}
PAIRS = [(s, c) for s in LIBS for c in LIBS]


@pytest.fixture(params=PAIRS, ids=[f"{s}-server-{c}-client" for s, c in PAIRS])
def peers(request, ctx, zctx):
    """((server library, its context), (client library, its context))."""
    contexts = {"ferromq": ctx, "pyzmq": zctx}
    server, client = request.param
    return (LIBS[server], contexts[server]), (LIBS[client], contexts[client])


def next_event(lib, monitor):
    """The next monitor event as (event, value)."""
    event = lib.utils.monitor.recv_monitor_message(monitor)
    return event["event"], event["value"]
