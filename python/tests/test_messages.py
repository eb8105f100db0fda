"""What can be sent and received: buffers, zero-copy frames, strings, JSON, pickles."""

from __future__ import annotations

import array
import copy
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
    big = array.array("B", range(256)) * 512  # 128 KiB, not bytes
    push.send(big)
    push.send(memoryview(bytes(big))[::2])  # large and strided
    assert pull.recv() == b"bytes"
    assert pull.recv() == b"bytearray"
    assert pull.recv() == b"memoryview"
    assert pull.recv() == array.array("i", [1, 2]).tobytes()
    assert pull.recv() == b"ace"
    assert pull.recv() == b"frame"
    assert pull.recv() == b""
    assert pull.recv() == big.tobytes()
    assert pull.recv() == big.tobytes()[::2]
    with pytest.raises(TypeError, match="buffer protocol"):
        push.send([1, 2, 3])  # iterable of ints is not a buffer


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
    view = body.buffer
    assert view.readonly and view.nbytes == 100_000 and view.format == "B"
    assert bytes(view[:3]) == b"xxx"
    assert body.buffer[-1] == ord("x")
    assert body.bytes == b"x" * 100_000
    assert body.bytes is body.bytes  # cached
    assert bytes(head) == b"head"
    with pytest.raises(TypeError, match="read-only"):
        head.buffer[0:1] = b"z"


def test_frame_buffer_protocol_is_zero_copy():
    """Every CPython (3.9+): the frame exports its own bytes (the view's ``obj`` is the frame,
    not a copy)."""
    c = zmq.Context()
    pull, push = c.socket(zmq.PULL), c.socket(zmq.PUSH)
    pull.rcvtimeo = 5000
    push.connect(endpoint(pull))
    for size in (5, 100_000):  # inline in the core, and shared
        push.send(b"x" * size)
        frame = pull.recv(copy=False)
        view = memoryview(frame)
        assert view.obj is frame and frame.buffer.obj is frame
        assert view.readonly and view.nbytes == size and view.format == "B" and view.ndim == 1
        assert bytes(view) == b"x" * size
        with pytest.raises(TypeError, match="read-only"):
            view[0:1] = b"z"
    user = zmq.Frame(b"abc")
    assert memoryview(user).obj is user and bytes(memoryview(user)) == b"abc"
    if sys.version_info >= (3, 12):
        assert bytes(user.__buffer__(0)) == b"abc"  # PEP 688
    c.destroy(linger=0)


def test_frame_buffer_is_the_frame_on_every_version():
    """No fallback on any CPython (3.9+; 3.9 and 3.10 once had one): ``frame.buffer`` is a view
    of the frame itself, not of ``frame.bytes`` (a separate copy, made on demand), and every
    kind of frame exports its bytes: made by the user, copied, multipart, a Python subclass."""
    frame = zmq.Frame(b"abc")
    view = frame.buffer
    assert view.obj is frame and view.readonly and bytes(view) == b"abc"
    assert frame.bytes == b"abc" and view.obj is not frame.bytes
    with pytest.raises(TypeError, match="read-only"):
        view[0:1] = b"z"
    copied = copy.copy(frame)
    assert type(copied) is zmq.Frame and memoryview(copied).obj is copied
    assert bytes(memoryview(copied)) == b"abc"

    class Sub(zmq.Frame):
        pass

    sub = Sub(b"xyz")
    assert memoryview(sub).obj is sub and bytes(memoryview(sub)) == b"xyz"
    assert memoryview(zmq.Frame()).nbytes == 0
    c = zmq.Context()
    pull, push = c.socket(zmq.PULL), c.socket(zmq.PUSH)
    pull.rcvtimeo = 5000
    push.connect(endpoint(pull))
    push.send_multipart([b"one", b"", b"z" * 70_000])
    frames = pull.recv_multipart(copy=False)
    views = [memoryview(f) for f in frames]
    assert all(v.obj is f and v.readonly for v, f in zip(views, frames))
    assert [bytes(v) for v in views] == [b"one", b"", b"z" * 70_000]
    push.send(views[2])  # a view of a frame is itself sent like any buffer
    assert pull.recv() == b"z" * 70_000
    c.destroy(linger=0)


def test_frame_type_references_balance(pipe):
    """Frames are made as ``_Frame`` and switched to ``Frame`` in place: the type references
    that switch moves (and that each frame's deallocation drops) must balance."""
    push, pull = pipe
    base = zmq.Frame.__mro__[1]
    assert base.__name__ == "_Frame"
    gc.collect()
    before = sys.getrefcount(zmq.Frame), sys.getrefcount(base)
    for i in range(2000):
        push.send(b"r" * (i % 300))
        frame = pull.recv(copy=False)
        view = memoryview(frame)
        twin = copy.copy(frame)
        assert type(frame) is type(twin) is zmq.Frame and bytes(twin) == bytes(view)
        del frame, view, twin
    gc.collect()
    assert (sys.getrefcount(zmq.Frame), sys.getrefcount(base)) == before


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
    assert type(f) is zmq.Frame and isinstance(f, zmq._ferromq._Frame)
    assert len(f) == 3 and f.bytes == b"abc" and not f.more
    assert type(copy.copy(f)) is zmq.Frame and copy.copy(f).bytes == b"abc"
    assert zmq.Frame(memoryview(b"xxmvxx")[2:-2]).bytes == b"mv"
    assert zmq.Frame(bytearray(b"ba")).bytes == b"ba"

    class MyFrame(zmq.Frame):
        pass

    mine = MyFrame(b"sub")
    assert isinstance(mine, zmq.Frame) and mine.bytes == b"sub" and bytes(mine.buffer) == b"sub"
    assert len(zmq.Frame()) == 0
    assert zmq.Message is zmq.Frame
    with pytest.raises(TypeError):
        zmq.Frame("text")
    assert "abc" in repr(f)


def test_send_recv_argument_forms(pipe):
    """Every way of passing send/recv arguments (on CPython >= 3.10 the common forms take a
    METH_FASTCALL path and the rest PyO3's: both must agree)."""
    import inspect

    push, pull = pipe
    push.send(b"a")
    push.send(b"b", 0)
    push.send(b"c", 0, True, False)
    push.send(data=b"d")
    assert isinstance(push.send(b"e", flags=0, copy=False, track=True), zmq.MessageTracker)
    push.send(b"f", zmq.SNDMORE)
    push.send(b"g")
    push.send_multipart([b"h"], 0, True, False)
    push.send_multipart(msg_parts=[b"i", b"j"], flags=0)
    assert pull.recv() == b"a"
    assert pull.recv(0) == b"b"
    assert pull.recv(0, True, False) == b"c"
    assert pull.recv(flags=0) == b"d"
    frame = pull.recv(copy=False)
    assert isinstance(frame, zmq.Frame) and frame.bytes == b"e" and not frame.more
    assert pull.recv(0, False).more and pull.recv(track=False) == b"g"
    assert pull.recv_multipart(0, True, False) == [b"h"]
    assert [f.bytes for f in pull.recv_multipart(flags=0, copy=False)] == [b"i", b"j"]
    with pytest.raises(zmq.Again):
        pull.recv(zmq.NOBLOCK)
    with pytest.raises(zmq.Again):
        pull.recv_multipart(flags=zmq.NOBLOCK)

    with pytest.raises(TypeError):
        push.send()
    with pytest.raises(TypeError):
        push.send(b"x", bogus=1)
    with pytest.raises(TypeError):
        push.send(b"x", 0, flags=0)  # given twice
    with pytest.raises(TypeError):
        push.send(b"x", "0")
    with pytest.raises(TypeError):
        pull.recv(0, True, False, None)
    with pytest.raises(TypeError):
        push.send_multipart()
    with pytest.raises(OverflowError):
        push.send(b"x", 2**40)
    with pytest.raises(ValueError):
        push.send(b"x", 64)  # unknown flag bits
    with pytest.raises(zmq.ZMQError) as info:
        push.send(b"x", routing_id=b"r")  # draft sockets only
    assert info.value.errno == zmq.ENOTSUP
    params = lambda f: list(inspect.signature(f).parameters)  # noqa: E731
    assert params(zmq.Socket.send) == ["self", "data", "flags", "copy", "track", "routing_id", "group"]
    assert params(zmq.Socket.recv) == ["self", "flags", "copy", "track"]
    assert params(zmq.Socket.send_multipart)[:5] == ["self", "msg_parts", "flags", "copy", "track"]
    assert "Sends one frame" in zmq.Socket.send.__doc__
