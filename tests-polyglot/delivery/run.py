#!/usr/bin/env python3
"""Delivery at close: a sender closes right after its last send; does everything arrive?

Each cell runs a receiver and a sender as separate processes (over inproc, one process
holding both), in the languages and on the implementations the cell names, and checks that
the receiver counted every sequence number. See README.md in this directory.

  python3 tests-polyglot/delivery/run.py            every cell, quiet unless one fails
  python3 tests-polyglot/delivery/run.py -k ipc     cells whose name contains "ipc"
  python3 tests-polyglot/delivery/run.py --list     the cells, without running them
  python3 tests-polyglot/delivery/run.py --report F also writes the counts as a Markdown table

Standard library only. The implementations (how to run each language on FerroMQ or
libzmq) are tests-polyglot/impls/*.json, shared with tests-polyglot/run.py.
"""

import argparse
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
POLYGLOT = os.path.dirname(HERE)


def _load_polyglot():
    spec = importlib.util.spec_from_file_location("polyglot_run", os.path.join(POLYGLOT, "run.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


polyglot = _load_polyglot()

# The role program of each language, as its implementation's `run` command takes it.
ROLE_SCRIPT = {
    "rust": "delivery_role",
    "python": "delivery/roles/role.py",
    "node": "delivery/roles/role.js",
    "erlang": "delivery/roles/role.erl",
    "php": "delivery/roles/role.php",
}
FERROMQ_SENDERS = ["rust-ferromq", "python-ferromq", "node-ferromq", "erlang-ferromq", "php-ferromq"]
LIBZMQ = "python-libzmq"
FERROMQ_RECEIVER = "rust-ferromq"
# Enough messages to leave the sender's queues full at its close.
COUNTS = {8: 50_000, 1024: 20_000, 262_144: 200}
SIZES = [8, 1024, 262_144]
STREAM_TRANSPORTS = ["tcp", "ipc", "ipc-abstract"]
ROUND_TRIPS = 2_000  # REQ/REP: one message per round trip
READY_TIMEOUT = 60
CELL_TIMEOUT = 120


class Cell:
    def __init__(self, group, sender, receiver, pattern, transport, size, count,
                 sender_binds=False):
        self.group = group
        self.sender = sender
        self.receiver = receiver  # None: the sender's process receives too (inproc)
        self.pattern = pattern
        self.transport = transport
        self.size = size
        self.count = count
        self.sender_binds = sender_binds
        parts = [group, pattern, transport, "%dB" % size, sender,
                 "->", receiver or "same process"]
        self.name = " ".join(parts)
        self.received = None
        self.ok = None
        self.seconds = 0.0
        self.output = ""


def cells():
    out = []
    for sender in FERROMQ_SENDERS:
        for receiver in (FERROMQ_RECEIVER, LIBZMQ):
            for transport in STREAM_TRANSPORTS:
                for size in SIZES:
                    out.append(Cell("push", sender, receiver, "push", transport, size,
                                    COUNTS[size]))
    for sender in FERROMQ_SENDERS:
        for size in SIZES:
            out.append(Cell("inproc", sender, None, "push", "inproc", size, COUNTS[size]))
    for receiver in FERROMQ_SENDERS:
        for transport in STREAM_TRANSPORTS:
            for size in SIZES:
                out.append(Cell("reverse", LIBZMQ, receiver, "push", transport, size,
                                COUNTS[size]))
    for pattern in ("req", "rep", "dealer", "router", "pub"):
        count = ROUND_TRIPS if pattern in ("req", "rep") else COUNTS[8]
        for sender in FERROMQ_SENDERS:
            for receiver in (FERROMQ_RECEIVER, LIBZMQ):
                for transport in ("tcp", "ipc"):
                    out.append(Cell("patterns", sender, receiver, pattern, transport, 8, count))
    for sender in FERROMQ_SENDERS:
        for receiver in (FERROMQ_RECEIVER, LIBZMQ):
            out.append(Cell("bind", sender, receiver, "push", "ipc", 8, COUNTS[8],
                            sender_binds=True))
    return out


_counter = [0]
_counter_lock = threading.Lock()


def endpoint(transport, tmp):
    with _counter_lock:
        _counter[0] += 1
        n = _counter[0]
    if transport == "tcp":
        return "tcp://127.0.0.1:%d" % polyglot.free_port()
    if transport == "ipc":
        return "ipc://%s/cell-%d" % (tmp, n)
    if transport == "ipc-abstract":
        return "ipc://@ferromq-delivery-%d-%d" % (os.getpid(), n)
    return "inproc://delivery-%d" % n


class Process:
    """A role's process: output collected by a thread, `ready` noticed, killed with its group."""

    def __init__(self, label, argv, env):
        self.label = label
        self.lines = []
        self.ready = threading.Event()
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            if line == "ready":
                self.ready.set()
        self.ready.set()  # exited: nobody waits for a ready that will not come

    def wait(self, deadline):
        try:
            code = self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
            code = "timeout"
        self.reader.join(5)
        return code

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()


def run_cell(cell, impls, tmp):
    start = time.monotonic()
    deadline = start + CELL_TIMEOUT
    ep = endpoint(cell.transport, tmp)
    receiver_binds = not cell.sender_binds
    roles = [("send", cell.sender, "bind" if cell.sender_binds else "connect")]
    if cell.receiver:
        roles.append(("receive", cell.receiver, "bind" if receiver_binds else "connect"))
    # The binding side first, then the connecting one once it is ready.
    roles.sort(key=lambda r: r[2] != "bind")
    procs = []
    try:
        for mode, impl_name, how in roles:
            impl = impls[impl_name]
            argv = impl.command(ROLE_SCRIPT[impl.lang], tmp) + [
                mode, cell.pattern, ep, how, str(cell.size), str(cell.count)]
            p = Process("%s (%s)" % (mode, impl_name), argv, impl.environment())
            procs.append((mode, p))
            if how == "bind" and not p.ready.wait(READY_TIMEOUT):
                raise TimeoutError("%s never printed ready" % p.label)
        codes = {mode: p.wait(deadline) for mode, p in procs}
    finally:
        for _, p in procs:
            if p.proc.poll() is None:
                p.kill()
    cell.seconds = time.monotonic() - start
    report_lines = [l for _, p in procs for l in p.lines if l.startswith("received ")]
    if report_lines:
        cell.received = int(report_lines[0].split()[1])
    sent_ok = any("sent %d" % cell.count in p.lines for mode, p in procs if mode == "send")
    cell.ok = (all(code == 0 for code in codes.values()) and sent_ok
               and cell.received == cell.count)
    cell.output = "\n".join(
        "  [%s exit %s] %s" % (p.label, codes[mode], line)
        for mode, p in procs for line in (p.lines or ["(no output)"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-k", dest="keyword", action="append", default=[],
                    help="only cells whose name contains this (all of them, if repeated)")
    ap.add_argument("--list", action="store_true", help="list the cells and exit")
    ap.add_argument("--jobs", type=int, default=2, help="cells run at once (default 2)")
    ap.add_argument("--report", help="write the counts as a Markdown table to this file")
    ap.add_argument("-v", "--verbose", action="store_true", help="every cell's result")
    args = ap.parse_args()

    selected = [c for c in cells() if all(k in c.name for k in args.keyword)]
    if args.list:
        for c in selected:
            print(c.name)
        print("%d cells" % len(selected))
        return 0

    impls = polyglot.load_impls()
    wanted = sorted({c.sender for c in selected} | {c.receiver for c in selected if c.receiver})
    for name in wanted:
        ok, reason = impls[name].availability()
        if not ok:
            print("delivery: %s is not available: %s" % (name, reason), file=sys.stderr)
            return 1

    tmp = tempfile.mkdtemp(prefix="ferromq-delivery-")
    lock = threading.Lock()

    def one(cell):
        try:
            run_cell(cell, impls, tmp)
        except Exception as e:  # noqa: BLE001 - a broken cell is reported, not fatal
            cell.ok = False
            cell.output = "  %s" % e
        with lock:
            if args.verbose or not cell.ok:
                print("%s  %s  received %s of %d  (%.1f s)" % (
                    "PASS" if cell.ok else "FAIL", cell.name, cell.received, cell.count,
                    cell.seconds), flush=True)
                if not cell.ok:
                    print(cell.output, flush=True)

    try:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            list(pool.map(one, selected))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    if args.report:
        write_report(args.report, selected)
    failed = [c for c in selected if not c.ok]
    print("delivery: %d passed, %d failed (%d cells, %.0f s of cells)" % (
        len(selected) - len(failed), len(failed), len(selected),
        sum(c.seconds for c in selected)))
    return 1 if failed else 0


def write_report(path, selected):
    with open(path, "w") as f:
        f.write("| group | pattern | transport | size | sender | receiver | received | result |\n")
        f.write("|---|---|---|---|---|---|---|---|\n")
        for c in selected:
            f.write("| %s | %s | %s | %d B | %s | %s | %s of %d | %s |\n" % (
                c.group, c.pattern, c.transport, c.size, c.sender,
                c.receiver or "same process", "-" if c.received is None else c.received,
                c.count, "pass" if c.ok else "FAIL"))


if __name__ == "__main__":
    sys.exit(main())
