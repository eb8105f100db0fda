"""Cost of one call, in ns, on inproc with the messages already queued (no I/O wait).

    python bench/calls.py [--n 200000] [--rounds 7]

For each form (send of bytes/memoryview/bytearray, recv, recv(copy=False),
send_multipart/recv_multipart of two 8-byte frames) prints the best of ``rounds`` loops of
``n`` calls. Compare two builds by running it under each interpreter/venv alternately.
Not part of the tests.
"""

from __future__ import annotations

import argparse
import time

import ferromq as zmq


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    n = args.n
    ctx = zmq.Context()
    pull, push = ctx.socket(zmq.PULL), ctx.socket(zmq.PUSH)
    pull.rcvhwm = push.sndhwm = 0
    pull.bind("inproc://calls")
    push.connect("inproc://calls")
    msg = b"x" * 8
    parts = [msg, msg]

    def timed_send(data: object) -> float:
        send = push.send
        start = time.perf_counter()
        for _ in range(n):
            send(data)
        elapsed = time.perf_counter() - start
        recv = pull.recv
        for _ in range(n):
            recv()
        return elapsed

    def timed_recv(copy: bool) -> float:
        send, recv = push.send, pull.recv
        for _ in range(n):
            send(msg)
        start = time.perf_counter()
        if copy:
            for _ in range(n):
                recv()
        else:
            for _ in range(n):
                recv(copy=False)
        return time.perf_counter() - start

    def timed_send_multipart() -> float:
        send = push.send_multipart
        start = time.perf_counter()
        for _ in range(n):
            send(parts)
        elapsed = time.perf_counter() - start
        recv = pull.recv_multipart
        for _ in range(n):
            recv()
        return elapsed

    def timed_recv_multipart() -> float:
        send, recv = push.send_multipart, pull.recv_multipart
        for _ in range(n):
            send(parts)
        start = time.perf_counter()
        for _ in range(n):
            recv()
        return time.perf_counter() - start

    forms = {
        "send(bytes)": lambda: timed_send(msg),
        "send(memoryview)": lambda: timed_send(memoryview(msg)),
        "send(bytearray)": lambda: timed_send(bytearray(msg)),
        "recv()": lambda: timed_recv(True),
        "recv(copy=False)": lambda: timed_recv(False),
        "send_multipart(2 x 8 B)": timed_send_multipart,
        "recv_multipart()": timed_recv_multipart,
    }
    for name, fn in forms.items():
        best = min(fn() for _ in range(args.rounds))
        print(f"{name:24s} {best * 1e9 / n:6.0f} ns", flush=True)
    ctx.destroy(linger=0)


if __name__ == "__main__":
    main()
