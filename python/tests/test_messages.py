"""What can be sent and received: buffers, zero-copy frames, strings, JSON, pickles."""

from __future__ import annotations

import array
import gc
import sys

import pytest

import ferromq as zmq
from conftest import endpoint


@pytest.fixture
def pipe(ctx):
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    pull.rcvtimeo = 5000
    push.connect(endpoint(pull))
    return push, pull


def test_send_accepts_any_buffer(pipe):
    push, pull = pipe
    push.send(b"bytes")
    push.send(bytearray(b"bytearray"))
    push.send(memoryview(b"xxmemoryviewxx")[2:-2])
    push.send(array.array("i", [1, 2]))
    push.send(memoryview(b"abcdef")[::2])  # strided: gathered
    push.send(zmq.Frame(b"frame"))
    push.send(b"")
    assert pull.recv() == b"bytes"
    assert pull.recv() == b"bytearray"
    assert pull.recv() == b"memoryview"
    assert pull.recv() == array.array("i", [1, 2]).tobytes()
    assert pull.recv() == b"ace"
    assert pull.recv() == b"frame"
    assert pull.recv() == b""


def test_mutable_buffer_is_copied_at_send(pipe):
    push, pull = pipe
    buf = bytearray(b"before")
    push.send(buf)
    buf[:] = b"after!"
    assert pull.recv() == b"before"


def test_recv_copy_false_gives_frames(pipe):
    push, pull = pipe
    push.send_multipart([b"head", b"x" * 100_000])
    head = pull.recv(copy=False)
    assert isinstance(head, zmq.Frame)
    assert head.more and head.get(zmq.MORE) == 1
    body = pull.recv(copy=False)
    assert not body.more
    assert len(body) == 100_000
    view = memoryview(body)  # buffer protocol, no copy
    assert view.readonly and view.nbytes == 100_000 and view.format == "B"
    assert bytes(view[:3]) == b"xxx"
    assert body.buffer[-1] == ord("x")
    assert body.bytes == b"x" * 100_000
    assert body.bytes is body.bytes  # cached
    assert bytes(head) == b"head"
    with pytest.raises(TypeError, match="read-only"):
        memoryview(head)[0:1] = b"z"


def test_frame_outlives_its_views(pipe):
    push, pull = pipe
    push.send(b"y" * 1000)
    frame = pull.recv(copy=False)
    view = memoryview(frame)
    del frame
    gc.collect()
    assert bytes(view) == b"y" * 1000  # the view keeps the frame alive


def test_recv_multipart_copy_false(pipe):
    push, pull = pipe
    push.send_multipart([b"a", b"b", b"c"])
    frames = pull.recv_multipart(copy=False)
    assert [f.bytes for f in frames] == [b"a", b"b", b"c"]
    assert [f.more for f in frames] == [True, True, False]


def test_frames_are_resent_without_copy(pipe):
    push, pull = pipe
    push.send(b"z" * 70_000)
    frame = pull.recv(copy=False)
    push.send(frame)
    push.send_multipart([frame, b"tail"])
    assert pull.recv() == b"z" * 70_000
    assert pull.recv_multipart() == [b"z" * 70_000, b"tail"]


def test_large_bytes_zero_copy_keeps_object_alive(pipe):
    push, pull = pipe
    big = bytes(range(256)) * 1024  # 256 KiB: sent without copying
    refs = sys.getrefcount(big)
    for _ in range(5):
        push.send(big)
    for _ in range(5):
        assert pull.recv() == big
    del big
    gc.collect()
    assert refs >= 2


def test_track_returns_done_tracker(pipe):
    push, pull = pipe
    tracker = push.send(b"x", copy=False, track=True)
    assert tracker.done
    tracker.wait()
    assert push.send(b"y") is None
    assert pull.recv() == b"x"


def test_strings(pipe):
    push, pull = pipe
    push.send_string("héllo")
    push.send_string("ünïcode", encoding="latin-1")
    assert pull.recv_string() == "héllo"
    assert pull.recv_string(encoding="latin-1") == "ünïcode"


def test_json_and_pyobj(pipe):
    push, pull = pipe
    push.send_json({"a": [1, 2, {"b": None}]})
    push.send_pyobj({"set": {1, 2}, "tuple": (1, "x")})
    assert pull.recv_json() == {"a": [1, 2, {"b": None}]}
    assert pull.recv_pyobj() == {"set": {1, 2}, "tuple": (1, "x")}


def test_serialized(pipe):
    push, pull = pipe
    push.send_serialized({"k": "v"}, lambda m: [k.encode() + b"=" + v.encode() for k, v in m.items()])
    assert pull.recv_serialized(lambda frames: [bytes(f) for f in frames]) == [b"k=v"]


def test_many_messages_in_order(pipe):
    push, pull = pipe
    n = 20_000
    for i in range(n):
        push.send(i.to_bytes(4, "little"))
    for i in range(n):
        assert int.from_bytes(pull.recv(), "little") == i


def test_frame_constructor():
    f = zmq.Frame(b"abc")
    assert len(f) == 3 and f.bytes == b"abc" and not f.more
    assert len(zmq.Frame()) == 0
    assert zmq.Message is zmq.Frame
    with pytest.raises(TypeError):
        zmq.Frame("text")
    assert "abc" in repr(f)
