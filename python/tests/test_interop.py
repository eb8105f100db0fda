"""Interop with pyzmq (the real libzmq) in both directions, over tcp and ipc."""

from __future__ import annotations

import os
import tempfile
import threading
import time

import pytest
import zmq as pyzmq  # PyPI pyzmq, bundling libzmq

import ferromq as zmq

TIMEOUT = 5000


@pytest.fixture(params=["tcp", "ipc"])
def transport(request, tmp_path):
    if request.param == "ipc":
        # Short path: sun_path is limited to 107 bytes.
        d = tempfile.mkdtemp(prefix="fmq")
        yield lambda name: f"ipc://{d}/{name}"
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
        os.rmdir(d)
    else:
        yield lambda name: "tcp://127.0.0.1:*"


def bind(sock, addr):
    sock.bind(addr)
    ep = sock.getsockopt(pyzmq.LAST_ENDPOINT)
    return ep.decode() if isinstance(ep, bytes) else ep


def timeouts(*socks):
    for s in socks:
        s.setsockopt(zmq.RCVTIMEO, TIMEOUT)
        s.setsockopt(zmq.SNDTIMEO, TIMEOUT)
        s.setsockopt(zmq.LINGER, 0)


# (server library, client library): each pattern runs with ferromq on either side.
SIDES = [("ferromq", "pyzmq"), ("pyzmq", "ferromq")]


@pytest.fixture(params=SIDES, ids=["ferromq-binds", "pyzmq-binds"])
def sides(request, ctx, zctx):
    libs = {"ferromq": (zmq, ctx), "pyzmq": (pyzmq, zctx)}
    server, client = request.param
    return libs[server], libs[client]


def make(side, kind):
    lib, c = side
    return c.socket(getattr(lib, kind))


def test_req_rep(sides, transport):
    server_side, client_side = sides
    rep = make(server_side, "REP")
    req = make(client_side, "REQ")
    timeouts(rep, req)
    req.connect(bind(rep, transport("reqrep")))
    for i in range(20):
        req.send(b"Hello %d" % i)
        assert rep.recv() == b"Hello %d" % i
        rep.send_multipart([b"World", b"%d" % i])
        assert req.recv_multipart() == [b"World", b"%d" % i]


def test_push_pull(sides, transport):
    server_side, client_side = sides
    pull = make(server_side, "PULL")
    push = make(client_side, "PUSH")
    timeouts(pull, push)
    push.connect(bind(pull, transport("pipeline")))
    n = 20_000  # more than the HWMs and socket buffers hold: the reader runs alongside
    got = []
    reader = threading.Thread(target=lambda: got.extend(pull.recv() for _ in range(n)))
    reader.start()
    for i in range(n):
        push.send(b"%d" % i)
    reader.join(30)
    assert got == [b"%d" % i for i in range(n)]


def test_pub_sub(sides, transport):
    server_side, client_side = sides
    pub = make(server_side, "PUB")
    sub = make(client_side, "SUB")
    timeouts(pub, sub)
    sub.setsockopt(zmq.SUBSCRIBE, b"A")
    sub.connect(bind(pub, transport("pubsub")))
    deadline = time.monotonic() + 5
    while not sub.poll(50):
        pub.send(b"A warmup")
        assert time.monotonic() < deadline, "subscription never arrived"
    while sub.poll(50):
        sub.recv()
    pub.send(b"B skipped")
    pub.send_multipart([b"A topic", b"body"])
    assert sub.recv_multipart() == [b"A topic", b"body"]


def test_dealer_router(sides, transport):
    server_side, client_side = sides
    router = make(server_side, "ROUTER")
    dealer = make(client_side, "DEALER")
    timeouts(router, dealer)
    dealer.setsockopt(zmq.IDENTITY, b"peer-1")
    dealer.connect(bind(router, transport("router")))
    dealer.send_multipart([b"", b"request"])
    assert router.recv_multipart() == [b"peer-1", b"", b"request"]
    router.send_multipart([b"peer-1", b"", b"reply"])
    assert dealer.recv_multipart() == [b"", b"reply"]


def test_pair_large_messages(sides, transport):
    server_side, client_side = sides
    a = make(server_side, "PAIR")
    b = make(client_side, "PAIR")
    timeouts(a, b)
    b.connect(bind(a, transport("pair")))
    big = os.urandom(1 << 20)
    a.send(big)
    assert b.recv() == big
    b.send_multipart([big[:100_000], b"", big[:300]])
    assert a.recv_multipart() == [big[:100_000], b"", big[:300]]


def test_xpub_xsub(sides, transport):
    server_side, client_side = sides
    xpub = make(server_side, "XPUB")
    xsub = make(client_side, "XSUB")
    timeouts(xpub, xsub)
    xsub.connect(bind(xpub, transport("xpub")))
    xsub.send(b"\x01news")
    assert xpub.recv() == b"\x01news"
    xpub.send(b"news flash")
    assert xsub.recv() == b"news flash"


def test_ferromq_device_between_pyzmq_peers(zctx, transport):
    dev = zmq.devices.ThreadDevice(zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    dev.context_factory = zmq.Context
    dev.bind_in(transport("front") if transport("x").startswith("ipc") else "tcp://127.0.0.1:*")
    dev.bind_out(transport("back") if transport("x").startswith("ipc") else "tcp://127.0.0.1:*")
    dev.start()
    try:
        front, back = dev.endpoints_in[0], dev.endpoints_out[0]
        req = zctx.socket(pyzmq.REQ)
        rep = zctx.socket(pyzmq.REP)
        timeouts(req, rep)
        rep.connect(back)
        req.connect(front)
        for i in range(10):
            req.send(b"q%d" % i)
            assert rep.recv() == b"q%d" % i
            rep.send(b"a%d" % i)
            assert req.recv() == b"a%d" % i
    finally:
        dev.stop()
        dev._context.destroy(linger=0)
