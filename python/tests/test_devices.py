"""zmq.proxy / proxy_steerable / device, and zmq.devices (ThreadDevice, ProcessDevice)."""

from __future__ import annotations

import threading
import time

import pytest

import ferromq as zmq
from conftest import endpoint

TIMEOUT = 5000


def timeouts(*socks):
    for s in socks:
        s.rcvtimeo = TIMEOUT
        s.sndtimeo = TIMEOUT


def test_proxy_queue_until_term():
    c = zmq.Context()
    front = c.socket(zmq.ROUTER)
    back = c.socket(zmq.DEALER)
    capture = c.socket(zmq.PUSH)
    fe, be = endpoint(front), endpoint(back)
    tap = c.socket(zmq.PULL)
    capture.connect(endpoint(tap))
    ended = []

    def run():
        try:
            zmq.proxy(front, back, capture)
        except zmq.ContextTerminated as e:
            ended.append(e)
        for s in (front, back, capture):
            s.close(linger=0)

    t = threading.Thread(target=run)
    t.start()
    req = c.socket(zmq.REQ)
    rep = c.socket(zmq.REP)
    timeouts(req, rep, tap)
    req.connect(fe)
    rep.connect(be)
    req.send(b"ping")
    assert rep.recv() == b"ping"
    rep.send(b"pong")
    assert req.recv() == b"pong"
    assert tap.recv_multipart()[-1] == b"ping"  # the capture socket sees the traffic
    for s in (req, rep, tap):
        s.close(linger=0)
    c.term()  # ends the proxy with ETERM, then waits for its sockets to be closed
    t.join(5)
    assert ended and ended[0].errno == zmq.ETERM


def test_proxy_steerable_terminate(ctx):
    front = ctx.socket(zmq.PULL)
    back = ctx.socket(zmq.PUSH)
    control = ctx.socket(zmq.PAIR)
    fe, be, ce = endpoint(front), endpoint(back), endpoint(control)
    t = threading.Thread(target=zmq.proxy_steerable, args=(front, back, None, control))
    t.start()
    push = ctx.socket(zmq.PUSH)
    pull = ctx.socket(zmq.PULL)
    ctl = ctx.socket(zmq.PAIR)
    timeouts(pull)
    push.connect(fe)
    pull.connect(be)
    ctl.connect(ce)
    push.send(b"through")
    assert pull.recv() == b"through"
    ctl.send(b"TERMINATE")
    t.join(5)
    assert not t.is_alive()


def test_device_function_and_bad_arguments(ctx):
    a = ctx.socket(zmq.PULL)
    b = ctx.socket(zmq.PUSH)
    with pytest.raises(zmq.ZMQError) as info:
        zmq.device(42, a, b)
    assert info.value.errno == zmq.EINVAL
    with pytest.raises(TypeError, match="frontend"):
        zmq.proxy(object(), b)
    with pytest.raises(zmq.ZMQError):
        zmq.proxy(a, a)  # the same socket twice
    b.close()
    with pytest.raises(zmq.ZMQError) as info:
        zmq.proxy(a, b)
    assert info.value.errno == zmq.ENOTSOCK


def test_thread_device_queue():
    c = zmq.Context()
    dev = zmq.devices.ThreadDevice(zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    dev.context_factory = lambda: c
    dev.bind_in("tcp://127.0.0.1:*")
    dev.bind_out("tcp://127.0.0.1:*")
    dev.setsockopt_in(zmq.SNDHWM, 5000)
    dev.start()
    front, back = dev.endpoints_in[0], dev.endpoints_out[0]
    assert not front.endswith("*")
    workers = []
    for _ in range(2):
        w = c.socket(zmq.REP)
        timeouts(w)
        w.connect(back)
        workers.append(w)
    client = c.socket(zmq.REQ)
    timeouts(client)
    client.connect(front)
    served = {0: 0, 1: 0}
    poller = zmq.Poller()
    for w in workers:
        poller.register(w, zmq.POLLIN)
    for i in range(10):
        client.send(b"job %d" % i)
        ready = dict(poller.poll(TIMEOUT))
        for n, w in enumerate(workers):
            if w in ready:
                w.send(w.recv().upper())
                served[n] += 1
        assert client.recv() == b"JOB %d" % i
    assert served[0] > 0 and served[1] > 0  # the DEALER load-balances
    dev.stop()
    c.destroy(linger=0)


def test_thread_device_forwarder_and_streamer(ctx):
    fwd = zmq.devices.ThreadDevice(zmq.FORWARDER, zmq.XSUB, zmq.XPUB)
    fwd.context_factory = lambda: ctx
    fwd.bind_in("tcp://127.0.0.1:*")
    fwd.bind_out("tcp://127.0.0.1:*")
    fwd.start()
    pub = ctx.socket(zmq.PUB)
    pub.connect(fwd.endpoints_in[0])
    sub = ctx.socket(zmq.SUB)
    timeouts(sub)
    sub.subscribe(b"t")
    sub.connect(fwd.endpoints_out[0])
    deadline = time.monotonic() + 5
    while not sub.poll(50):  # the subscription travels through the forwarder
        pub.send(b"t warmup")
        assert time.monotonic() < deadline
    sub.recv()
    fwd.stop()

    streamer = zmq.devices.ThreadDevice(zmq.STREAMER, zmq.PULL, zmq.PUSH)
    streamer.context_factory = lambda: ctx
    port_in = streamer.bind_in_to_random_port("tcp://127.0.0.1")
    port_out = streamer.bind_out_to_random_port("tcp://127.0.0.1")
    streamer.start()
    push = ctx.socket(zmq.PUSH)
    pull = ctx.socket(zmq.PULL)
    timeouts(pull)
    push.connect(f"tcp://127.0.0.1:{port_in}")
    pull.connect(f"tcp://127.0.0.1:{port_out}")
    for i in range(100):
        push.send(b"%d" % i)
    assert [pull.recv() for _ in range(100)] == [b"%d" % i for i in range(100)]
    streamer.stop()


def test_device_errors_raise_at_start(ctx):
    dev = zmq.devices.ThreadDevice(zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    dev.context_factory = lambda: ctx
    dev.bind_in("nonsense://x")
    with pytest.raises(zmq.ZMQError) as info:
        dev.start()
    assert info.value.errno in (zmq.EINVAL, zmq.EPROTONOSUPPORT)
    dev2 = zmq.devices.ThreadDevice(zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    dev2.context_factory = lambda: ctx
    dev2.setsockopt_out(zmq.SNDHWM, -5)  # a bad value, reported when the device starts
    with pytest.raises(zmq.ZMQError, match="SNDHWM"):
        dev2.start()
    with pytest.raises(TypeError):
        zmq.devices.ThreadDevice(zmq.QUEUE, zmq.ROUTER)


def test_device_ends_with_its_context():
    c = zmq.Context()
    dev = zmq.devices.ThreadDevice(zmq.STREAMER, zmq.PULL, zmq.PUSH)
    dev.context_factory = lambda: c
    dev.bind_in("tcp://127.0.0.1:*")
    dev.bind_out("tcp://127.0.0.1:*")
    dev.start()
    c.term()  # ends the device, whose sockets close, so term returns
    dev.join(5)
    assert dev.done


def test_process_device():
    dev = zmq.devices.ProcessDevice(zmq.STREAMER, zmq.PULL, zmq.PUSH)
    port_in = dev.bind_in_to_random_port("tcp://127.0.0.1")
    port_out = dev.bind_out_to_random_port("tcp://127.0.0.1")
    dev.start()
    c = zmq.Context()
    try:
        push = c.socket(zmq.PUSH)
        pull = c.socket(zmq.PULL)
        timeouts(pull)
        push.connect(f"tcp://127.0.0.1:{port_in}")
        pull.connect(f"tcp://127.0.0.1:{port_out}")
        push.send(b"via another process")
        assert pull.recv() == b"via another process"
    finally:
        c.destroy(linger=0)
        dev.launcher.terminate()
        dev.join(5)
