"""REQ/REP round-trip latency over tcp, ferromq against pyzmq, in the same run.

    python bench/lat.py [--count 20000] [--size 8] [--lib ferromq,zmq] [--repeat 1]
                        [--warmup 100] [--zero-copy]

For each library: a REP process (started with multiprocessing's spawn) connects to a REQ
bound in this process and echoes every request (with --zero-copy, both sides send and
receive with copy=False, the way large messages are moved). After WARMUP round trips this side
times COUNT round trips of SIZE bytes one by one (time.perf_counter_ns around each
send + recv) and prints their mean and 99th percentile in µs. These are FULL round trips
(request out, reply back), not the half round trips libzmq's remote_lat reports. Not part
of the tests.
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing as mp
import time

def replier(lib: str, endpoint: str, count: int, copy: bool) -> None:
    zmq = importlib.import_module(lib)
    ctx = zmq.Context()
    rep = ctx.socket(zmq.REP)
    rep.connect(endpoint)
    recv, send = rep.recv, rep.send
    for _ in range(count):
        send(recv(copy=copy), copy=copy)
    rep.close()  # LINGER -1: the last reply is delivered before term() returns
    ctx.term()


def run(lib: str, count: int, size: int, warmup: int, copy: bool) -> tuple[float, float]:
    """Mean and p99 of COUNT round trips, in µs."""
    zmq = importlib.import_module(lib)
    ctx = zmq.Context()
    req = ctx.socket(zmq.REQ)
    port = req.bind_to_random_port("tcp://127.0.0.1")
    proc = mp.get_context("spawn").Process(
        target=replier, args=(lib, f"tcp://127.0.0.1:{port}", warmup + count, copy)
    )
    proc.start()
    msg = b"x" * size
    send, recv = req.send, req.recv
    for _ in range(warmup):
        send(msg, copy=copy)
        recv(copy=copy)
    clock = time.perf_counter_ns
    rtt = [0] * count
    for i in range(count):
        start = clock()
        send(msg, copy=copy)
        recv(copy=copy)
        rtt[i] = clock() - start
    proc.join()
    req.close()
    ctx.term()
    rtt.sort()
    p99 = min(int(count * 0.99), count - 1)  # the same index as bench/libzmq/perf.c
    return sum(rtt) / count / 1e3, rtt[p99] / 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=20_000)
    ap.add_argument("--size", type=int, default=8)
    ap.add_argument("--lib", default="ferromq,zmq", help="comma-separated modules to compare")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=100, help="untimed round trips first")
    ap.add_argument("--zero-copy", action="store_true", help="send and recv with copy=False")
    args = ap.parse_args()
    if args.count < 1:
        ap.error("--count must be at least 1")
    for lib in args.lib.split(","):
        for _ in range(args.repeat):
            mean, p99 = run(lib, args.count, args.size, args.warmup, not args.zero_copy)
            print(f"{lib:8s} {args.size} B: mean {mean:.1f} us  p99 {p99:.1f} us  "
                  f"({args.count} round trips)", flush=True)


if __name__ == "__main__":
    main()
