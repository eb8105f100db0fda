"""Every socket pattern, ferromq to ferromq over tcp."""

from __future__ import annotations

import errno
import time

import pytest

import ferromq as zmq
from conftest import endpoint

TIMEOUT = 5000  # ms: a lost message fails the test instead of hanging it


def pair_of(ctx, server_type, client_type):
    server = ctx.socket(server_type)
    client = ctx.socket(client_type)
    for s in (server, client):
        s.rcvtimeo = TIMEOUT
        s.sndtimeo = TIMEOUT
    client.connect(endpoint(server))
    return server, client


def test_req_rep(ctx):
    rep, req = pair_of(ctx, zmq.REP, zmq.REQ)
    for i in range(10):
        req.send(b"Hello %d" % i)
        assert rep.recv() == b"Hello %d" % i
        rep.send(b"World")
        assert req.recv() == b"World"


def test_req_rep_multipart(ctx):
    rep, req = pair_of(ctx, zmq.REP, zmq.REQ)
    req.send(b"a", zmq.SNDMORE)
    req.send(b"b")
    assert rep.recv() == b"a"
    assert rep.rcvmore == 1
    assert rep.recv() == b"b"
    assert rep.getsockopt(zmq.RCVMORE) == 0
    rep.send_multipart([b"x", b"", b"y"])
    assert req.recv_multipart() == [b"x", b"", b"y"]


def test_pub_sub_prefix_filter(ctx):
    pub, sub = pair_of(ctx, zmq.PUB, zmq.SUB)
    sub.subscribe(b"weather")
    sub.setsockopt(zmq.SUBSCRIBE, b"news")
    sub.subscribe("sport")  # str is encoded, as in pyzmq
    # Subscriptions travel to the publisher: publish until the first one arrives.
    deadline = time.monotonic() + 5
    while True:
        pub.send(b"weather sunny")
        if sub.poll(50):
            break
        assert time.monotonic() < deadline, "subscription never reached the publisher"
    while sub.poll(50):
        sub.recv()
    for topic in (b"weather rain", b"other", b"news today", b"sports x", b"weatherman"):
        pub.send(topic)
    got = [sub.recv() for _ in range(4)]
    assert got == [b"weather rain", b"news today", b"sports x", b"weatherman"]
    sub.unsubscribe(b"weather")
    time.sleep(0.2)
    pub.send(b"weather hail")
    pub.send(b"news end")
    assert sub.recv() == b"news end"


def test_pub_sub_attribute_subscribe(ctx):
    pub, sub = pair_of(ctx, zmq.PUB, zmq.SUB)
    sub.subscribe = b""  # pyzmq's attribute form
    deadline = time.monotonic() + 5
    while not sub.poll(50):
        pub.send(b"x")
        assert time.monotonic() < deadline
    assert sub.recv() == b"x"


def test_push_pull_round_robin(ctx):
    push = ctx.socket(zmq.PUSH)
    ep = endpoint(push)
    pulls = []
    for _ in range(3):
        p = ctx.socket(zmq.PULL)
        p.rcvtimeo = TIMEOUT
        p.connect(ep)
        pulls.append(p)
    # Wait until all three are connected before sending.
    time.sleep(0.3)
    for i in range(30):
        push.send(b"%d" % i)
    counts = []
    for p in pulls:
        n = 0
        while p.poll(200):
            p.recv()
            n += 1
        counts.append(n)
    assert sum(counts) == 30
    assert counts == [10, 10, 10]


def test_push_pull_fair_queue(ctx):
    pull = ctx.socket(zmq.PULL)
    pull.rcvtimeo = TIMEOUT
    ep = endpoint(pull)
    pushes = [ctx.socket(zmq.PUSH) for _ in range(2)]
    for i, p in enumerate(pushes):
        p.connect(ep)
    for i, p in enumerate(pushes):
        for j in range(5):
            p.send(b"%d-%d" % (i, j))
    got = sorted(pull.recv() for _ in range(10))
    assert got == sorted(b"%d-%d" % (i, j) for i in range(2) for j in range(5))


def test_pair(ctx):
    a, b = pair_of(ctx, zmq.PAIR, zmq.PAIR)
    a.send(b"ping")
    assert b.recv() == b"ping"
    b.send_multipart([b"pong", b"2"])
    assert a.recv_multipart() == [b"pong", b"2"]


def test_dealer_router_identities(ctx):
    router = ctx.socket(zmq.ROUTER)
    router.rcvtimeo = TIMEOUT
    ep = endpoint(router)
    dealers = []
    for name in (b"alice", b"bob"):
        d = ctx.socket(zmq.DEALER)
        d.identity = name  # pyzmq's attribute form of ROUTING_ID
        d.rcvtimeo = TIMEOUT
        d.connect(ep)
        dealers.append(d)
    for d in dealers:
        d.send_multipart([b"", b"hi from " + d.identity])
    seen = {}
    for _ in range(2):
        ident, empty, body = router.recv_multipart()
        assert empty == b""
        seen[ident] = body
    assert seen == {b"alice": b"hi from alice", b"bob": b"hi from bob"}
    router.send_multipart([b"bob", b"", b"for bob"])
    router.send_multipart([b"alice", b"", b"for alice"])
    assert dealers[0].recv_multipart() == [b"", b"for alice"]
    assert dealers[1].recv_multipart() == [b"", b"for bob"]


def test_router_mandatory_unknown_peer(ctx):
    router = ctx.socket(zmq.ROUTER)
    router.router_mandatory = 1
    endpoint(router)
    with pytest.raises(zmq.ZMQError) as info:
        router.send_multipart([b"nobody", b"x"])
    assert info.value.errno == zmq.EHOSTUNREACH


def test_req_router_dealer_rep(ctx):
    # REQ -> ROUTER ... DEALER -> REP, forwarding by hand (a broker in two lines).
    router = ctx.socket(zmq.ROUTER)
    dealer = ctx.socket(zmq.DEALER)
    front, back = endpoint(router), endpoint(dealer)
    req = ctx.socket(zmq.REQ)
    rep = ctx.socket(zmq.REP)
    for s in (router, dealer, req, rep):
        s.rcvtimeo = TIMEOUT
    req.connect(front)
    rep.connect(back)
    req.send(b"question")
    dealer.send_multipart(router.recv_multipart())
    assert rep.recv() == b"question"
    rep.send(b"answer")
    router.send_multipart(dealer.recv_multipart())
    assert req.recv() == b"answer"


def test_xpub_xsub(ctx):
    xpub = ctx.socket(zmq.XPUB)
    xpub.rcvtimeo = TIMEOUT
    ep = endpoint(xpub)
    xsub = ctx.socket(zmq.XSUB)
    xsub.rcvtimeo = TIMEOUT
    xsub.connect(ep)
    xsub.send(b"\x01topic")  # subscribe message
    assert xpub.recv() == b"\x01topic"
    xpub.send(b"topic data")
    xpub.send(b"other")
    assert xsub.recv() == b"topic data"
    assert xsub.poll(100) == 0


def test_multipart_is_atomic(ctx):
    pull, push = pair_of(ctx, zmq.PULL, zmq.PUSH)
    for i in range(100):
        push.send_multipart([b"head", b"%d" % i, b"tail"])
    for i in range(100):
        assert pull.recv_multipart() == [b"head", b"%d" % i, b"tail"]


def test_unbind_and_disconnect(ctx):
    pull = ctx.socket(zmq.PULL)
    ep = endpoint(pull)
    push = ctx.socket(zmq.PUSH)
    push.connect(ep)
    push.send(b"1")
    pull.rcvtimeo = TIMEOUT
    assert pull.recv() == b"1"
    push.disconnect(ep)
    pull.unbind(ep)
    with pytest.raises(zmq.ZMQError) as info:
        pull.unbind(ep)
    assert info.value.errno == errno.ENOENT


def test_bind_context_manager(ctx):
    pull = ctx.socket(zmq.PULL)
    with pull.bind("tcp://127.0.0.1:*") as s:
        assert s is pull
        ep = pull.last_endpoint.decode()
    # Unbound on exit: the port becomes free again (the listener closes asynchronously,
    # as in libzmq, so allow it a moment).
    deadline = time.monotonic() + 2
    while True:
        try:
            pull.bind(ep)
            break
        except zmq.ZMQError as e:
            assert e.errno == zmq.EADDRINUSE
            assert time.monotonic() < deadline, "the port stayed bound after unbind"
            time.sleep(0.01)


def test_bind_to_random_port(ctx):
    s = ctx.socket(zmq.PULL)
    port = s.bind_to_random_port("tcp://127.0.0.1")
    assert 0 < port < 65536
    assert s.last_endpoint == b"tcp://127.0.0.1:%d" % port
    s2 = ctx.socket(zmq.PULL)
    port2 = s2.bind_to_random_port("tcp://127.0.0.1", min_port=20000, max_port=60000)
    assert 20000 <= port2 < 60000


def test_bind_to_random_port_gives_up(ctx):
    taken = ctx.socket(zmq.PULL)
    port = taken.bind_to_random_port("tcp://127.0.0.1")
    s = ctx.socket(zmq.PULL)
    with pytest.raises(zmq.ZMQBindError):
        s.bind_to_random_port("tcp://127.0.0.1", min_port=port, max_port=port + 1, max_tries=3)


def test_context_instance_and_manager():
    a = zmq.Context.instance()
    assert zmq.Context.instance() is a
    with zmq.Context() as c:
        s = c.socket(zmq.PAIR)
        assert s.context is c
    assert c.closed and s.closed
    a.term()
    b = zmq.Context.instance()
    assert b is not a and not b.closed
    b.term()


def test_context_default_sockopts(ctx):
    ctx.linger = 0
    ctx.setsockopt(zmq.SNDHWM, 42)
    s = ctx.socket(zmq.PUSH)
    assert s.linger == 0
    assert s.sndhwm == 42
    assert ctx.linger == 0
    assert ctx.get(zmq.IO_THREADS) == 1
    assert ctx.io_threads == 1


def test_socket_context_manager(ctx):
    with ctx.socket(zmq.PUSH) as s:
        assert not s.closed
    assert s.closed
    s.close()  # twice is fine


def test_stream_socket_talks_raw_tcp(ctx):
    import socket as pysocket

    stream = ctx.socket(zmq.STREAM)
    stream.rcvtimeo = TIMEOUT
    port = int(endpoint(stream).rsplit(":", 1)[1])
    raw = pysocket.create_connection(("127.0.0.1", port))
    try:
        ident, empty = stream.recv_multipart()  # the connection notice
        assert empty == b""
        raw.sendall(b"GET / HTTP/1.0\r\n\r\n")
        got = b""
        while not got.endswith(b"\r\n\r\n"):
            peer, data = stream.recv_multipart()
            assert peer == ident
            got += data
        stream.send_multipart([ident, b"HTTP/1.0 200 OK\r\n\r\nhi"])
        raw.settimeout(5)
        assert raw.recv(100) == b"HTTP/1.0 200 OK\r\n\r\nhi"
    finally:
        raw.close()
