"""Errors: pyzmq's classes, errno values, messages that say what was wrong."""

from __future__ import annotations

import pickle
import threading
import time

import pytest

import ferromq as zmq
from conftest import endpoint


def test_class_hierarchy():
    assert issubclass(zmq.ZMQError, zmq.ZMQBaseError)
    assert issubclass(zmq.Again, zmq.ZMQError)
    assert issubclass(zmq.ContextTerminated, zmq.ZMQError)
    assert issubclass(zmq.InterruptedSystemCall, InterruptedError)
    assert issubclass(zmq.ZMQBindError, zmq.ZMQBaseError)
    e = zmq.ZMQError(zmq.EFSM)
    assert e.errno == zmq.EFSM
    assert e.strerror == "Operation cannot be accomplished in current state"
    assert str(e) == e.strerror
    assert zmq.Again().errno == zmq.EAGAIN
    assert zmq.ContextTerminated().errno == zmq.ETERM
    assert zmq.strerror(zmq.ETERM) == "Context was terminated"
    assert zmq.strerror(zmq.EAGAIN) == "Resource temporarily unavailable"
    again = pickle.loads(pickle.dumps(zmq.Again(msg="x")))
    assert isinstance(again, zmq.Again) and again.errno == zmq.EAGAIN


def test_errno_constants_are_libzmq_values():
    assert zmq.EFSM == 156384763
    assert zmq.ETERM == 156384765
    assert zmq.EAGAIN == 11
    assert zmq.ENOTSUP == 95
    assert zmq.NOBLOCK == zmq.DONTWAIT == 1
    assert zmq.SNDMORE == 2


def test_again_on_noblock(ctx):
    s = ctx.socket(zmq.PULL)
    endpoint(s)
    with pytest.raises(zmq.Again) as info:
        s.recv(zmq.NOBLOCK)
    assert info.value.errno == zmq.EAGAIN
    with pytest.raises(zmq.Again):
        s.recv_multipart(zmq.DONTWAIT)
    push = ctx.socket(zmq.PUSH)  # no peer: nowhere to send
    with pytest.raises(zmq.Again):
        push.send(b"x", zmq.NOBLOCK)


def test_again_on_timeout(ctx):
    s = ctx.socket(zmq.PULL)
    endpoint(s)
    s.rcvtimeo = 100
    start = time.monotonic()
    with pytest.raises(zmq.Again):
        s.recv()
    assert 0.09 < time.monotonic() - start < 1.0
    start = time.monotonic()
    with pytest.raises(zmq.Again):
        s.recv_multipart()
    assert 0.09 < time.monotonic() - start < 1.0
    push = ctx.socket(zmq.PUSH)
    push.sndtimeo = 100
    with pytest.raises(zmq.Again):
        push.send(b"x")
    with pytest.raises(zmq.Again):
        push.send(b"x", zmq.SNDMORE)


def test_efsm(ctx):
    req = ctx.socket(zmq.REQ)
    rep = ctx.socket(zmq.REP)
    req.connect(endpoint(rep))
    with pytest.raises(zmq.ZMQError) as info:
        req.recv()
    assert info.value.errno == zmq.EFSM
    assert "REQ" in str(info.value)
    with pytest.raises(zmq.ZMQError) as info:
        rep.send(b"x")
    assert info.value.errno == zmq.EFSM
    req.send(b"1")
    with pytest.raises(zmq.ZMQError) as info:
        req.send(b"2")
    assert info.value.errno == zmq.EFSM


def test_eterm_wakes_a_blocked_recv(ctx):
    c = zmq.Context()
    s = c.socket(zmq.PULL)
    endpoint(s)
    caught = []

    def blocked():
        try:
            s.recv()
        except zmq.ContextTerminated as e:
            caught.append(e)
            s.close()

    t = threading.Thread(target=blocked)
    t.start()
    time.sleep(0.2)
    c.term()
    t.join(5)
    assert not t.is_alive()
    assert caught and caught[0].errno == zmq.ETERM
    with pytest.raises(zmq.ZMQError) as info:
        c.socket(zmq.PUSH)
    assert info.value.errno == zmq.ETERM


def test_shutdown_then_term():
    c = zmq.Context()
    s = c.socket(zmq.PUSH)
    c.shutdown()  # zmq_ctx_shutdown: does not wait for the open socket
    assert c.closed
    with pytest.raises(zmq.ContextTerminated):
        s.send(b"x")
    s.close()
    c.term()  # every socket closed: returns at once


def test_enotsock_after_close(ctx):
    s = ctx.socket(zmq.PUSH)
    s.close()
    with pytest.raises(zmq.ZMQError) as info:
        s.send(b"x")
    assert info.value.errno == zmq.ENOTSOCK
    with pytest.raises(zmq.ZMQError):
        s.bind("tcp://127.0.0.1:*")


def test_bad_endpoints(ctx):
    s = ctx.socket(zmq.PUSH)
    with pytest.raises(zmq.ZMQError) as info:
        s.bind("nonsense")
    assert info.value.errno == zmq.EINVAL
    with pytest.raises(zmq.ZMQError) as info:
        s.connect("udp://127.0.0.1:5555")
    assert info.value.errno == zmq.EPROTONOSUPPORT
    with pytest.raises(TypeError, match="endpoint"):
        s.bind(5555)
    other = ctx.socket(zmq.PULL)
    ep = endpoint(other)
    with pytest.raises(zmq.ZMQError) as info:
        s.bind(ep)
    assert info.value.errno == zmq.EADDRINUSE
    assert ep.rsplit(":", 1)[1] in str(info.value)


def test_bad_socket_type(ctx):
    with pytest.raises(zmq.ZMQError) as info:
        ctx.socket(99)
    assert info.value.errno == zmq.EINVAL
    assert "99" in str(info.value)
    with pytest.raises(TypeError):
        ctx.socket("REQ")
    with pytest.raises(TypeError, match="Context"):
        zmq.Socket(object(), zmq.REQ)


def test_bad_message_types(ctx):
    s = ctx.socket(zmq.PUSH)
    with pytest.raises(TypeError, match="send_string"):
        s.send("text")
    with pytest.raises(TypeError, match="int"):
        s.send(42)
    with pytest.raises(TypeError, match="frame 1"):
        s.send_multipart([b"ok", 42])
    with pytest.raises(TypeError, match="list"):
        s.send_multipart(b"not a list")
    with pytest.raises(ValueError, match="at least one"):
        s.send_multipart([])
    with pytest.raises(ValueError, match="flags"):
        s.send(b"x", 64)
    with pytest.raises(TypeError):
        s.send_string(b"bytes")


def test_enotsup(ctx):
    pub = ctx.socket(zmq.PUB)
    with pytest.raises(zmq.ZMQError) as info:
        pub.recv(zmq.NOBLOCK)
    assert info.value.errno == zmq.ENOTSUP
    with pytest.raises(zmq.ZMQError):
        pub.send(b"x", routing_id=1)


def test_context_bad_io_threads():
    with pytest.raises(zmq.ZMQError) as info:
        zmq.Context(io_threads=-1)
    assert info.value.errno == zmq.EINVAL
    with pytest.raises(TypeError, match="an integer is required"):
        zmq.Context(io_threads="4")


def test_out_of_file_descriptors_is_emfile():
    # In a child process: it lowers its own descriptor limit until a socket cannot be made.
    import subprocess
    import sys

    child = r"""
import errno, os, resource
import ferromq as zmq
ctx = zmq.Context()
first = ctx.socket(zmq.PAIR)
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")) + 16, hard))
kept = []
try:
    for _ in range(100):
        kept.append(ctx.socket(zmq.PAIR))
    print("no error")
except zmq.ZMQError as e:
    print("errno", errno.errorcode.get(e.errno), "|", e.strerror)
for s in kept:
    s.close()
resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
ctx.socket(zmq.PAIR).close()
first.close()
ctx.term()
print("recovered")
"""
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "errno EMFILE |" in out.stdout, out.stdout
    assert "Too many open files" in out.stdout
    assert out.stdout.strip().endswith("recovered")
