"""More of pyzmq's API, each test run twice: on pyzmq (the reference, PyPI's, on libzmq) and on
ferromq, expecting the same behaviour: ``recv_into``, ``zmq.utils.jsonapi``,
``zmq.decorators`` and ``zmq.log.handlers``."""

from __future__ import annotations

import asyncio
import importlib
import logging

import pytest


@pytest.fixture(params=["zmq", "ferromq"])
def lib(request):
    """The library under test, with a context destroyed after the test."""
    module = importlib.import_module(request.param)
    ctx = module.Context()
    module.test_context = ctx
    yield module
    ctx.destroy(linger=0)


def submodule(lib, name):
    return importlib.import_module(f"{lib.__name__}.{name}")


def pair(lib):
    a = lib.test_context.socket(lib.PAIR)
    b = lib.test_context.socket(lib.PAIR)
    b.rcvtimeo = 5000
    b.connect(f"tcp://127.0.0.1:{a.bind_to_random_port('tcp://127.0.0.1')}")
    return a, b


# ----- recv_into -----


def test_recv_into_fills_the_buffer_and_returns_the_frame_size(lib):
    a, b = pair(lib)
    a.send(b"hello world")
    buf = bytearray(5)
    assert b.recv_into(buf) == 11  # truncated: the frame's size, not what fitted
    assert buf == b"hello"
    a.send(b"hi")
    buf = bytearray(b"12345")
    assert b.recv_into(buf) == 2
    assert buf == b"hi345"
    a.send(b"abcdef")
    buf = bytearray(10)
    assert b.recv_into(buf, nbytes=3) == 6
    assert buf == b"abc" + bytes(7)
    # Any writable contiguous buffer: a memoryview slice, an array.
    import array

    a.send(b"xyz")
    target = array.array("B", [0] * 8)
    assert b.recv_into(memoryview(target)[2:]) == 3
    assert target.tobytes() == b"\0\0xyz\0\0\0"


def test_recv_into_takes_one_frame_of_a_multipart_message(lib):
    a, b = pair(lib)
    a.send_multipart([b"first", b"second"])
    buf = bytearray(10)
    assert b.recv_into(buf) == 5
    assert b.getsockopt(lib.RCVMORE) == 1
    assert b.recv_into(buf) == 6
    assert bytes(buf[:6]) == b"second"
    assert b.getsockopt(lib.RCVMORE) == 0


def test_recv_into_refuses_bad_buffers_before_receiving(lib):
    a, b = pair(lib)
    a.send(b"kept")
    with pytest.raises(BufferError):
        b.recv_into(b"read-only bytes")
    with pytest.raises(ValueError, match="too big"):
        b.recv_into(bytearray(3), nbytes=5)
    with pytest.raises(ValueError):
        b.recv_into(bytearray(3), nbytes=-1)
    with pytest.raises(TypeError):
        b.recv_into("a str is not a buffer")
    buf = bytearray(8)
    assert b.recv_into(buf) == 4  # nothing was lost to the refused calls
    assert buf[:4] == b"kept"
    with pytest.raises(lib.Again):
        b.recv_into(buf, flags=lib.NOBLOCK)


def test_recv_into_on_asyncio_sockets(lib):
    aio = submodule(lib, "asyncio")

    async def main():
        ctx = aio.Context()
        a, b = ctx.socket(lib.PAIR), ctx.socket(lib.PAIR)
        b.connect(f"tcp://127.0.0.1:{a.bind_to_random_port('tcp://127.0.0.1')}")
        buf = bytearray(16)
        pending = b.recv_into(buf)  # waits: nothing sent yet
        await asyncio.sleep(0.05)
        assert not pending.done()
        await a.send(b"async bytes")
        assert await asyncio.wait_for(pending, 5) == 11
        assert buf[:11] == b"async bytes"
        a.close(linger=0)
        b.close(linger=0)
        ctx.term()

    asyncio.run(main())


# ----- zmq.utils.jsonapi -----


def test_jsonapi(lib):
    jsonapi = submodule(lib, "utils.jsonapi")
    assert jsonapi.dumps({"a": [1, "é"]}) == b'{"a": [1, "\\u00e9"]}'
    assert jsonapi.dumps({"a": "é"}, ensure_ascii=False) == '{"a": "é"}'.encode()
    assert jsonapi.loads(b'{"a": [1, "\\u00e9"]}') == {"a": [1, "é"]}
    assert jsonapi.loads('{"a": 1}') == {"a": 1}
    assert jsonapi.jsonmod.dumps is __import__("json").dumps


# ----- zmq.decorators -----


def test_context_and_socket_decorators(lib):
    decorators = submodule(lib, "decorators")
    seen = {}

    @decorators.context()
    @decorators.socket(lib.PUSH)
    @decorators.socket("pull", lib.PULL)
    def work(greeting, ctx, push, pull):
        seen.update(ctx=ctx, push=push, pull=pull)
        assert isinstance(ctx, lib.Context)
        assert push.context is ctx and pull.context is ctx
        port = pull.bind_to_random_port("tcp://127.0.0.1")
        push.connect(f"tcp://127.0.0.1:{port}")
        push.send(greeting)
        pull.rcvtimeo = 5000
        return pull.recv()

    assert work(b"hi") == b"hi"
    assert seen["push"].closed and seen["pull"].closed
    assert seen["ctx"].closed


def test_socket_decorator_finds_the_context_and_names(lib):
    decorators = submodule(lib, "decorators")
    ctx = lib.test_context

    @decorators.socket(lib.PUB, name="pub")
    def by_keyword(context, pub=None):
        return pub

    sock = by_keyword(context=ctx)
    assert sock.context is ctx and sock.closed

    @decorators.socket("sub", lib.SUB, context_name="c")
    def other_name(c, sub):
        return sub

    sock = other_name(c=ctx)
    assert sock.context is ctx and sock.closed

    @decorators.socket(lib.PAIR, name="s")
    def twice(s):
        return s

    with pytest.raises(TypeError, match="multiple values for argument 's'"):
        twice(s=1)


# ----- zmq.log.handlers -----


def test_pub_handler_publishes_topics_and_formats(lib):
    handlers = submodule(lib, "log.handlers")
    sub = lib.test_context.socket(lib.SUB)
    sub.rcvtimeo = 5000
    sub.subscribe(b"")
    port = sub.bind_to_random_port("tcp://127.0.0.1")
    pub = lib.test_context.socket(lib.PUB)
    pub.connect(f"tcp://127.0.0.1:{port}")
    handler = handlers.PUBHandler(pub, root_topic="app")
    assert handler.socket is pub and handler.ctx is lib.test_context
    logger = logging.getLogger(f"pubhandler-{lib.__name__}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        # Until the subscription has reached the PUB, records are dropped (PUB semantics).
        for _ in range(200):
            logger.info("probe")
            try:
                if sub.recv_multipart(lib.NOBLOCK)[0] == b"app.INFO":
                    break
            except lib.Again:
                pass
            __import__("time").sleep(0.02)
        logger.info("synced")
        while sub.recv_multipart()[1] != b"synced\n":  # the probes still on their way
            pass
        logger.info("plain %s", "text")
        assert sub.recv_multipart() == [b"app.INFO", b"plain text\n"]
        logger.warning("db.slow::took %d ms", 12)
        topic, body = sub.recv_multipart()
        assert topic == b"app.WARNING.db.slow"
        assert body.startswith(b"WARNING test_pyzmq_api.py:") and body.endswith(b" - took 12 ms\n")
        handler.root_topic = b""
        handler.setFormatter(logging.Formatter("<%(message)s>"), logging.DEBUG)
        logger.debug("x::y")
        assert sub.recv_multipart() == [b"DEBUG.x", b"<y>"]
        topic_logger = handlers.TopicLogger("topics")
        topic_logger.addHandler(handler)
        topic_logger.log(logging.ERROR, "disk.full", "no room on %s", "/var")
        topic, body = sub.recv_multipart()
        assert topic == b"ERROR.disk.full"
        assert b"no room on /var - None" in body
        assert handlers.TOPIC_DELIM == "::"
    finally:
        logger.removeHandler(handler)


def test_pub_handler_binds_its_own_socket(lib):
    handlers = submodule(lib, "log.handlers")
    handler = handlers.PUBHandler("tcp://127.0.0.1:*", context=lib.test_context)
    assert handler.socket.type == lib.PUB
    assert handler.socket.get(lib.LAST_ENDPOINT).startswith(b"tcp://127.0.0.1:")
    handler.socket.close(linger=0)


# ----- attributes, context options, copies, backend -----


def test_unknown_attributes_raise_attribute_error(lib):
    ctx = lib.test_context
    sock = ctx.socket(lib.PUSH)
    for obj, cls in ((sock, "Socket"), (ctx, "Context")):
        with pytest.raises(AttributeError, match=f"{cls} has no such option: NO_SUCH_THING"):
            obj.no_such_thing = 5
        with pytest.raises(AttributeError, match=f"{cls} has no such option: BOGUS"):
            obj.bogus
    sock.linger = 0  # an option
    assert sock.linger == 0
    ctx.linger = 7  # a default option for new sockets
    assert ctx.socket(lib.PULL).linger == 7
    assert repr(sock).startswith(f"<{lib.__name__}.Socket(zmq.PUSH) at 0x")


def test_every_option_is_in_dir():
    import ferromq

    with ferromq.Context() as ctx:
        names = dir(ctx.socket(ferromq.PAIR))
    for option in ("linger", "sndhwm", "rcvtimeo", "routing_id", "immediate", "maxmsgsize"):
        assert option in names


def test_max_sockets(lib):
    ctx = lib.Context()
    try:
        assert ctx.get(lib.MAX_SOCKETS) == 1023
        assert ctx.get(lib.SOCKET_LIMIT) == 65535
        with pytest.raises(lib.ZMQError) as bad:
            ctx.set(lib.MAX_SOCKETS, 0)
        assert bad.value.errno == lib.EINVAL
        ctx.set(lib.MAX_SOCKETS, 2)
        assert ctx.get(lib.MAX_SOCKETS) == 2
        first, second = ctx.socket(lib.PAIR), ctx.socket(lib.PAIR)
        with pytest.raises(lib.ZMQError) as full:
            ctx.socket(lib.PAIR)
        assert full.value.errno == __import__("errno").EMFILE
        # (A closed socket's slot comes back once libzmq's reaper is done with it: later.)
        first.close()
        second.close()
    finally:
        ctx.destroy(linger=0)


def test_io_threads_argument(lib):
    with pytest.raises(TypeError, match="an integer is required"):
        lib.Context(io_threads="2")
    with pytest.raises(lib.ZMQError) as bad:
        lib.Context(io_threads=-1)
    assert bad.value.errno == lib.EINVAL
    for given, reported in ((0, 0), (1.5, 1), (2, 2)):
        ctx = lib.Context(io_threads=given)
        assert ctx.get(lib.IO_THREADS) == reported
        ctx.term()


def test_copies_of_a_context_are_shadows(lib):
    import copy
    import pickle

    ctx = lib.test_context
    for dup in (copy.copy(ctx), copy.deepcopy(ctx)):
        assert type(dup) is type(ctx) and dup is not ctx
        assert dup.underlying == ctx.underlying
    with pytest.raises(TypeError):
        pickle.dumps(ctx)
    with pytest.raises(TypeError):
        pickle.dumps(ctx.socket(lib.PAIR))


def test_instance_of_a_subclass(lib):
    class Mine(lib.Context):
        _instance = None  # pyzmq's pattern for a separate instance (zmq.asyncio does it)

    mine = Mine.instance()
    try:
        assert type(mine) is Mine and Mine.instance() is mine
        assert lib.Context.instance() is not mine
    finally:
        mine.term()


def test_backend(lib):
    backend = submodule(lib, "backend")
    assert backend.Socket in lib.Socket.__mro__
    assert backend.Context in lib.Context.__mro__
    a, b = pair(lib)
    a.send(b"x")
    assert backend.zmq_poll([(b, lib.POLLIN), (a, lib.POLLIN)], 5000) == [(b, lib.POLLIN)]
    assert backend.zmq_poll([(a, lib.POLLIN)], 0) == []
    assert backend.strerror(lib.EAGAIN) == "Resource temporarily unavailable"
    assert backend.zmq_version_info()[0] == 4


# ----- devices -----


def test_single_socket_devices_echo_to_the_sender(lib):
    import threading

    devices = submodule(lib, "devices")
    dev = devices.ThreadDevice(lib.QUEUE, lib.ROUTER, -1)  # out_type -1: one socket
    port = dev.bind_in_to_random_port("tcp://127.0.0.1")
    dev.start()
    # And zmq.proxy with one ROUTER as both ends, in a thread of ours.
    router = lib.test_context.socket(lib.ROUTER)
    port2 = router.bind_to_random_port("tcp://127.0.0.1")
    threading.Thread(target=lambda: _proxy_until_closed(lib, router), daemon=True).start()
    for p in (port, port2):
        dealer = lib.test_context.socket(lib.DEALER)
        dealer.rcvtimeo = 5000
        dealer.connect(f"tcp://127.0.0.1:{p}")
        for i in range(50):
            dealer.send_multipart([b"to", str(i).encode()])
        for i in range(50):
            # Routed by the sender's own id: each message comes back to its sender.
            assert dealer.recv_multipart() == [b"to", str(i).encode()]
        dealer.close(linger=0)


def _proxy_until_closed(lib, sock):
    try:
        lib.proxy(sock, sock)
    except lib.ZMQError:
        pass  # the context's destroy ends it


# ----- asyncio -----


def test_async_poller_with_descriptors_and_file_objects(lib):
    import os
    import socket as pysocket

    aio = submodule(lib, "asyncio")

    async def main():
        ctx = aio.Context()
        r, w = os.pipe()
        s1, s2 = pysocket.socketpair()
        pull = ctx.socket(lib.PULL)
        try:
            poller = aio.Poller()
            poller.register(r, lib.POLLIN)
            poller.register(s1, lib.POLLIN)
            poller.register(pull, lib.POLLIN)
            assert await poller.poll(50) == []
            os.write(w, b"x")
            s2.send(b"y")
            ready = dict(await poller.poll(5000))
            assert ready == {r: lib.POLLIN, s1.fileno(): lib.POLLIN}
        finally:
            pull.close(linger=0)
            ctx.term()
            for fd in (r, w):
                os.close(fd)
            s1.close()
            s2.close()

    asyncio.run(main())


def test_one_async_socket_in_several_event_loops_in_turn(lib):
    aio = submodule(lib, "asyncio")
    ctx = aio.Context()
    a, b = ctx.socket(lib.PAIR), ctx.socket(lib.PAIR)
    b.connect(f"tcp://127.0.0.1:{a.bind_to_random_port('tcp://127.0.0.1')}")

    async def exchange(i):
        await a.send(b"m%d" % i)
        return await asyncio.wait_for(b.recv(), 5)

    try:
        assert [asyncio.run(exchange(i)) for i in range(3)] == [b"m0", b"m1", b"m2"]
    finally:
        a.close(linger=0)
        b.close(linger=0)
        ctx.term()


def test_a_cancelled_poll_leaves_nothing_behind(lib):
    aio = submodule(lib, "asyncio")

    async def main():
        ctx = aio.Context()
        pull = ctx.socket(lib.PULL)
        pull.bind("inproc://cancelled-poll")
        poll = pull.poll(5000)
        await asyncio.sleep(0.01)
        poll.cancel()
        await asyncio.sleep(0.05)
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
        push = ctx.socket(lib.PUSH)
        push.connect("inproc://cancelled-poll")
        await push.send(b"after")
        assert await asyncio.wait_for(pull.recv(), 5) == b"after"
        push.close(linger=0)
        pull.close(linger=0)
        ctx.term()

    asyncio.run(main())


# ----- zmq.eventloop.future -----


def test_eventloop_future_sockets_return_tornado_futures(lib):
    from tornado.concurrent import Future
    from tornado.ioloop import IOLoop

    future = submodule(lib, "eventloop.future")

    async def main():
        ctx = future.Context()
        a, b = ctx.socket(lib.PAIR), ctx.socket(lib.PAIR)
        b.connect(f"tcp://127.0.0.1:{a.bind_to_random_port('tcp://127.0.0.1')}")
        try:
            pending = b.recv()
            assert isinstance(pending, Future)
            await a.send(b"tornado")
            assert await pending == b"tornado"
            poller = future.Poller()
            poller.register(b, lib.POLLIN)
            await a.send_multipart([b"x", b"y"])
            assert await poller.poll(5000) == [(b, lib.POLLIN)]
            assert await b.recv_multipart() == [b"x", b"y"]
            assert isinstance(future.Context.instance(), future.Context)
        finally:
            a.close(linger=0)
            b.close(linger=0)
            ctx.term()

    IOLoop.current().run_sync(main)


# ----- zmq.utils.z85 -----


def test_z85(lib):
    import os

    z85 = submodule(lib, "utils.z85")
    assert z85.encode(b"\x86\x4f\xd2\x6f\xb5\x59\xf7\x5b") == b"HelloWorld"  # RFC 32's example
    assert z85.decode(b"HelloWorld") == z85.decode("HelloWorld") == b"\x86\x4f\xd2\x6f\xb5\x59\xf7\x5b"
    for _ in range(50):
        raw = os.urandom(32)
        assert z85.decode(z85.encode(raw)) == raw
    assert z85.encode(b"\xff" * 4) == b"%nSc0"
    with pytest.raises(ValueError, match="multiple of 4, not 3"):
        z85.encode(b"abc")
    with pytest.raises(ValueError, match="multiple of 5, not 4"):
        z85.decode(b"abcd")


def test_frames_received_over_tcp_carry_their_connections_metadata(lib):
    # pyzmq's Frame.get(name) / frame[name] (libzmq's zmq_msg_gets) and Frame.get(SRCFD).
    pull = lib.test_context.socket(lib.PULL)
    pull.rcvtimeo = 5000
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    push = lib.test_context.socket(lib.PUSH)
    push.connect(f"tcp://127.0.0.1:{port}")
    push.send_multipart([b"a", b"b"])
    first = pull.recv(copy=False)
    assert first.get("Peer-Address") == "127.0.0.1"
    assert first["Socket-Type"] == "PUSH"
    assert first.get(lib.SRCFD) >= 0
    assert first.get(lib.MORE) == 1
    with pytest.raises(lib.ZMQError) as raised:
        first.get("X-Absent")
    assert raised.value.errno == lib.EINVAL
    second = pull.recv(copy=False)
    assert second.get("Socket-Type") == "PUSH" and second.get(lib.MORE) == 0
    push.send(b"c")
    [third] = pull.recv_multipart(copy=False)
    assert third.get("Peer-Address") == "127.0.0.1"
