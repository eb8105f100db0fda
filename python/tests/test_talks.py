"""The talks' Python samples (tests/talks/, import line changed to ferromq) against
pyzmq peers standing in for the talks' other roles (PHP, Erlang, C)."""

from __future__ import annotations

import json
import os
import signal
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


def start(script, *args):
    return subprocess.Popen(
        [sys.executable, "-u", os.path.join(TALKS, script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
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
    server = start("hwserver.py", "10")
    try:
        # The talk's client, unchanged, on pyzmq.
        client = subprocess.run(
            [sys.executable, os.path.join(ORIGINALS, "hwclient.py")],
            capture_output=True, text=True, timeout=60,
        )
        assert client.returncode == 0, client.stderr
        assert client.stdout.count("Received reply") == 10
        assert "[ b'World' ]" in client.stdout
        assert server.wait(timeout=30) == 0
    finally:
        out, err = stop(server)
    assert out.count("Received request: b'Hello'") == 10, err


def test_hwclient_ferromq_with_pyzmq_hwserver():
    server = subprocess.Popen(
        [sys.executable, os.path.join(ORIGINALS, "hwserver.py"), "10"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        client = start("hwclient.py")
        out, err = client.communicate(timeout=60)
        assert client.returncode == 0, err
        assert out.count("Received reply") == 10
        assert "Received reply 9 [ b'World' ]" in out
        assert server.wait(timeout=30) == 0
    finally:
        stop(server)


def test_rep_py_with_a_req_peer(zctx):
    server = start("rep.py")
    try:
        req = zctx.socket(pyzmq.REQ)  # req.php's role
        req.setsockopt(pyzmq.RCVTIMEO, TIMEOUT)
        req.connect("tcp://localhost:5454")
        for word in (b"Hello", b"Goodbye"):
            req.send(word)
            assert req.recv() == word + b" World"
    finally:
        out, err = stop(server)
    assert "Sending b'Hello' World" in out, err


def test_logbuffer_between_logger_and_logserv(zctx):
    if os.path.exists("/tmp/logger"):
        os.unlink("/tmp/logger")
    logserv = zctx.socket(pyzmq.PULL)  # logserv.erl's role
    logserv.setsockopt(pyzmq.RCVTIMEO, TIMEOUT)
    logserv.bind("tcp://*:5555")
    buffer = start("logbuffer.py")
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists("/tmp/logger"):
            assert time.monotonic() < deadline, "logbuffer.py never bound ipc:///tmp/logger"
            time.sleep(0.02)
        logger = zctx.socket(pyzmq.PUSH)  # logger.php's role, over ipc
        logger.connect("ipc:///tmp/logger")
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
    with open(os.path.join(TALKS, "eventhub.py")) as f:
        source = f.read()
    source = source.replace('"epgm://eth0;239.192.0.1:7601"', f'"tcp://127.0.0.1:{port}"')
    # The talk's setsockopt_out(zmq.RATE, …) stays: FerroMQ stores multicast options as libzmq.
    # "Do other things here": stay alive while the device works.
    source += "\nimport time; time.sleep(60)\n"
    hub = subprocess.Popen([sys.executable, "-u", "-c", source], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        events = zctx.socket(pyzmq.PUSH)  # whoever publishes events into the hub
        events.connect("tcp://127.0.0.1:6767")
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
