"""Socket.shadow / Context.shadow and `underlying`: several Python objects over one native
socket or context, through integer handles that never dangle."""

from __future__ import annotations

import asyncio
import copy
import gc

import pytest

import ferromq as zmq
import ferromq.asyncio
from conftest import endpoint


@pytest.fixture
def pair(ctx):
    a = ctx.socket(zmq.PAIR)
    b = ctx.socket(zmq.PAIR)
    a.rcvtimeo = b.rcvtimeo = 5000
    b.connect(endpoint(a))
    return a, b


def test_shadow_by_handle_is_the_same_socket(ctx, pair):
    a, b = pair
    handle = a.underlying
    assert isinstance(handle, int) and handle > 0 and handle == a.underlying
    s = zmq.Socket.shadow(handle)
    assert type(s) is zmq.Socket and s is not a and s._shadow and not a._shadow
    assert s.underlying == handle and s.type == zmq.PAIR
    b.send(b"to a")
    assert s.recv() == b"to a"  # one queue: the shadow receives what was sent to a
    s.send(b"from the shadow")
    assert b.recv() == b"from the shadow"
    s.linger = 123  # options are the socket's, not the object's
    assert a.linger == 123
    # By handle, the shadow's context is a shadow of the socket's context.
    assert isinstance(s.context, zmq.Context) and s.context._shadow
    assert s.context.underlying == ctx.underlying
    with s.context.socket(zmq.PAIR) as extra:
        extra.connect("inproc://shadow-ctx")  # a socket of the same native context


def test_shadow_of_object_forms(ctx, pair):
    a, b = pair
    for s in (zmq.Socket(a), zmq.Socket(shadow=a), zmq.Socket.shadow(a), copy.copy(a), copy.deepcopy(a)):
        assert s.underlying == a.underlying and s.context is ctx
        b.send(b"x")
        assert s.recv() == b"x"


def test_shadow_lifetime(ctx, pair):
    a, b = pair
    s = zmq.Socket.shadow(a.underlying)
    del s
    gc.collect()
    assert not a.closed  # a garbage-collected shadow leaves the socket open
    b.send(b"still open")
    assert a.recv() == b"still open"

    s = zmq.Socket.shadow(a)
    s.close()  # an explicit close closes the socket (as in pyzmq)
    assert a.closed and s.closed
    with pytest.raises(zmq.ZMQError) as info:
        a.send(b"x")
    assert info.value.errno == zmq.ENOTSOCK


def test_shadow_outliving_the_original():
    c = zmq.Context()  # not the `ctx` fixture's, which keeps its sockets until the teardown
    a = c.socket(zmq.PUSH)
    handle = a.underlying
    s = zmq.Socket.shadow(a)
    del a
    gc.collect()  # the original object closes the socket when collected
    with pytest.raises(zmq.ZMQError) as info:
        s.send(b"x")
    assert info.value.errno == zmq.ENOTSOCK  # an error, never a dangling pointer
    with pytest.raises(zmq.ZMQError) as info:
        zmq.Socket.shadow(handle)
    assert info.value.errno == zmq.ENOTSOCK
    c.destroy(linger=0)


def test_bad_socket_handles(ctx):
    with pytest.raises(zmq.ZMQError) as info:
        zmq.Socket.shadow(0x1234)  # never issued
    assert info.value.errno == zmq.ENOTSOCK and "handle" in str(info.value)
    s = ctx.socket(zmq.PUB)
    handle = s.underlying
    s.close()
    with pytest.raises(zmq.ZMQError) as info:
        zmq.Socket.shadow(handle)  # closed
    assert info.value.errno == zmq.ENOTSOCK
    with pytest.raises(zmq.ZMQError):
        zmq.Socket.shadow(s)  # a closed socket object
    with pytest.raises(ValueError):
        zmq.Socket.shadow(-5)
    with pytest.raises(TypeError):
        zmq.Socket.shadow("tcp://x")
    with pytest.raises(TypeError):
        zmq.Socket.shadow(1.5)
    with pytest.raises(TypeError):
        zmq.Socket()  # neither a context nor a shadow


def test_context_shadow(ctx):
    handle = ctx.underlying
    for c in (zmq.Context.shadow(handle), zmq.Context(shadow=ctx), zmq.Context(ctx), zmq.Context.shadow(ctx)):
        assert c is not ctx and c._shadow and c.underlying == handle and not c.closed
        a = c.socket(zmq.PAIR)
        a.bind("inproc://ctx-shadow")
        b = ctx.socket(zmq.PAIR)  # inproc works across the two objects: one context
        b.connect("inproc://ctx-shadow")
        b.send(b"hi")
        assert a.recv() == b"hi"
        a.close()
        b.close()
    with pytest.raises(zmq.ZMQError) as info:
        zmq.Context.shadow(0x777)
    assert info.value.errno == zmq.EFAULT


def test_context_shadow_term_terminates_the_context():
    c = zmq.Context()
    shadow = zmq.Context.shadow(c.underlying)
    shadow.term()
    assert c.closed and shadow.closed
    with pytest.raises(zmq.ZMQError):
        c.socket(zmq.PAIR)


def test_context_handle_dies_with_its_objects():
    c = zmq.Context()
    handle = c.underlying
    shadow = zmq.Context.shadow(handle)
    del c
    gc.collect()
    assert zmq.Context.shadow(handle).underlying == handle  # the shadow keeps it alive
    shadow.term()
    del shadow
    gc.collect()
    with pytest.raises(zmq.ZMQError):
        zmq.Context.shadow(handle)


def test_asyncio_shadow_of_sync_socket(ctx, pair):
    a, b = pair

    async def main():
        s = ferromq.asyncio.Socket.from_socket(a)
        assert isinstance(s, ferromq.asyncio.Socket) and s.underlying == a.underlying
        b.send(b"async")
        assert await s.recv() == b"async"
        actx = ferromq.asyncio.Context(ctx)
        assert actx.underlying == ctx.underlying
        s2 = ferromq.asyncio.Socket(shadow=a.underlying)
        b.send(b"again")
        assert await asyncio.wait_for(s2.recv(), 5) == b"again"

    asyncio.run(main())
    # and back: a plain socket over an asyncio one
    async_sock = ferromq.asyncio.Context(ctx).socket(zmq.PAIR)
    plain = zmq.Socket(async_sock)
    assert type(plain) is zmq.Socket and plain.underlying == async_sock.underlying
    async_sock.close()


def test_shadow_talks_to_pyzmq(ctx, zctx):
    """Interop: a shadow socket serves a pyzmq (libzmq) client over tcp."""
    import zmq as pyzmq

    rep = ctx.socket(zmq.REP)
    ep = endpoint(rep)
    shadow = zmq.Socket.shadow(rep.underlying)
    shadow.rcvtimeo = 5000
    req = zctx.socket(pyzmq.REQ)
    req.rcvtimeo = 5000
    req.connect(ep)
    req.send(b"ping")
    assert shadow.recv() == b"ping"
    rep.send(b"pong")  # the original answers: one REQ/REP state machine
    assert req.recv() == b"pong"
    req.send_multipart([b"a", b"b"])
    assert rep.recv_multipart() == [b"a", b"b"]
    shadow.send(b"ok")
    assert req.recv() == b"ok"
