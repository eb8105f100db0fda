"""socket.monitor / get_monitor_socket and ferromq.utils.monitor."""

from __future__ import annotations

import asyncio

import ferromq as zmq
import ferromq.asyncio as azmq
from ferromq.utils.monitor import parse_monitor_message, recv_monitor_message
from conftest import endpoint


def events_until(mon, wanted, timeout=5000):
    mon.rcvtimeo = timeout
    seen = []
    while wanted not in [e["event"] for e in seen]:
        seen.append(recv_monitor_message(mon))
    return seen


def test_monitor_connect_and_accept(ctx):
    server = ctx.socket(zmq.REP)
    server_mon = server.get_monitor_socket()
    ep = endpoint(server)
    client = ctx.socket(zmq.REQ)
    client_mon = client.get_monitor_socket(zmq.EVENT_CONNECTED | zmq.EVENT_HANDSHAKE_SUCCEEDED)
    client.connect(ep)
    seen = events_until(client_mon, zmq.EVENT_HANDSHAKE_SUCCEEDED)
    assert seen[0]["event"] == zmq.EVENT_CONNECTED
    assert seen[0]["endpoint"] == ep.encode()
    seen = events_until(server_mon, zmq.EVENT_ACCEPTED)
    assert zmq.EVENT_LISTENING in [e["event"] for e in seen]
    assert isinstance(seen[-1]["value"], int)  # the accepted fd
    client.close(linger=0)
    events_until(server_mon, zmq.EVENT_DISCONNECTED)
    server.disable_monitor()
    events_until(server_mon, zmq.EVENT_MONITOR_STOPPED)


def test_monitor_explicit_endpoint(ctx):
    s = ctx.socket(zmq.PULL)
    s.monitor("inproc://mon-pull", zmq.EVENT_LISTENING)
    mon = ctx.socket(zmq.PAIR)
    mon.connect("inproc://mon-pull")
    ep = endpoint(s)
    mon.rcvtimeo = 5000
    msg = mon.recv_multipart()
    event = parse_monitor_message(msg)
    assert event["event"] == zmq.EVENT_LISTENING and event["endpoint"] == ep.encode()
    s.monitor(None)


def test_bad_monitor_arguments(ctx):
    s = ctx.socket(zmq.PULL)
    try:
        s.monitor("tcp://127.0.0.1:5000")
    except zmq.ZMQError as e:
        assert e.errno == zmq.EPROTONOSUPPORT
    else:
        raise AssertionError("a tcp monitor endpoint was accepted")
    try:
        parse_monitor_message([b"abc"])
    except zmq.ZMQError as e:
        assert "2 frames" in str(e)
    else:
        raise AssertionError


def test_monitor_with_asyncio():
    async def main():
        ctx = azmq.Context()
        s = ctx.socket(zmq.PULL)
        mon = s.get_monitor_socket(zmq.EVENT_LISTENING)
        assert isinstance(mon, azmq.Socket)
        ep = endpoint(s)
        event = await asyncio.wait_for(recv_monitor_message(mon), 5)
        assert event["event"] == zmq.EVENT_LISTENING and event["endpoint"] == ep.encode()
        ctx.destroy(linger=0)

    asyncio.run(main())
