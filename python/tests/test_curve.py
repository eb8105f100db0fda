"""CURVE with pyzmq's API: the same test code runs with FerroMQ and with pyzmq (the real
libzmq, built with libsodium) on either side, each server guarded by its own library's
ThreadAuthenticator and certificate directory; the server counts every message a client
sends before it closes."""

from __future__ import annotations

import pytest
import zmq as pyzmq  # PyPI pyzmq, bundling libzmq with CURVE
import zmq.auth  # noqa: F401
import zmq.auth.thread  # noqa: F401
import zmq.utils.monitor  # noqa: F401
import zmq.utils.z85  # noqa: F401

import ferromq
import ferromq.auth
import ferromq.auth.thread
import ferromq.utils.monitor
import ferromq.utils.z85

from security_pairs import HANDSHAKE_EVENTS, next_event, peers  # noqa: F401

TIMEOUT = 5000
MESSAGES = 10_000


def curve_server(lib, context, secret):
    server = context.socket(lib.DEALER)
    server.curve_server = True
    server.curve_secretkey = secret
    server.rcvtimeo = TIMEOUT
    server.linger = 0
    server.bind("tcp://127.0.0.1:*")
    return server, server.last_endpoint.decode()


def curve_client(lib, context, endpoint, server_public, keys):
    client = context.socket(lib.DEALER)
    client.curve_serverkey = server_public
    client.curve_publickey, client.curve_secretkey = keys
    client.rcvtimeo = client.sndtimeo = TIMEOUT
    monitor = client.get_monitor_socket(HANDSHAKE_EVENTS)
    monitor.rcvtimeo = TIMEOUT
    client.connect(endpoint)
    return client, monitor


def guarded(lib, context, key_dir):
    auth = lib.auth.thread.ThreadAuthenticator(context)
    auth.start()
    auth.configure_curve(domain="*", location=str(key_dir))
    return auth


def test_curve_delivers_everything_to_a_known_client(peers, tmp_path):
    (slib, sctx), (clib, cctx) = peers
    server_public, server_secret = slib.curve_keypair()
    # The client's certificate, written by the client's library, read by the server's
    # authenticator: the two libraries' zcert files are interchangeable.
    cert_dir = tmp_path / "clients"
    cert_dir.mkdir()
    _, secret_file = clib.auth.create_certificates(str(cert_dir), "client")
    client_keys = clib.auth.load_certificate(secret_file)
    assert slib.auth.load_certificate(secret_file) == client_keys
    auth = guarded(slib, sctx, cert_dir)
    try:
        server, endpoint = curve_server(slib, sctx, server_secret)
        client, monitor = curve_client(clib, cctx, endpoint, server_public, client_keys)
        assert next_event(clib, monitor) == (clib.EVENT_HANDSHAKE_SUCCEEDED, 0)
        client.linger = -1
        for seq in range(MESSAGES):
            client.send(b"%d" % seq)
        client.send_multipart([b"big", b"x" * 200_000])
        first = server.recv(copy=False)
        assert first.bytes == b"0"
        assert first.get("User-Id") == client_keys[0].decode()
        for seq in range(1, MESSAGES):
            assert server.recv() == b"%d" % seq
        assert server.recv_multipart() == [b"big", b"x" * 200_000]
        server.send_multipart([b"reply", b"y" * 70_000])
        assert client.recv_multipart() == [b"reply", b"y" * 70_000]
        client.close()
    finally:
        auth.stop()


def test_curve_refuses_an_unknown_client_key(peers, tmp_path):
    (slib, sctx), (clib, cctx) = peers
    server_public, server_secret = slib.curve_keypair()
    auth = guarded(slib, sctx, tmp_path)  # no certificates: nobody is known
    try:
        server, endpoint = curve_server(slib, sctx, server_secret)
        server_monitor = server.get_monitor_socket(HANDSHAKE_EVENTS)
        server_monitor.rcvtimeo = TIMEOUT
        client, monitor = curve_client(clib, cctx, endpoint, server_public, clib.curve_keypair())
        assert next_event(clib, monitor) == (clib.EVENT_HANDSHAKE_FAILED_AUTH, 400)
        assert next_event(slib, server_monitor) == (slib.EVENT_HANDSHAKE_FAILED_AUTH, 400)
        server.rcvtimeo = 200
        with pytest.raises(slib.Again):
            server.recv()
    finally:
        auth.stop()


def test_curve_with_the_wrong_server_key_fails_cryptographically(peers):
    (slib, sctx), (clib, cctx) = peers
    _, server_secret = slib.curve_keypair()
    other_public, _ = slib.curve_keypair()
    server, endpoint = curve_server(slib, sctx, server_secret)
    server_monitor = server.get_monitor_socket(HANDSHAKE_EVENTS)
    server_monitor.rcvtimeo = TIMEOUT
    curve_client(clib, cctx, endpoint, other_public, clib.curve_keypair())
    assert next_event(slib, server_monitor) == (
        slib.EVENT_HANDSHAKE_FAILED_PROTOCOL,
        slib.PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
    )


def test_allow_any_lets_every_client_in(peers):
    (slib, sctx), (clib, cctx) = peers
    server_public, server_secret = slib.curve_keypair()
    auth = slib.auth.thread.ThreadAuthenticator(sctx)
    auth.start()
    auth.configure_curve(domain="*", location=slib.auth.CURVE_ALLOW_ANY)
    try:
        server, endpoint = curve_server(slib, sctx, server_secret)
        client, _ = curve_client(clib, cctx, endpoint, server_public, clib.curve_keypair())
        client.send(b"hello")
        assert server.recv() == b"hello"
    finally:
        auth.stop()


@pytest.mark.parametrize("lib", [ferromq, pyzmq], ids=["ferromq", "pyzmq"])
def test_keys_and_options_as_pyzmq(lib, ctx, zctx):
    public, secret = lib.curve_keypair()
    assert len(public) == len(secret) == 40
    assert lib.curve_public(secret) == public
    assert lib.has("curve")
    context = ctx if lib is ferromq else zctx
    s = context.socket(lib.DEALER)
    s.curve_server = True
    assert (s.curve_server, s.mechanism) == (1, lib.CURVE)
    s.curve_serverkey = public
    assert (s.curve_server, s.mechanism) == (0, lib.CURVE)
    s.curve_secretkey = lib.utils.z85.decode(secret)  # 32 bytes work as well
    with pytest.raises(lib.ZMQError) as e:
        s.curve_publickey = b"too short"
    assert e.value.errno == lib.EINVAL
