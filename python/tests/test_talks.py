"""The talks' Python samples (tests/talks/, import line changed to ferromq) against
pyzmq peers standing in for the talks' other roles (PHP, Erlang, C)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest
import zmq as pyzmq  # PyPI pyzmq: the real libzmq

HERE = os.path.dirname(os.path.abspath(__file__))
TALKS = os.path.join(HERE, "talks")
ORIGINALS = os.path.normpath(os.path.join(HERE, "..", "..", "tests-polyglot", "talks"))
TIMEOUT = 10_000
#: How long a talk's process may take, in seconds: well under conftest's HANG_TIMEOUT, so a
#: stuck peer fails its test (with the processes' output) instead of ending the run.
PROC_TIMEOUT = 30


def free_port():
    """A TCP port on loopback that nothing uses now, picked by the kernel. The talks' fixed
    ports (5555, 5454, 6767) are replaced by such ports: anything else on the machine using
    them at the same time (another test run, `make demo`, tests-polyglot, a process left over
    by a killed run) would otherwise serve or take this test's requests, and a REQ waiting
    for a reply that went elsewhere waits forever."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(script, *args):
    return subprocess.Popen(
        [sys.executable, "-u", os.path.join(TALKS, script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def talk_source(script, *replacements):
    """The talk's script with its fixed endpoints replaced (`(old, new)` pairs); the file
    itself stays as in the talk."""
    with open(os.path.join(TALKS, script)) as f:
        source = f.read()
    for old, new in replacements:
        assert old in source, f"{script} no longer contains {old}"
        source = source.replace(old, new)
    return source


def start_source(source, **popen):
    return subprocess.Popen(
        [sys.executable, "-u", "-c", source],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def stop(proc):
    if proc.poll() is None:
        proc.kill()
    out, err = proc.communicate(timeout=10)
    return out, err


@pytest.fixture
def zctx():
    c = pyzmq.Context()
    yield c
    c.destroy(linger=0)


def test_hwserver_ferromq_with_pyzmq_hwclient():
    port = free_port()
    server = start("hwserver.py", "10", f"tcp://127.0.0.1:{port}")
    try:
        # The talk's client, unchanged but for the endpoint, on pyzmq.
        client = subprocess.run(
            [sys.executable, os.path.join(ORIGINALS, "hwclient.py"), f"tcp://127.0.0.1:{port}"],
            capture_output=True, text=True, timeout=PROC_TIMEOUT,
        )
        assert client.returncode == 0, client.stderr
        assert client.stdout.count("Received reply") == 10
        assert "[ b'World' ]" in client.stdout
        assert server.wait(timeout=30) == 0
    finally:
        out, err = stop(server)
    assert out.count("Received request: b'Hello'") == 10, err


def test_hwclient_ferromq_with_pyzmq_hwserver():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, os.path.join(ORIGINALS, "hwserver.py"), "10", f"tcp://127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    client = None
    try:
        client = start("hwclient.py", f"tcp://127.0.0.1:{port}")
        out, err = client.communicate(timeout=PROC_TIMEOUT)
        assert client.returncode == 0, err
        assert out.count("Received reply") == 10
        assert "Received reply 9 [ b'World' ]" in out
        assert server.wait(timeout=30) == 0
    finally:
        if client is not None and client.poll() is None:
            stop(client)
        stop(server)


def test_rep_py_with_a_req_peer(zctx):
    port = free_port()
    server = start_source(talk_source("rep.py", ('"tcp://*:5454"', f'"tcp://127.0.0.1:{port}"')))
    try:
        req = zctx.socket(pyzmq.REQ)  # req.php's role
        req.setsockopt(pyzmq.RCVTIMEO, TIMEOUT)
        req.connect(f"tcp://127.0.0.1:{port}")
        for word in (b"Hello", b"Goodbye"):
            req.send(word)
            assert req.recv() == word + b" World"
    finally:
        out, err = stop(server)
    assert "Sending b'Hello' World" in out, err


def test_logbuffer_between_logger_and_logserv(zctx, tmp_path):
    ipc_path = str(tmp_path / "logger")  # the talk's /tmp/logger, private to this run
    logserv = zctx.socket(pyzmq.PULL)  # logserv.erl's role
    logserv.setsockopt(pyzmq.RCVTIMEO, TIMEOUT)
    port = logserv.bind_to_random_port("tcp://127.0.0.1")
    buffer = start_source(talk_source(
        "logbuffer.py",
        ('"ipc:///tmp/logger"', f'"ipc://{ipc_path}"'),
        ('"tcp://localhost:5555"', f'"tcp://127.0.0.1:{port}"'),
    ))
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(ipc_path):
            assert time.monotonic() < deadline, f"logbuffer.py never bound ipc://{ipc_path}"
            time.sleep(0.02)
        logger = zctx.socket(pyzmq.PUSH)  # logger.php's role, over ipc
        logger.connect(f"ipc://{ipc_path}")
        for i in range(6):
            logger.send_string(json.dumps({"time": 1_300_000_000 + i, "msg": f"line {i}"}))
        batches = [logserv.recv_multipart() for _ in range(2)]
        logger.close(linger=0)
    finally:
        out, err = stop(buffer)
    assert [len(b) for b in batches] == [3, 3], err
    lines = [json.loads(frame)["msg"] for batch in batches for frame in batch]
    assert lines == [f"line {i}" for i in range(6)]
    assert out.count("Received Log") == 6 and out.count("Forwarding Buffer") == 2


def test_eventhub_process_device(zctx):
    distro = zctx.socket(pyzmq.SUB)  # distro.c's role, on tcp instead of epgm
    distro.setsockopt(pyzmq.SUBSCRIBE, b"")
    distro.setsockopt(pyzmq.RCVTIMEO, 200)
    port = distro.bind_to_random_port("tcp://127.0.0.1")
    hub_port = free_port()
    source = talk_source(
        "eventhub.py",
        ('"epgm://eth0;239.192.0.1:7601"', f'"tcp://127.0.0.1:{port}"'),
        ('"tcp://*:6767"', f'"tcp://127.0.0.1:{hub_port}"'),
    )
    # The talk's setsockopt_out(zmq.RATE, …) stays: FerroMQ stores multicast options as libzmq.
    # "Do other things here": stay alive while the device works.
    source += "\nimport time; time.sleep(60)\n"
    hub = start_source(source, start_new_session=True)
    try:
        events = zctx.socket(pyzmq.PUSH)  # whoever publishes events into the hub
        events.connect(f"tcp://127.0.0.1:{hub_port}")
        got = None
        deadline = time.monotonic() + 15
        while got is None:
            assert time.monotonic() < deadline, "no event came out of the hub"
            assert hub.poll() is None, hub.communicate()
            events.send(b"12345 something happened")
            try:
                got = distro.recv()
            except pyzmq.Again:
                pass
        assert got == b"12345 something happened"
        events.close(linger=0)
    finally:
        # Ctrl-C: the script exits normally, and multiprocessing ends its daemon device
        # process; the whole session is killed if anything is left.
        hub.send_signal(signal.SIGINT)
        try:
            hub.communicate(timeout=10)
        finally:
            try:
                os.killpg(hub.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
