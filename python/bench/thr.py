"""Throughput of small messages over tcp, ferromq against pyzmq, in the same run.

    python bench/thr.py [--count 2000000] [--size 8] [--lib ferromq,zmq] [--multipart]

For each library: a PUSH process sends COUNT messages of SIZE bytes to a PULL in this
process (libzmq's local_thr/remote_thr method: the clock runs from the first message
received to the last). Prints msg/s and Mbit/s per library. Not part of the tests.
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing as mp
import time


def sender(lib: str, endpoint: str, count: int, size: int, multipart: bool) -> None:
    zmq = importlib.import_module(lib)
    ctx = zmq.Context()
    push = ctx.socket(zmq.PUSH)
    push.connect(endpoint)
    msg = b"x" * size
    send = push.send
    if multipart:
        parts = [msg, msg]
        for _ in range(count):
            push.send_multipart(parts)
    else:
        for _ in range(count):
            send(msg)
    push.close()  # LINGER -1: waits for delivery through term()
    ctx.term()


def run(lib: str, count: int, size: int, multipart: bool) -> float:
    zmq = importlib.import_module(lib)
    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    proc = mp.get_context("spawn").Process(
        target=sender, args=(lib, f"tcp://127.0.0.1:{port}", count, size, multipart)
    )
    proc.start()
    recv = pull.recv_multipart if multipart else pull.recv
    recv()
    start = time.perf_counter()
    for _ in range(count - 1):
        recv()
    elapsed = time.perf_counter() - start
    proc.join()
    pull.close()
    ctx.term()
    return (count - 1) / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=2_000_000)
    ap.add_argument("--size", type=int, default=8)
    ap.add_argument("--lib", default="ferromq,zmq", help="comma-separated modules to compare")
    ap.add_argument("--multipart", action="store_true", help="two-frame messages via send_multipart")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    for lib in args.lib.split(","):
        for _ in range(args.repeat):
            rate = run(lib, args.count, args.size, args.multipart)
            mbits = rate * args.size * 8 / 1e6 * (2 if args.multipart else 1)
            print(f"{lib:8s} {args.size} B{' x2' if args.multipart else ''}: "
                  f"{rate:12,.0f} msg/s  {mbits:8.1f} Mbit/s", flush=True)


if __name__ == "__main__":
    main()
