"""zmq.proxy / proxy_steerable / device, and zmq.devices (ThreadDevice, ProcessDevice, the
Proxy, ProxySteerable and MonitoredQueue families, monitored_queue)."""

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


# ----- Proxy, ProxySteerable, MonitoredQueue (pyzmq's zmq.devices classes) -----

import inspect  # noqa: E402
import struct  # noqa: E402


def _recv_until(sock, want, deadline_s=5):
    """Receives on a SUB until `want(msg)`: subscriptions take a moment to travel."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if sock.poll(100):
            msg = sock.recv_multipart()
            if want(msg):
                return msg
    raise AssertionError("nothing expected arrived")


def test_device_classes_follow_pyzmq_signatures():
    import zmq as pyzmq
    import zmq.devices  # noqa: F401

    for name in pyzmq.devices.__all__:
        ours, theirs = getattr(zmq.devices, name), getattr(pyzmq.devices, name)
        assert list(inspect.signature(ours).parameters) == list(inspect.signature(theirs).parameters), name
        if inspect.isclass(theirs):
            for method in dir(theirs):
                if not method.startswith("_") and callable(getattr(theirs, method)):
                    assert hasattr(ours, method), f"{name}.{method}"


def test_thread_proxy_copies_to_monitor(ctx):
    dev = zmq.devices.ThreadProxy(zmq.PULL, zmq.PUSH)  # mon_type PUB
    dev.context_factory = lambda: ctx
    dev.bind_in("tcp://127.0.0.1:*")
    dev.bind_out("tcp://127.0.0.1:*")
    mon_port = dev.bind_mon_to_random_port("tcp://127.0.0.1")
    dev.setsockopt_mon(zmq.SNDHWM, 1000)
    dev.start()
    assert dev.endpoints_in[0].startswith("tcp://127.0.0.1:") and not dev.endpoints_in[0].endswith("*")
    sub = ctx.socket(zmq.SUB)
    sub.subscribe(b"")
    sub.connect(f"tcp://127.0.0.1:{mon_port}")
    push, pull = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL)
    timeouts(pull)
    push.connect(dev.endpoints_in[0])
    pull.connect(dev.endpoints_out[0])
    push.send_multipart([b"hello", b"proxy"])
    assert pull.recv_multipart() == [b"hello", b"proxy"]
    # The monitor copy (a PUB: the subscription may still be on its way, so send again).
    deadline = time.monotonic() + 5
    while not sub.poll(100):
        push.send_multipart([b"hello", b"proxy"])
        pull.recv_multipart()
        assert time.monotonic() < deadline
    assert sub.recv_multipart() == [b"hello", b"proxy"]
    dev.stop()
    assert dev.done and not dev.launcher.is_alive()


def test_thread_proxy_steerable_control(ctx):
    dev = zmq.devices.ThreadProxySteerable(zmq.PULL, zmq.PUSH, zmq.PUB, zmq.PAIR)
    dev.context_factory = lambda: ctx
    dev.bind_in("inproc://steer-in")
    dev.bind_out("inproc://steer-out")
    dev.bind_mon("inproc://steer-mon")
    dev.bind_ctrl("inproc://steer-ctrl")
    dev.start()
    push, pull, ctrl = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL), ctx.socket(zmq.PAIR)
    timeouts(pull, ctrl)
    push.connect("inproc://steer-in")
    pull.connect("inproc://steer-out")
    ctrl.connect("inproc://steer-ctrl")
    push.send(b"one")
    assert pull.recv() == b"one"
    ctrl.send(b"PAUSE")
    time.sleep(0.1)
    push.send(b"two")
    assert not pull.poll(200)  # paused: the message waits
    ctrl.send(b"RESUME")
    assert pull.recv() == b"two"
    ctrl.send(b"STATISTICS")
    stats = [struct.unpack("=Q", f)[0] for f in ctrl.recv_multipart()]
    assert len(stats) == 8 and stats[0] == 2 and stats[6] == 2  # frontend in, backend out
    ctrl.send(b"TERMINATE")
    dev.join(5)
    assert dev.done


def test_thread_monitored_queue_router_router(ctx):
    dev = zmq.devices.ThreadMonitoredQueue(zmq.ROUTER, zmq.ROUTER, zmq.PUB, b"IN", b"OUT")
    dev.context_factory = lambda: ctx
    dev.bind_in("tcp://127.0.0.1:*")
    dev.bind_out("tcp://127.0.0.1:*")
    dev.bind_mon("inproc://mq-mon")
    dev.setsockopt_out(zmq.ROUTING_ID, b"queue")
    dev.start()
    sub = ctx.socket(zmq.SUB)
    sub.subscribe(b"")
    sub.connect("inproc://mq-mon")
    client = ctx.socket(zmq.DEALER)
    client.routing_id = b"client"
    worker = ctx.socket(zmq.DEALER)
    worker.routing_id = b"worker"
    timeouts(client, worker)
    client.connect(dev.endpoints_in[0])
    worker.connect(dev.endpoints_out[0])
    # Until the out ROUTER knows the worker and the monitor subscription is through (a
    # ROUTER drops what it cannot route, a PUB what nobody subscribed to yet).
    deadline = time.monotonic() + 5
    while not (worker.poll(50) and sub.poll(50)):
        client.send_multipart([b"worker", b"warm-up"])
        assert time.monotonic() < deadline
    time.sleep(0.1)
    while worker.poll(50):
        worker.recv_multipart()
    # ROUTER/ROUTER: the client addresses the worker by id; ids are swapped in transit.
    client.send_multipart([b"worker", b"job"])
    assert worker.recv_multipart() == [b"client", b"job"]
    worker.send_multipart([b"client", b"done"])
    assert client.recv_multipart() == [b"worker", b"done"]
    seen = [_recv_until(sub, lambda m: m[-1] == b"job"), _recv_until(sub, lambda m: m[-1] == b"done")]
    assert seen[0] == [b"IN", b"worker", b"client", b"job"]
    assert seen[1] == [b"OUT", b"client", b"worker", b"done"]
    dev.stop()


def test_monitored_queue_function_with_pyzmq_peers(zctx):
    """Interop: pyzmq REQ → ferromq ROUTER ⇄ DEALER → pyzmq REP, with a pyzmq SUB on the
    monitor; the queue ends with ContextTerminated when its context is terminated."""
    import zmq as pyzmq

    c = zmq.Context()
    front, back, mon = c.socket(zmq.ROUTER), c.socket(zmq.DEALER), c.socket(zmq.PUB)
    fe, be, me = endpoint(front), endpoint(back), endpoint(mon)
    ended = []

    def run():
        try:
            zmq.devices.monitored_queue(front, back, mon)
        except zmq.ContextTerminated as e:
            ended.append(e)
        for s in (front, back, mon):
            s.close(linger=0)

    t = threading.Thread(target=run)
    t.start()
    sub = zctx.socket(pyzmq.SUB)
    sub.subscribe(b"")
    sub.connect(me)
    req, rep = zctx.socket(pyzmq.REQ), zctx.socket(pyzmq.REP)
    for s in (req, rep):
        s.rcvtimeo = TIMEOUT
    req.connect(fe)
    rep.connect(be)
    deadline = time.monotonic() + 5
    while not sub.poll(100):  # until the monitor subscription is through
        req.send(b"warm-up")
        assert rep.recv() == b"warm-up"
        rep.send(b"ok")
        assert req.recv() == b"ok"
        assert time.monotonic() < deadline
    while sub.poll(200):
        sub.recv_multipart()
    req.send(b"question")
    assert rep.recv() == b"question"
    rep.send(b"answer")
    assert req.recv() == b"answer"
    msgs = []
    while sub.poll(1000) and len(msgs) < 2:
        msgs.append(sub.recv_multipart())
    assert [m[0] for m in msgs] == [b"in", b"out"]
    assert msgs[0][-1] == b"question" and msgs[1][-1] == b"answer"
    c.term()
    t.join(5)
    assert ended and ended[0].errno == zmq.ETERM


def test_proxy_device_in_calling_thread_ends_with_context():
    c = zmq.Context()
    dev = zmq.devices.Proxy(zmq.PULL, zmq.PUSH)
    dev.context_factory = lambda: c
    dev.bind_in("inproc://p-in")
    dev.bind_out("inproc://p-out")
    dev.bind_mon("inproc://p-mon")
    t = threading.Thread(target=dev.start)  # a plain Proxy runs where start() is called
    t.start()
    push, pull = c.socket(zmq.PUSH), c.socket(zmq.PULL)
    timeouts(pull)
    push.connect("inproc://p-in")
    pull.connect("inproc://p-out")
    push.send(b"through")
    assert pull.recv() == b"through"
    push.close(linger=0)
    pull.close(linger=0)
    c.term()  # ETERM ends the device, which closes its sockets
    t.join(5)
    assert not t.is_alive() and dev.done


def test_proxy_device_errors(ctx):
    dev = zmq.devices.ThreadProxy(zmq.PULL, zmq.PUSH)
    dev.context_factory = lambda: ctx
    dev.bind_in("tcp://127.0.0.1:*")
    dev.bind_mon("bogus://nowhere")
    with pytest.raises(zmq.ZMQError):
        dev.start()  # raised in the calling thread; the sockets made are closed
    assert all(s.closed for s in dev._sockets)
    steer = zmq.devices.ThreadProxySteerable(zmq.PULL, zmq.PUSH)
    steer.context_factory = lambda: ctx
    with pytest.raises(TypeError, match="ctrl_type"):
        steer.start()
    a, b, m = ctx.socket(zmq.PULL), ctx.socket(zmq.PUSH), ctx.socket(zmq.PUB)
    with pytest.raises(TypeError, match="bytes"):
        zmq.devices.monitored_queue(a, b, m, "in", b"out")


def test_process_monitored_queue(zctx):
    import zmq as pyzmq

    dev = zmq.devices.ProcessMonitoredQueue(zmq.PULL, zmq.PUSH, zmq.PUB, b"<", b">")
    port_in = dev.bind_in_to_random_port("tcp://127.0.0.1")
    port_out = dev.bind_out_to_random_port("tcp://127.0.0.1")
    port_mon = dev.bind_mon_to_random_port("tcp://127.0.0.1")
    dev.start()
    try:
        sub = zctx.socket(pyzmq.SUB)
        sub.subscribe(b"")
        sub.connect(f"tcp://127.0.0.1:{port_mon}")
        push, pull = zctx.socket(pyzmq.PUSH), zctx.socket(pyzmq.PULL)
        pull.rcvtimeo = TIMEOUT
        push.connect(f"tcp://127.0.0.1:{port_in}")
        pull.connect(f"tcp://127.0.0.1:{port_out}")
        deadline = time.monotonic() + 10
        while True:  # until the monitor subscription has reached the child's PUB
            push.send(b"job")
            assert pull.recv() == b"job"
            if sub.poll(200):
                break
            assert time.monotonic() < deadline
        assert sub.recv_multipart() == [b"<", b"job"]
    finally:
        dev.launcher.terminate()
        dev.join(5)
