"""zmq.Poller / zmq.select / Socket.poll over sockets, fds and objects with fileno()."""

from __future__ import annotations

import os
import socket as pysocket
import time

import pytest

import ferromq as zmq
from conftest import endpoint


@pytest.fixture
def pair(ctx):
    a = ctx.socket(zmq.PAIR)
    b = ctx.socket(zmq.PAIR)
    b.connect(endpoint(a))
    return a, b


def test_poller_sockets(pair):
    a, b = pair
    poller = zmq.Poller()
    poller.register(a, zmq.POLLIN)
    poller.register(b)  # POLLIN | POLLOUT by default
    assert a in poller and len(poller.sockets) == 2
    start = time.monotonic()
    events = dict(poller.poll(2000))
    assert events == {b: zmq.POLLOUT}
    assert time.monotonic() - start < 1.5  # b was writable at once (or soon)
    poller.modify(b, zmq.POLLIN)
    assert poller.poll(50) == []
    b.send(b"x")
    assert dict(poller.poll(2000)) == {a: zmq.POLLIN}
    assert a.recv() == b"x"
    poller.unregister(b)
    assert b not in poller and poller.sockets == [(a, zmq.POLLIN)]
    poller.register(a, 0)  # flags 0 unregisters
    assert a not in poller
    with pytest.raises(KeyError):
        poller.unregister(a)


def test_poller_timeout(pair):
    a, _ = pair
    poller = zmq.Poller()
    poller.register(a, zmq.POLLIN)
    start = time.monotonic()
    assert poller.poll(100) == []
    assert 0.09 < time.monotonic() - start < 1.0
    assert poller.poll(0) == []


def test_poller_raw_fds_and_fileno_objects(pair):
    a, b = pair
    r, w = os.pipe()
    s1, s2 = pysocket.socketpair()
    try:
        poller = zmq.Poller()
        poller.register(a, zmq.POLLIN)
        poller.register(r, zmq.POLLIN)
        poller.register(s1, zmq.POLLIN)
        assert poller.poll(50) == []
        os.write(w, b"!")
        s2.send(b"?")
        events = dict(poller.poll(1000))
        # Objects with fileno() are reported by their descriptor, as pyzmq reports them.
        assert events == {r: zmq.POLLIN, s1.fileno(): zmq.POLLIN}
        b.send(b"m")
        os.read(r, 1)
        s1.recv(1)
        assert dict(poller.poll(1000)) == {a: zmq.POLLIN}
    finally:
        for fd in (r, w):
            os.close(fd)
        s1.close()
        s2.close()


def test_poller_wakes_when_message_arrives(ctx):
    pull = ctx.socket(zmq.PULL)
    ep = endpoint(pull)
    push = ctx.socket(zmq.PUSH)
    push.connect(ep)
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    import threading

    threading.Timer(0.2, push.send, (b"late",)).start()
    start = time.monotonic()
    assert dict(poller.poll(5000)) == {pull: zmq.POLLIN}
    assert time.monotonic() - start < 2
    assert pull.recv() == b"late"


def test_poll_rejects_other_objects():
    poller = zmq.Poller()
    poller.register(object(), zmq.POLLIN)
    with pytest.raises(TypeError, match="fileno"):
        poller.poll(0)


def test_poll_closed_socket(ctx):
    s = ctx.socket(zmq.PULL)
    poller = zmq.Poller()
    poller.register(s, zmq.POLLIN)
    s.close()
    with pytest.raises(zmq.ZMQError) as info:
        poller.poll(0)
    assert info.value.errno == zmq.ENOTSOCK


def test_select(pair):
    a, b = pair
    r, w, x = zmq.select([a], [b], [], 1)
    assert (r, w, x) == ([], [b], [])
    b.send(b"x")
    r, w, x = zmq.select([a], [], [], 1)
    assert r == [a]


def test_socket_poll(pair):
    a, b = pair
    assert a.poll(10) == 0
    assert b.poll(1000, zmq.POLLOUT) == zmq.POLLOUT
    b.send(b"x")
    assert a.poll(1000) == zmq.POLLIN
    assert a.poll(None, zmq.POLLIN | zmq.POLLOUT) & zmq.POLLIN


def test_socket_poll_with_zero_timeout_looks_once(ctx):
    """poll(0) checks without waiting (it used to return 0 without looking)."""
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    push.connect(endpoint(pull))
    assert pull.poll(0) == 0
    push.send(b"x")
    assert pull.poll(5000) == zmq.POLLIN
    assert pull.poll(0) == zmq.POLLIN
    assert push.poll(0, zmq.POLLOUT) == zmq.POLLOUT
