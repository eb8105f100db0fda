"""ferromq.asyncio: awaitable sockets on the running loop, cancellation-safe."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

import ferromq as zmq
import ferromq.asyncio as azmq
from conftest import endpoint


def run(coro, timeout=20):
    async def bounded():
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


@pytest.fixture
def actx():
    c = azmq.Context()
    yield c
    c.destroy(linger=0)


def pipe(actx, kind_a=zmq.PULL, kind_b=zmq.PUSH):
    a = actx.socket(kind_a)
    b = actx.socket(kind_b)
    b.connect(endpoint(a))
    return a, b


def test_send_recv(actx):
    async def main():
        pull, push = pipe(actx)
        assert isinstance(pull, azmq.Socket)
        waiting = asyncio.ensure_future(pull.recv())
        await asyncio.sleep(0.05)
        assert not waiting.done()
        await push.send(b"hello")
        assert await waiting == b"hello"
        await push.send_multipart([b"a", b"b"])
        assert await pull.recv_multipart() == [b"a", b"b"]
        await push.send_string("text")
        assert await pull.recv_string() == "text"
        await push.send_json({"x": 1})
        assert await pull.recv_json() == {"x": 1}
        await push.send_pyobj((1, 2))
        assert await pull.recv_pyobj() == (1, 2)
        await push.send(b"frame")
        frame = await pull.recv(copy=False)
        assert frame.bytes == b"frame"

    run(main())


def test_req_rep(actx):
    async def server(rep):
        for _ in range(50):
            msg = await rep.recv()
            await rep.send(msg.upper())

    async def client(req):
        for i in range(50):
            await req.send(b"hi %d" % i)
            assert await req.recv() == b"HI %d" % i

    async def main():
        rep, req = pipe(actx, zmq.REP, zmq.REQ)
        await asyncio.gather(server(rep), client(req))

    run(main())


def test_many_messages_both_ways_concurrently(actx):
    n = 20_000

    async def main():
        a, b = pipe(actx, zmq.PAIR, zmq.PAIR)

        async def produce(sock, tag):
            for i in range(n):
                await sock.send_multipart([tag, b"%d" % i])

        async def consume(sock, tag):
            for i in range(n):
                assert await sock.recv_multipart() == [tag, b"%d" % i]

        await asyncio.gather(produce(a, b"A"), produce(b, b"B"), consume(b, b"A"), consume(a, b"B"))

    run(main(), timeout=45)


def test_send_waits_for_room(actx):
    async def main():
        pull = actx.socket(zmq.PULL)
        pull.rcvhwm = 10
        ep = endpoint(pull)
        push = actx.socket(zmq.PUSH)
        push.sndhwm = 10
        push.connect(ep)
        # Far more than both HWMs and the kernel buffers hold of 64 KiB messages: sends
        # must wait (on the event loop) for the reader.
        n = 300
        payload = b"p" * 65536

        async def produce():
            for i in range(n):
                await push.send(payload[:-4] + i.to_bytes(4, "big"))

        async def consume():
            await asyncio.sleep(0.2)
            for i in range(n):
                msg = await pull.recv()
                assert int.from_bytes(msg[-4:], "big") == i

        await asyncio.gather(produce(), consume())

    run(main(), timeout=45)


def test_cancelled_recv_loses_no_message(actx):
    async def main():
        pull, push = pipe(actx)
        for round_ in range(200):
            pending = asyncio.ensure_future(pull.recv())
            await asyncio.sleep(0)
            pending.cancel()
            await push.send(b"%d" % round_)
            # The cancelled recv never took it: the next recv gets it.
            assert await pull.recv() == b"%d" % round_

    run(main())


def test_cancel_racing_arrival(actx):
    """A message arriving while recvs are being cancelled goes to a live waiter or stays
    queued; none is dropped."""

    async def main():
        pull, push = pipe(actx)
        n = 500
        got = []

        async def sender():
            for i in range(n):
                await push.send(b"%d" % i)
                if i % 7 == 0:
                    await asyncio.sleep(0)

        async def receiver():
            # Give up on each recv after 1 ms and cancel it. (Not asyncio.wait_for: on
            # Python >= 3.12 it discards a result that lands as its timeout fires.)
            while len(got) < n:
                pending = pull.recv()
                await asyncio.wait({pending}, timeout=0.001)
                if not pending.cancel():  # too late to cancel: it holds a message
                    got.append(pending.result())

        await asyncio.gather(sender(), receiver())
        assert got == [b"%d" % i for i in range(n)]

    run(main(), timeout=45)


def test_wait_for_timeouts_do_not_accumulate_waiters(actx):
    async def main():
        pull, push = pipe(actx)
        for _ in range(50):
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(pull.recv(), 0.001)
        assert len(pull._recv_waiters) == 0
        await push.send(b"x")
        assert await pull.recv() == b"x"

    run(main())


def test_waiters_are_served_in_order(actx):
    async def main():
        pull, push = pipe(actx)
        futures = [pull.recv() for _ in range(5)]
        for i in range(5):
            await push.send(b"%d" % i)
        assert await asyncio.gather(*futures) == [b"%d" % i for i in range(5)]

    run(main())


def test_poll(actx):
    async def main():
        pull, push = pipe(actx)
        assert await pull.poll(50) == 0
        waiting = pull.poll(5000)
        await asyncio.sleep(0.01)
        await push.send(b"x")
        assert await waiting == zmq.POLLIN
        assert await pull.poll(0) == zmq.POLLIN  # level: still there until received
        assert await pull.recv() == b"x"
        assert await push.poll(1000, zmq.POLLOUT) == zmq.POLLOUT

    run(main())


def test_rcvtimeo_raises_again(actx):
    async def main():
        pull, _ = pipe(actx)
        pull.rcvtimeo = 50
        with pytest.raises(zmq.Again):
            await pull.recv()
        with pytest.raises(zmq.Again):
            await pull.recv(zmq.NOBLOCK)

    run(main())


def test_errors_arrive_in_the_future(actx):
    async def main():
        req = actx.socket(zmq.REQ)
        with pytest.raises(zmq.ZMQError) as info:
            await req.recv()
        assert info.value.errno == zmq.EFSM
        with pytest.raises(TypeError):
            await req.send("str")

    run(main())


def test_close_cancels_pending(actx):
    async def main():
        pull, _ = pipe(actx)
        pending = pull.recv()
        await asyncio.sleep(0.01)
        pull.close()
        assert pending.cancelled()
        with pytest.raises(zmq.ZMQError):
            await pull.recv()

    run(main())


def test_term_fails_pending_with_eterm():
    async def main():
        c = azmq.Context()
        pull = c.socket(zmq.PULL)
        endpoint(pull)
        pending = pull.recv()
        await asyncio.sleep(0.01)
        threading.Thread(target=c.term).start()
        with pytest.raises(zmq.ContextTerminated):
            await pending
        pull.close()

    run(main())


def test_no_busy_loop_while_idle(actx):
    """Waiting costs no CPU: the loop sleeps on the readiness fd (no timer polling)."""

    async def main():
        pull, _ = pipe(actx)
        pending = pull.recv()
        start = os.times()
        await asyncio.sleep(0.5)
        used = (os.times().user - start.user) + (os.times().system - start.system)
        pending.cancel()
        assert used < 0.1, f"{used:.3f} s of CPU while idle"

    run(main())


def test_asyncio_poller(actx):
    async def main():
        pull, push = pipe(actx)
        sync_ctx = zmq.Context()
        sync_pull = sync_ctx.socket(zmq.PULL)
        sync_push = sync_ctx.socket(zmq.PUSH)
        sync_push.connect(endpoint(sync_pull))
        r, w = os.pipe()
        try:
            poller = azmq.Poller()
            poller.register(pull, zmq.POLLIN)
            poller.register(sync_pull, zmq.POLLIN)
            poller.register(r, zmq.POLLIN)
            assert await poller.poll(50) == []
            waiting = asyncio.ensure_future(poller.poll(5000))
            await asyncio.sleep(0.02)
            await push.send(b"a")
            assert dict(await waiting) == {pull: zmq.POLLIN}
            await pull.recv()
            sync_push.send(b"b")
            assert dict(await poller.poll(5000)) == {sync_pull: zmq.POLLIN}
            sync_pull.recv()
            os.write(w, b"!")
            assert dict(await poller.poll(5000)) == {r: zmq.POLLIN}
        finally:
            os.close(r)
            os.close(w)
            sync_ctx.destroy(linger=0)

    run(main())


def test_instance_is_per_class():
    a = azmq.Context.instance()
    b = zmq.Context.instance()
    assert isinstance(a, azmq.Context) and a is not b
    assert azmq.Context.instance() is a
    a.term()
    b.term()


def test_destroy_fails_pending():
    async def main():
        c = azmq.Context()
        pull = c.socket(zmq.PULL)
        endpoint(pull)
        pending = pull.recv()
        await asyncio.sleep(0.01)
        threading.Thread(target=c.destroy, kwargs={"linger": 0}).start()
        with pytest.raises(zmq.ZMQError):
            await pending

    run(main())


def test_recv_json_waiting_and_bad_payload(actx):
    async def main():
        pull, push = pipe(actx)
        pending_json = pull.recv_json()
        pending_str = pull.recv_string()
        await asyncio.sleep(0.01)
        await push.send(b'{"a": 1}')
        await push.send("ünï".encode())
        assert await pending_json == {"a": 1}
        assert await pending_str == "ünï"
        bad = pull.recv_json()
        await push.send(b"not json")
        with pytest.raises(ValueError):
            await bad
        cancelled = pull.recv_string()
        cancelled.cancel()
        await push.send(b"kept")
        assert await pull.recv_string() == "kept"

    run(main())
