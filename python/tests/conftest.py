"""Shared fixtures. The suite tests the *installed* package (`pip install ./python`)."""

from __future__ import annotations

import faulthandler
import os
import sys

import pytest

import ferromq

HERE = os.path.dirname(os.path.abspath(__file__))

if not hasattr(ferromq, "_ferromq"):
    raise RuntimeError(
        f"ferromq imported from {ferromq.__file__} has no native module: install the package "
        "(`pip install ./python`) and run pytest from outside python/"
    )

# A test that hangs dumps every thread's stack and ends the run instead of blocking CI.
HANG_TIMEOUT = 60


@pytest.fixture(autouse=True)
def _hang_guard():
    faulthandler.dump_traceback_later(HANG_TIMEOUT, exit=True, file=sys.__stderr__)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def ctx():
    """A ferromq context, destroyed (linger 0) after the test."""
    c = ferromq.Context()
    yield c
    c.destroy(linger=0)


@pytest.fixture
def zctx():
    """A pyzmq (libzmq) context for interop peers."""
    import zmq  # PyPI pyzmq (bundles libzmq); scripts/install-deps.sh installs it

    c = zmq.Context()
    yield c
    c.destroy(linger=0)


def endpoint(sock) -> str:
    """Binds `sock` to an ephemeral port on loopback and returns the endpoint."""
    sock.bind("tcp://127.0.0.1:*")
    return sock.get(ferromq.LAST_ENDPOINT).decode()


@pytest.fixture
def bind_any():
    return endpoint
