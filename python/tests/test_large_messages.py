"""Large messages: a cost linear in their size, zero-copy sends with ``copy=False`` (and
their MessageTracker), and a 2 GiB + 1 B message where the machine has the memory."""

from __future__ import annotations

import gc
import time

import pytest

import ferromq as zmq

MIB = 1 << 20


def pair_over_tcp(ctx):
    receiver = ctx.socket(zmq.PAIR)
    receiver.rcvtimeo = 60_000
    receiver.bind("tcp://127.0.0.1:*")
    sender = ctx.socket(zmq.PAIR)
    sender.connect(receiver.last_endpoint.decode())
    return sender, receiver


def best_time(ctx, size: int) -> float:
    """Seconds from send to the end of recv for one `size`-byte message, each time on a new
    pair (the first large message of a connection finds no buffer ready), best of three."""
    payload = bytearray(b"\x5a") * size
    times = []
    for _ in range(3):
        sender, receiver = pair_over_tcp(ctx)
        start = time.perf_counter()
        sender.send(payload, copy=False)
        got = receiver.recv(copy=False)
        times.append(time.perf_counter() - start)
        view = memoryview(got)
        assert len(view) == size and view[0] == view[-1] == 0x5A
        del view, got
        sender.close(linger=0)
        receiver.close(linger=0)
    return min(times)


def test_a_large_message_costs_time_linear_in_its_size(ctx):
    # A path quadratic in the size takes 16 times as long for 4 times the bytes; a linear
    # one about 4 times.
    small = best_time(ctx, 64 * MIB)
    large = best_time(ctx, 256 * MIB)
    assert large < small * 8 + 0.05, f"256 MiB took {large:.3f} s, 64 MiB {small:.3f} s"


def peer_later(ctx):
    """A PUSH connected to an endpoint nobody listens on yet (its messages wait in its queue),
    and a function that binds a PULL there and returns it."""
    pull = ctx.socket(zmq.PULL)
    pull.rcvtimeo = 5000
    endpoint = f"tcp://127.0.0.1:{pull.bind_to_random_port('tcp://127.0.0.1')}"
    pull.unbind(endpoint)
    push = ctx.socket(zmq.PUSH)
    push.connect(endpoint)

    def bind():
        pull.bind(endpoint)
        return pull

    return push, bind


def test_copy_false_shares_a_mutable_buffer_until_the_core_lets_go(ctx):
    push, bind_peer = peer_later(ctx)
    buf = bytearray(b"a") * (256 * 1024)
    # No peer yet: the message waits in the socket's queue, over the caller's buffer.
    tracker = push.send(buf, copy=False, track=True)
    assert isinstance(tracker, zmq.MessageTracker)
    assert not tracker.done
    with pytest.raises(zmq.NotDone):
        tracker.wait(0.05)
    with pytest.raises(BufferError):
        buf.extend(b"more")  # exported to the core: the bytearray cannot move
    buf[0:5] = b"later"  # shared, not copied: the peer will see this
    pull = bind_peer()
    got = pull.recv()
    assert got[:5] == b"later" and len(got) == len(buf)
    tracker.wait(5)
    assert tracker.done
    gc.collect()
    buf.extend(b"more")  # the core's memoryview is gone with its reference


def test_copy_true_copies_a_mutable_buffer(ctx, bind_any):
    pull = ctx.socket(zmq.PULL)
    pull.rcvtimeo = 5000
    push = ctx.socket(zmq.PUSH)
    push.connect(bind_any(pull))
    buf = bytearray(b"a") * (256 * 1024)
    assert push.send(buf, track=True) is None  # as pyzmq: nothing to track in a copy
    buf[0:5] = b"later"
    buf.extend(b"more")
    got = pull.recv()
    assert got == b"a" * (256 * 1024)


def test_small_buffers_are_copied_and_their_tracker_is_done(ctx, bind_any):
    pull = ctx.socket(zmq.PULL)
    pull.rcvtimeo = 5000
    push = ctx.socket(zmq.PUSH)
    push.connect(bind_any(pull))
    buf = bytearray(b"small")
    tracker = push.send(buf, copy=False, track=True)
    assert tracker.done
    buf[0:5] = b"SMALL"
    assert pull.recv() == b"small"


def test_send_multipart_copy_false_tracks_every_shared_part(ctx):
    push, bind_peer = peer_later(ctx)
    parts = [bytearray(b"x") * (128 * 1024), b"small", bytearray(b"y") * (128 * 1024)]
    tracker = push.send_multipart(parts, copy=False, track=True)
    assert not tracker.done
    pull = bind_peer()
    assert pull.recv_multipart() == [bytes(p) for p in parts]
    tracker.wait(5)


def test_tracked_frames(ctx):
    buf = bytearray(b"f") * (128 * 1024)
    frame = zmq.Frame(buf, track=True)
    assert isinstance(frame.tracker, zmq.MessageTracker)
    assert not frame.tracker.done  # the Frame itself holds the buffer
    combined = zmq.MessageTracker(frame, frame.tracker)
    assert not combined.done
    untracked = zmq.Frame(buf)
    assert untracked.tracker is None
    push = ctx.socket(zmq.PUSH)
    with pytest.raises(ValueError, match="Not a tracked message"):
        push.send(untracked, copy=False, track=True)
    tracker = frame.tracker
    del frame, untracked
    gc.collect()
    tracker.wait(5)
    assert combined.done
    with pytest.raises(TypeError, match="not int"):
        zmq.MessageTracker(3)


def available_memory() -> int:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def test_a_2_gib_plus_1_message_arrives_whole(ctx):
    size = (2 << 30) + 1
    # The sender's bytes and the receiver's frame, and room to spare.
    if available_memory() < 3 * size:
        pytest.skip(f"needs {3 * size >> 30} GiB of available memory")
    payload = b"\x07" * size
    sender, receiver = pair_over_tcp(ctx)
    sender.send(payload, copy=False)
    got = receiver.recv(copy=False)
    view = memoryview(got)
    assert len(view) == size
    assert view[0] == view[size // 2] == view[-1] == 7
