"""Socket options: setsockopt/getsockopt, set/get, the attribute form, bad values."""

from __future__ import annotations

import pytest

import ferromq as zmq
from conftest import endpoint

INT_OPTIONS = {
    "SNDHWM": 5000,
    "RCVHWM": 7000,
    "LINGER": 0,
    "RCVTIMEO": 1500,
    "SNDTIMEO": 2500,
    "RECONNECT_IVL": 50,
    "RECONNECT_IVL_MAX": 1000,
    "BACKLOG": 10,
    "MAXMSGSIZE": 1 << 20,
    "IMMEDIATE": 1,
    "SNDBUF": 65536,
    "RCVBUF": 65536,
    "IPV6": 1,
    "HANDSHAKE_IVL": 1000,
    "TCP_KEEPALIVE": 1,
    "TCP_KEEPALIVE_IDLE": 30,
    "TCP_KEEPALIVE_CNT": 3,
    "TCP_KEEPALIVE_INTVL": 5,
    "HEARTBEAT_IVL": 100,
    "HEARTBEAT_TTL": 1000,
    "HEARTBEAT_TIMEOUT": 300,
    "CONNECT_TIMEOUT": 200,
}


@pytest.mark.parametrize("name,value", sorted(INT_OPTIONS.items()))
def test_int_options_roundtrip(ctx, name, value):
    s = ctx.socket(zmq.DEALER)
    opt = getattr(zmq, name)
    s.setsockopt(opt, value)
    assert s.getsockopt(opt) == value
    s.set(opt, 0 if value != 0 else 1)
    assert s.get(opt) == (0 if value != 0 else 1)
    # Attribute form, lower and upper case.
    setattr(s, name.lower(), value)
    assert getattr(s, name.lower()) == value
    assert getattr(s, name) == value


def test_defaults_match_libzmq(ctx):
    s = ctx.socket(zmq.REQ)
    assert s.linger == -1
    assert s.rcvtimeo == -1 and s.sndtimeo == -1
    assert s.sndhwm == 1000 and s.rcvhwm == 1000
    assert s.hwm == 1000
    assert s.reconnect_ivl == 100
    assert s.get(zmq.TYPE) == zmq.REQ
    assert s.type == zmq.REQ and s.type is zmq.SocketType.REQ
    assert s.rcvmore == 0
    assert s.last_endpoint == b""


def test_routing_id_and_identity(ctx):
    s = ctx.socket(zmq.DEALER)
    s.identity = b"me"
    assert s.routing_id == b"me"
    assert s.getsockopt(zmq.IDENTITY) == b"me"
    s.setsockopt_string(zmq.ROUTING_ID, "you")
    assert s.get_string(zmq.IDENTITY) == "you"
    s.set(zmq.ROUTING_ID, bytearray(b"buf"))  # any buffer
    assert s.routing_id == b"buf"
    with pytest.raises(zmq.ZMQError) as info:
        s.routing_id = b"\x00reserved"
    assert info.value.errno == zmq.EINVAL
    assert "ROUTING_ID" in str(info.value)


def test_hwm_sets_both(ctx):
    s = ctx.socket(zmq.PUSH)
    s.hwm = 10
    assert s.sndhwm == 10 and s.rcvhwm == 10
    s.setsockopt(zmq.HWM, 20)
    assert s.getsockopt(zmq.HWM) == 20 and s.rcvhwm == 20


def test_last_endpoint_fd_events(ctx):
    s = ctx.socket(zmq.PULL)
    ep = endpoint(s)
    assert ep.startswith("tcp://127.0.0.1:") and not ep.endswith(":*")
    assert s.get(zmq.LAST_ENDPOINT) == ep.encode()
    fd = s.get(zmq.FD)
    assert isinstance(fd, int) and fd >= 0
    assert s.fileno() == fd == s.FD
    assert s.events == 0
    push = ctx.socket(zmq.PUSH)
    assert push.get(zmq.EVENTS) == 0  # no peer yet: cannot send
    push.connect(ep)
    push.send(b"x")
    assert s.poll(5000) == zmq.POLLIN
    assert s.events & zmq.POLLIN


def test_type_specific_options(ctx):
    r = ctx.socket(zmq.ROUTER)
    r.router_mandatory = 1
    r.setsockopt(zmq.ROUTER_HANDOVER, 1)
    x = ctx.socket(zmq.XPUB)
    x.xpub_verbose = 1
    s = ctx.socket(zmq.SUB)
    s.setsockopt(zmq.SUBSCRIBE, b"")
    s.setsockopt(zmq.UNSUBSCRIBE, b"")
    req = ctx.socket(zmq.REQ)
    req.req_relaxed = 1
    req.req_correlate = 1


def test_option_on_wrong_socket_type(ctx):
    s = ctx.socket(zmq.PUSH)
    with pytest.raises(zmq.ZMQError) as info:
        s.setsockopt(zmq.SUBSCRIBE, b"")
    assert info.value.errno == zmq.EINVAL
    assert "SUBSCRIBE" in str(info.value) and "PUSH" in str(info.value)


def test_bad_option_values(ctx):
    s = ctx.socket(zmq.DEALER)
    with pytest.raises(zmq.ZMQError) as info:
        s.sndhwm = -5
    assert info.value.errno == zmq.EINVAL and "SNDHWM" in str(info.value)
    with pytest.raises(TypeError, match="LINGER"):
        s.linger = "forever"
    with pytest.raises(TypeError, match="LINGER"):
        s.setsockopt(zmq.LINGER, b"1")
    with pytest.raises(TypeError, match="str"):
        s.setsockopt(zmq.ROUTING_ID, "text")
    with pytest.raises(TypeError, match="ROUTING_ID"):
        s.setsockopt(zmq.ROUTING_ID, 5)
    with pytest.raises(ValueError, match="range"):
        s.setsockopt(zmq.LINGER, 1 << 80)
    with pytest.raises(TypeError):
        s.get_string(zmq.LINGER)


def test_unsupported_options_say_so(ctx):
    s = ctx.socket(zmq.DEALER)
    with pytest.raises(zmq.ZMQError) as info:
        s.setsockopt(zmq.GSSAPI_SERVER, 1)
    assert info.value.errno == zmq.EINVAL
    assert "GSSAPI_SERVER" in str(info.value) and "not supported" in str(info.value)
    with pytest.raises(zmq.ZMQError):
        s.getsockopt(9999)
    # Attribute reads of unreadable options are AttributeErrors (pyzmq does the same).
    with pytest.raises(AttributeError):
        s.gssapi_server
    with pytest.raises(AttributeError):
        s.not_an_option


def test_unknown_attributes_are_refused_but_subclasses_may_add_their_own(ctx):
    s = ctx.socket(zmq.PAIR)
    with pytest.raises(AttributeError, match="no such option: MY_TAG"):
        s.my_tag = "hello"  # not an option name (as pyzmq)
    s._private = 1  # private names are plain attributes
    assert "linger" in dir(s)

    class Tagged(zmq.Socket):
        tag: str = ""  # declared by the class: a plain attribute

    t = Tagged(ctx, zmq.PAIR)
    t.tag = "hello"
    assert t.tag == "hello"
    t.close()


def test_close_with_linger(ctx):
    s = ctx.socket(zmq.PUSH)
    s.close(linger=0)
    assert s.closed
    with pytest.raises(zmq.ZMQError) as info:
        s.linger
    assert info.value.errno == zmq.ENOTSOCK
    s2 = ctx.socket(zmq.PUSH)
    with pytest.raises(ValueError, match="linger"):
        s2.close(linger=-7)
    assert not s2.closed  # a bad argument does not half-close it
