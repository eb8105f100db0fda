"""Blocking calls release the GIL, and Ctrl-C (SIGINT) interrupts them promptly."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest

import ferromq as zmq
from conftest import endpoint


def _spin_while(block, seconds=0.3):
    """Runs `block()` in this thread while another thread counts; returns the count reached
    while `block` was blocked."""
    counter = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            counter[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.05)
    before = counter[0]
    try:
        block()
    finally:
        during = counter[0] - before
        stop.set()
        t.join()
    return during


def test_recv_releases_the_gil(ctx):
    pull = ctx.socket(zmq.PULL)
    pull.rcvtimeo = 300
    endpoint(pull)

    def block():
        with pytest.raises(zmq.Again):
            pull.recv()

    # Holding the GIL for 300 ms would leave the counter nearly still.
    assert _spin_while(block) > 50_000


def test_recv_multipart_send_and_poll_release_the_gil(ctx):
    pull = ctx.socket(zmq.PULL)
    pull.rcvtimeo = 300
    endpoint(pull)
    push = ctx.socket(zmq.PUSH)
    push.sndtimeo = 300  # no peer: send blocks

    def recv_multipart():
        with pytest.raises(zmq.Again):
            pull.recv_multipart()

    def send():
        with pytest.raises(zmq.Again):
            push.send(b"x")

    def poll():
        p = zmq.Poller()
        p.register(pull, zmq.POLLIN)
        assert p.poll(300) == []

    for block in (recv_multipart, send, poll):
        assert _spin_while(block) > 50_000, block.__name__


def test_other_thread_sends_while_main_blocks(ctx):
    pull = ctx.socket(zmq.PULL)
    pull.rcvtimeo = 5000
    ep = endpoint(pull)

    def worker():
        # Pure-Python work first: it only runs if the blocked recv released the GIL.
        total = sum(range(200_000))
        push = ctx.socket(zmq.PUSH)
        push.connect(ep)
        push.send(str(total).encode())
        push.close()

    t = threading.Thread(target=worker)
    t.start()
    assert pull.recv() == str(sum(range(200_000))).encode()
    t.join()


SIGINT_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys, threading, time
    import ferromq as zmq

    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    pull.bind("tcp://127.0.0.1:*")
    push = ctx.socket(zmq.PUSH)  # never connected: send blocks
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    front = ctx.socket(zmq.ROUTER)
    back = ctx.socket(zmq.DEALER)
    front.bind("tcp://127.0.0.1:*")
    back.bind("tcp://127.0.0.1:*")

    calls = {
        "recv": pull.recv,
        "recv_multipart": pull.recv_multipart,
        "recv_copy_false": lambda: pull.recv(copy=False),
        "send": lambda: push.send(b"x"),
        "send_sndmore": lambda: push.send(b"x", zmq.SNDMORE),
        "poll": poller.poll,
        "socket_poll": pull.poll,
        "proxy": lambda: zmq.proxy(front, back),
    }
    for name, call in calls.items():
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        start = time.monotonic()
        try:
            call()
        except KeyboardInterrupt:
            print(name, "%.3f" % (time.monotonic() - start - 0.3), flush=True)
        else:
            print(name, "returned", flush=True)
    # The socket still works after an interrupted call.
    push.connect(pull.last_endpoint.decode())
    push.send(b"after")
    print("after", pull.recv().decode(), flush=True)
    ctx.destroy(linger=0)
    """
)


def test_sigint_interrupts_blocking_calls():
    proc = subprocess.run(
        [sys.executable, "-c", SIGINT_SCRIPT], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines())
    for name in ("recv", "recv_multipart", "recv_copy_false", "send", "send_sndmore", "poll",
                 "socket_poll", "proxy"):
        assert name in lines, proc.stdout + proc.stderr
        latency = float(lines[name])  # ValueError if the call "returned"
        assert latency < 0.5, f"{name}: KeyboardInterrupt came {latency:.3f} s after SIGINT"
    assert lines["after"] == "after"


TERM_SIGINT_SCRIPT = textwrap.dedent(
    """
    import os, signal, threading, time
    import ferromq as zmq

    ctx = zmq.Context()
    push = ctx.socket(zmq.PUSH)
    push.connect("tcp://127.0.0.1:9")  # nobody there: the message lingers forever (LINGER -1)
    push.send(b"stuck")
    push.close()
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    start = time.monotonic()
    try:
        ctx.term()
    except KeyboardInterrupt:
        print("term %.3f" % (time.monotonic() - start - 0.3), flush=True)
    """
)


def test_sigint_interrupts_term_waiting_for_linger():
    proc = subprocess.run(
        [sys.executable, "-c", TERM_SIGINT_SCRIPT], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 0, proc.stderr
    name, latency = proc.stdout.split()
    assert name == "term" and float(latency) < 0.5


def test_exit_with_unsent_messages_does_not_hang():
    script = textwrap.dedent(
        """
        import ferromq as zmq
        ctx = zmq.Context()
        s = ctx.socket(zmq.PUSH)
        s.connect("tcp://127.0.0.1:9")
        s.send(b"never delivered")
        print("bye")
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and proc.stdout.strip() == "bye", proc.stderr
