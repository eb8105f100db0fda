"""ferromq.green: gevent-cooperative sockets (pyzmq's zmq.green)."""

from __future__ import annotations

import os
import threading
import time

import pytest

gevent = pytest.importorskip("gevent")

import ferromq  # noqa: E402
import ferromq.green as zmq  # noqa: E402
from conftest import endpoint  # noqa: E402


@pytest.fixture
def gctx():
    c = zmq.Context()
    yield c
    c.destroy(linger=0)


def ticker(ticks, stop):
    """A greenlet that only runs if nobody blocks the hub."""
    while not stop:
        ticks.append(time.monotonic())
        gevent.sleep(0.01)


def test_module_surface(gctx):
    assert zmq.REQ == ferromq.REQ and zmq.ZMQError is ferromq.ZMQError
    assert zmq.Context is not ferromq.Context and issubclass(zmq.Context, ferromq.Context)
    s = gctx.socket(zmq.PAIR)
    assert isinstance(s, zmq.Socket) and isinstance(s, ferromq.Socket)
    assert "ferromq.green.Socket" in repr(s)
    assert isinstance(zmq.Context.instance(), zmq.Context)
    assert set(ferromq.__all__) <= set(zmq.__all__)


def test_recv_yields_to_other_greenlets(gctx):
    pull, push = gctx.socket(zmq.PULL), gctx.socket(zmq.PUSH)
    push.connect(endpoint(pull))
    ticks, stop = [], []
    got = []

    def receiver():
        got.append(pull.recv())  # would block the thread without ferromq.green
        got.append(pull.recv_multipart())

    def sender():
        gevent.sleep(0.15)
        push.send(b"late")
        gevent.sleep(0.05)
        push.send_multipart([b"a", b"b"])

    t = gevent.spawn(ticker, ticks, stop)
    gevent.joinall([gevent.spawn(receiver), gevent.spawn(sender)], timeout=5, raise_error=True)
    stop.append(True)
    t.join()
    assert got == [b"late", [b"a", b"b"]]
    assert len(ticks) >= 8  # the hub kept running while the receiver waited


def test_req_rep_in_one_thread(gctx):
    rep, req = gctx.socket(zmq.REP), gctx.socket(zmq.REQ)
    req.connect(endpoint(rep))

    def server():
        for _ in range(50):
            rep.send_string(rep.recv_string().upper())

    def client():
        return [req.send_string(f"hi {i}") or req.recv_string() for i in range(50)]

    srv, cli = gevent.spawn(server), gevent.spawn(client)
    gevent.joinall([srv, cli], timeout=5, raise_error=True)
    assert cli.value == [f"HI {i}" for i in range(50)]


def test_timeouts_and_noblock(gctx):
    pull = gctx.socket(zmq.PULL)
    endpoint(pull)
    with pytest.raises(zmq.Again):
        pull.recv(zmq.NOBLOCK)
    pull.rcvtimeo = 150
    ticks, stop = [], []
    t = gevent.spawn(ticker, ticks, stop)
    start = time.monotonic()
    with pytest.raises(zmq.Again):
        pull.recv()
    elapsed = time.monotonic() - start
    stop.append(True)
    t.join()
    assert 0.12 < elapsed < 2 and len(ticks) >= 5


def test_send_waits_for_a_peer(gctx):
    push = gctx.socket(zmq.PUSH)
    push.bind("inproc://green-late-peer")
    pull = gctx.socket(zmq.PULL)

    def late_peer():
        gevent.sleep(0.1)
        pull.connect("inproc://green-late-peer")
        return pull.recv()

    peer = gevent.spawn(late_peer)
    push.send(b"waited")  # no peer yet: PUSH blocks, cooperatively
    assert peer.get(timeout=5) == b"waited"


def test_two_greenlets_receive_from_one_socket(gctx):
    pull, push = gctx.socket(zmq.PULL), gctx.socket(zmq.PUSH)
    push.connect(endpoint(pull))
    receivers = [gevent.spawn(lambda: [pull.recv() for _ in range(50)]) for _ in range(2)]
    gevent.sleep(0.05)
    for i in range(100):
        push.send(b"%d" % i)
        if i % 10 == 0:
            gevent.sleep(0)
    gevent.joinall(receivers, timeout=5, raise_error=True)
    got = sorted(int(m) for r in receivers for m in r.value)
    assert got == list(range(100))


def test_close_wakes_a_waiting_greenlet(gctx):
    pull = gctx.socket(zmq.PULL)
    endpoint(pull)
    waiter = gevent.spawn(pull.recv)
    gevent.sleep(0.05)
    pull.close()
    with pytest.raises(zmq.ZMQError) as info:
        waiter.get(timeout=5)
    assert info.value.errno == zmq.ENOTSOCK


def test_poller_and_select(gctx):
    a, b = gctx.socket(zmq.PAIR), gctx.socket(zmq.PAIR)
    b.connect(endpoint(a))
    r, w = os.pipe()
    try:
        poller = zmq.Poller()
        poller.register(a, zmq.POLLIN)
        poller.register(r, zmq.POLLIN)
        ticks, stop = [], []
        t = gevent.spawn(ticker, ticks, stop)
        assert poller.poll(100) == []  # a cooperative timeout
        assert len(ticks) >= 3
        gevent.spawn_later(0.05, b.send, b"ping")
        assert dict(poller.poll(5000)) == {a: zmq.POLLIN}
        assert a.recv() == b"ping"
        gevent.spawn_later(0.05, os.write, w, b"!")
        assert dict(poller.poll(5000)) == {r: zmq.POLLIN}
        stop.append(True)
        t.join()
        assert a.poll(0) == 0 and b.poll(10, zmq.POLLOUT) == zmq.POLLOUT
        b.send(b"x")
        assert zmq.select([a], [], [], 5) == ([a], [], [])
    finally:
        os.close(r)
        os.close(w)


def test_green_proxy(gctx):
    front, back = gctx.socket(zmq.PULL), gctx.socket(zmq.PUSH)
    capture = gctx.socket(zmq.PUSH)
    tap = gctx.socket(zmq.PULL)
    capture.connect(endpoint(tap))
    fe, be = endpoint(front), endpoint(back)
    push, pull = gctx.socket(zmq.PUSH), gctx.socket(zmq.PULL)
    push.connect(fe)
    pull.connect(be)
    proxy = gevent.spawn(zmq.proxy, front, back, capture)
    for i in range(20):
        push.send(b"%d" % i)
    assert [pull.recv() for _ in range(20)] == [b"%d" % i for i in range(20)]
    assert tap.recv() == b"0"
    front.close()
    with pytest.raises(zmq.ZMQError):
        proxy.get(timeout=5)  # a closed socket ends it
    with pytest.raises(zmq.ZMQError) as info:
        zmq.device(99, back, pull)
    assert info.value.errno == zmq.EINVAL


def test_green_server_with_pyzmq_client(gctx):
    """Interop: a green REP serves a pyzmq REQ (libzmq) running in an OS thread, while
    other greenlets keep running."""
    import zmq as pyzmq

    rep = gctx.socket(zmq.REP)
    ep = endpoint(rep)
    replies = []

    def client():
        c = pyzmq.Context()
        req = c.socket(pyzmq.REQ)
        req.rcvtimeo = 5000
        req.connect(ep)
        for i in range(20):
            req.send(b"q%d" % i)
            replies.append(req.recv())
        req.close(linger=0)
        c.term()

    thread = threading.Thread(target=client)
    thread.start()
    ticks, stop = [], []
    t = gevent.spawn(ticker, ticks, stop)

    def server():
        for _ in range(20):
            rep.send(rep.recv() + b"!")

    gevent.spawn(server).get(timeout=10)
    stop.append(True)
    t.join()
    thread.join(5)
    assert replies == [b"q%d!" % i for i in range(20)]
    assert ticks
