"""PLAIN and ZAP with pyzmq's API: the same test code runs with FerroMQ and with pyzmq (the
real libzmq) on either side, each server guarded by its own library's ThreadAuthenticator;
the server counts every message a client sends before it closes."""

from __future__ import annotations

import pytest
import zmq as pyzmq  # PyPI pyzmq, bundling libzmq
import zmq.auth.thread  # noqa: F401  (pyzmq's authenticator)
import zmq.utils.monitor  # noqa: F401

import ferromq
import ferromq.auth.asyncio
import ferromq.auth.thread
import ferromq.utils.monitor

from security_pairs import HANDSHAKE_EVENTS, next_event, peers  # noqa: F401

TIMEOUT = 5000
MESSAGES = 10_000


def authenticator(lib, context):
    auth = lib.auth.thread.ThreadAuthenticator(context)
    auth.start()
    auth.configure_plain(domain="*", passwords={"admin": "secret"})
    return auth


def plain_server(lib, context):
    server = context.socket(lib.PULL)
    server.plain_server = True
    server.rcvtimeo = TIMEOUT
    server.linger = 0
    server.bind("tcp://127.0.0.1:*")
    return server, server.last_endpoint.decode()


def plain_client(lib, context, endpoint, password):
    client = context.socket(lib.PUSH)
    client.plain_username = b"admin"
    client.plain_password = password
    client.sndtimeo = TIMEOUT
    monitor = client.get_monitor_socket(HANDSHAKE_EVENTS)
    monitor.rcvtimeo = TIMEOUT
    client.connect(endpoint)
    return client, monitor


def test_plain_with_the_right_password_delivers_everything(peers):
    (slib, sctx), (clib, cctx) = peers
    auth = authenticator(slib, sctx)
    try:
        server, endpoint = plain_server(slib, sctx)
        client, monitor = plain_client(clib, cctx, endpoint, b"secret")
        assert next_event(clib, monitor) == (clib.EVENT_HANDSHAKE_SUCCEEDED, 0)
        client.linger = -1
        for seq in range(MESSAGES):
            client.send(b"%d" % seq)
        client.close()
        first = server.recv(copy=False)
        assert first.bytes == b"0"
        assert first.get("User-Id") == "admin"
        for seq in range(1, MESSAGES):
            assert server.recv() == b"%d" % seq
    finally:
        auth.stop()


def test_plain_with_a_wrong_password_is_refused_and_both_monitors_say_so(peers):
    (slib, sctx), (clib, cctx) = peers
    auth = authenticator(slib, sctx)
    try:
        server, endpoint = plain_server(slib, sctx)
        server_monitor = server.get_monitor_socket(HANDSHAKE_EVENTS)
        server_monitor.rcvtimeo = TIMEOUT
        client, monitor = plain_client(clib, cctx, endpoint, b"guess")
        assert next_event(clib, monitor) == (clib.EVENT_HANDSHAKE_FAILED_AUTH, 400)
        assert next_event(slib, server_monitor) == (slib.EVENT_HANDSHAKE_FAILED_AUTH, 400)
        server.rcvtimeo = 200
        with pytest.raises(slib.Again):
            server.recv()
    finally:
        auth.stop()


def test_null_clients_are_admitted_or_refused_by_address(peers):
    (slib, sctx), (clib, cctx) = peers
    auth = slib.auth.thread.ThreadAuthenticator(sctx)
    auth.start()
    try:
        for denied in (False, True):
            if denied:
                auth.deny("127.0.0.1")
            server = sctx.socket(slib.PULL)
            server.zap_domain = b"global"
            server.rcvtimeo = 500
            server.linger = 0
            server.bind("tcp://127.0.0.1:*")
            client = cctx.socket(clib.PUSH)
            client.linger = 0
            client.connect(server.last_endpoint.decode())
            client.send(b"hello")
            if denied:
                with pytest.raises(slib.Again):
                    server.recv()
            else:
                msg = server.recv(copy=False)
                assert msg.bytes == b"hello"
                assert msg.get("User-Id") == "anonymous"
            client.close()
            server.close()
    finally:
        auth.stop()


@pytest.mark.parametrize("lib", [ferromq, pyzmq], ids=["ferromq", "pyzmq"])
def test_security_options_read_back_as_pyzmq(lib, ctx, zctx):
    context = ctx if lib is ferromq else zctx
    s = context.socket(lib.DEALER)
    assert s.mechanism == lib.NULL
    s.plain_server = True
    assert (s.plain_server, s.mechanism) == (1, lib.PLAIN)
    s.plain_username = b"admin"
    assert (s.plain_server, s.mechanism, s.plain_username) == (0, lib.PLAIN, b"admin")
    s.plain_server = False
    assert s.mechanism == lib.NULL
    s.zap_domain = b"global"
    assert s.zap_domain == b"global"
    with pytest.raises(lib.ZMQError) as e:
        s.plain_username = b"x" * 256
    assert e.value.errno == lib.EINVAL


def test_a_second_authenticator_in_one_context_is_eaddrinuse(ctx):
    first = ferromq.auth.thread.ThreadAuthenticator(ctx)
    first.start()
    try:
        assert first.is_alive()
        second = ferromq.auth.asyncio.AsyncioAuthenticator(ctx)
        with pytest.raises(ferromq.ZMQError) as e:
            second.start()
        assert e.value.errno == ferromq.EADDRINUSE
    finally:
        first.stop()
    assert not first.is_alive()
