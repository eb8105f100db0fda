"""ferromq.eventloop: tornado's IOLoop and ZMQStream (pyzmq's zmq.eventloop)."""

from __future__ import annotations

import asyncio
import logging
import warnings

import pytest

tornado = pytest.importorskip("tornado")

import ferromq as zmq  # noqa: E402
from ferromq.eventloop import ioloop, zmqstream  # noqa: E402
from conftest import endpoint  # noqa: E402

TIMEOUT = 5


def run(coro_fn):
    """Runs `coro_fn()` on a fresh asyncio loop (tornado's IOLoop wraps it)."""
    return asyncio.run(asyncio.wait_for(coro_fn(), TIMEOUT * 2))


def test_ioloop_module():
    from tornado.ioloop import IOLoop

    assert ioloop.IOLoop is IOLoop and ioloop.ZMQIOLoop is IOLoop
    import ferromq.eventloop

    assert ferromq.eventloop.IOLoop is IOLoop
    with pytest.warns(DeprecationWarning):
        ioloop.install()


def test_echo_server_with_pyzmq_client(ctx, zctx):
    """Interop: a ZMQStream on a ferromq ROUTER answers a pyzmq DEALER over tcp."""
    import zmq as pyzmq

    async def main():
        router = ctx.socket(zmq.ROUTER)
        stream = zmqstream.ZMQStream(router)
        ep = endpoint(router)
        assert stream.io_loop is ioloop.IOLoop.current()
        sent = []
        stream.on_recv(lambda msg: stream.send_multipart(msg + [b"echo"]))
        stream.on_send(lambda msg, status: sent.append((msg, status)))
        dealer = zctx.socket(pyzmq.DEALER)
        dealer.connect(ep)
        for i in range(100):
            dealer.send_multipart([b"%d" % i, b"x"])
        got = []
        while len(got) < 100:
            if dealer.poll(0):
                got.append(dealer.recv_multipart())
            else:
                await asyncio.sleep(0.005)
        assert got == [[b"%d" % i, b"x", b"echo"] for i in range(100)]
        assert len(sent) == 100 and sent[0][1] is None and sent[0][0][-1] == b"echo"
        stream.close()
        assert stream.closed() and router.closed

    run(main)


def test_many_messages_and_edge_triggering(ctx):
    """Thousands of messages arriving in bursts all reach the callback, in order."""

    async def main():
        pull = ctx.socket(zmq.PULL)
        push = ctx.socket(zmq.PUSH)
        push.connect(endpoint(pull))
        stream = zmqstream.ZMQStream(pull)
        got = []
        done = asyncio.get_running_loop().create_future()

        def on_msg(msg):
            got.append(int(msg[0]))
            if len(got) == 5000 and not done.done():
                done.set_result(None)

        stream.on_recv(on_msg)
        for burst in range(10):
            for i in range(500):
                push.send(b"%d" % (burst * 500 + i))
            await asyncio.sleep(0)
        await asyncio.wait_for(done, TIMEOUT)
        assert got == list(range(5000))
        stream.close()

    run(main)


def test_send_queue_callbacks_and_stop(ctx):
    async def main():
        a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
        b.connect(endpoint(a))
        sa, sb = zmqstream.ZMQStream(a), zmqstream.ZMQStream(b)
        sends, recvs = [], []
        sa.send(b"one", callback=lambda msg, status: sends.append(msg))
        sa.send_string("two")
        sa.send_json({"three": 3})
        sa.send_pyobj(("four", 4))
        assert sa.sending()
        buf = bytearray(b"five")
        sa.send_multipart([buf, b"!"])
        buf[:] = b"XXXX"  # copied when queued
        sb.on_recv_stream(lambda stream, msg: recvs.append((stream, msg)))
        while len(recvs) < 5:
            await asyncio.sleep(0.005)
        assert not sa.sending() and sb.receiving()
        assert [m for _, m in recvs][:2] == [[b"one"], [b"two"]]
        assert recvs[2][1] == [b'{"three": 3}'] and recvs[4][1] == [b"five", b"!"]
        assert all(s is sb for s, _ in recvs)
        assert len(sends) == 5 and sends[0] == [b"one"]  # the callback stays registered

        sb.stop_on_recv()
        assert not sb.receiving()
        sa.send(b"waits")
        await asyncio.sleep(0.1)
        assert len(recvs) == 5  # not received: it waits in the socket
        frames = []
        sb.on_recv(frames.append, copy=False)
        while not frames:
            await asyncio.sleep(0.005)
        assert isinstance(frames[0][0], zmq.Frame) and frames[0][0].bytes == b"waits"

        with pytest.raises(TypeError):
            sa.send("a str")  # refused at once, not in the loop
        with pytest.raises(TypeError):
            sa.on_recv(42)
        sa.close()
        sb.close()

    run(main)


def test_flush_and_close_callback(ctx):
    async def main():
        pull, push = ctx.socket(zmq.PULL), ctx.socket(zmq.PUSH)
        pull.bind("inproc://flush")
        push.connect("inproc://flush")  # inproc: all ten are queued once sent
        stream = zmqstream.ZMQStream(pull)
        for i in range(10):
            push.send(b"%d" % i)
        got = []
        stream.on_recv(got.append)
        n = stream.flush(zmq.POLLIN, limit=3)  # at once, not waiting for the loop
        assert n == 3 and got == [[b"0"], [b"1"], [b"2"]]
        stream.stop_on_recv()
        assert stream.flush() == 7 and len(got) == 3  # no callback: dropped
        closed = []
        stream.set_close_callback(lambda: closed.append(True))
        stream.close(linger=0)
        assert closed == [True] and stream.closed() and pull.closed
        with pytest.raises(OSError):
            stream.send(b"x")
        stream.close()  # twice is fine

        # A socket closed behind the stream's back.
        other = ctx.socket(zmq.PULL)
        s2 = zmqstream.ZMQStream(other)
        other.close()
        assert s2.closed()

    run(main)


def test_coroutine_callbacks_and_errors(ctx, caplog):
    async def main():
        a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
        b.connect(endpoint(a))
        sa = zmqstream.ZMQStream(a)
        done = asyncio.get_running_loop().create_future()

        async def on_msg(msg):
            await asyncio.sleep(0.01)
            if msg == [b"boom"]:
                raise RuntimeError("callback failed")
            done.set_result(msg)

        sa.on_recv(on_msg)
        b.send(b"boom")
        b.send(b"ok")
        assert await asyncio.wait_for(done, TIMEOUT) == [b"ok"]
        sa.on_recv(lambda msg: 1 / 0)
        b.send(b"sync boom")
        await asyncio.sleep(0.1)
        sa.close()

    with caplog.at_level(logging.ERROR, logger="tornado.general"):
        run(main)
    assert sum("ZMQStream callback" in r.message for r in caplog.records) == 2


def test_asyncio_socket_is_shadowed(ctx):
    import ferromq.asyncio

    async def main():
        actx = ferromq.asyncio.Context(ctx)
        s = actx.socket(zmq.PULL)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            stream = zmqstream.ZMQStream(s)
        assert any(issubclass(x.category, RuntimeWarning) for x in w)
        assert type(stream.socket) is zmq.Socket and stream.socket.underlying == s.underlying
        stream.close()

    run(main)
