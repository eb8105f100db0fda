"""Shared fixtures. The suite tests the *installed* package (`pip install ./python`)."""

from __future__ import annotations

import faulthandler
import functools
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

# A test that hangs dumps every thread's stack and ends the run instead of blocking CI
# (faulthandler's watchdog thread calls _exit(1)). Waits inside tests are bounded well
# below this, so that they fail their test, with its output, instead.
HANG_TIMEOUT = 60

#: Where the hang guard writes: the terminal's stderr, duplicated while pytest's capture is
#: suspended (pytest_configure). During a test pytest redirects fd 2 itself into a capture
#: file, which _exit(1) throws away: a dump written to sys.__stderr__ there is never seen,
#: and the run just ends with status 1 and no output.
_guard_stderr = None


def pytest_configure(config):
    global _guard_stderr
    if _guard_stderr is None:
        _guard_stderr = os.fdopen(os.dup(sys.__stderr__.fileno()), "w")


@pytest.fixture(autouse=True)
def _hang_guard():
    out = _guard_stderr or sys.__stderr__
    faulthandler.dump_traceback_later(HANG_TIMEOUT, exit=True, file=out)
    yield
    faulthandler.cancel_dump_traceback_later()


@functools.lru_cache(maxsize=None)
def _keeping_sockets(context_class):
    """A subclass of `context_class` whose contexts keep every socket they make alive until
    they are destroyed, so that the fixture's ``destroy(linger=0)`` is what closes every
    socket the test did not close itself.

    Without it, a socket can be closed earlier, by the garbage collector, with its own LINGER
    (libzmq's default: -1, forever): for instance when ``pytest.raises`` keeps the test's
    frame in a reference cycle (through the exception's traceback) and a collection runs
    between the test and its teardown. If that socket still had a message queued for a peer
    that is gone (test_efsm's REQ, whose request the closed REP never took), its connection
    retries forever and ``destroy`` (``term``) waits for it, as libzmq's does (pyzmq hangs
    the same way): the run stopped there, in the ctx teardown after test_efsm, until the
    hang guard ended it with status 1."""

    class KeepingContext(context_class):
        _kept_sockets = None  # a plain attribute, not a default socket option

        def socket(self, *args, **kwargs):
            sock = super().socket(*args, **kwargs)
            if self._kept_sockets is None:
                self._kept_sockets = []
            self._kept_sockets.append(sock)
            return sock

    KeepingContext.__name__ = KeepingContext.__qualname__ = context_class.__name__
    return KeepingContext


_FerromqContext = _keeping_sockets(ferromq.Context)


@pytest.fixture
def ctx():
    """A ferromq context, destroyed (linger 0) after the test; the sockets it makes live
    until then unless the test closes them (see `_keeping_sockets`). A test that needs a
    socket closed by the garbage collector makes its own context."""
    c = _FerromqContext()
    yield c
    c.destroy(linger=0)


@pytest.fixture
def zctx():
    """A pyzmq (libzmq) context for interop peers, like `ctx`."""
    import zmq  # PyPI pyzmq (bundles libzmq); scripts/install-deps.sh installs it

    c = _keeping_sockets(zmq.Context)()
    yield c
    c.destroy(linger=0)


def endpoint(sock) -> str:
    """Binds `sock` to an ephemeral port on loopback and returns the endpoint."""
    sock.bind("tcp://127.0.0.1:*")
    return sock.get(ferromq.LAST_ENDPOINT).decode()


@pytest.fixture
def bind_any():
    return endpoint
