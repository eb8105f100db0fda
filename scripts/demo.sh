#!/usr/bin/env bash
# The talks come alive (`make demo`, about a minute): every scenario of tests-polyglot/ —
# the code samples of the four talks in ../shared/seeds/, each role a separate process in
# the talk's language — first on the incumbent bindings (pyzmq, php-zmq, ffi-rzmq, libzmq's
# C API), then with one side switched to FerroMQ, printing what every process says,
# prefixed by its role. Then the cross-language matrix, and the table of what ran on what.
# Options go to the runner: scripts/demo.sh -k chat, scripts/demo.sh --no-matrix, --lines 30.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

# FerroMQ's Python package: install it if this python doesn't have it yet (one release
# build, ~1 min the first time). Without it the Python roles run on pyzmq only.
if ! "$PYTHON" -c 'import ferromq' 2>/dev/null && [ -f python/pyproject.toml ]; then
    echo "installing FerroMQ's Python package (pip install ./python)..."
    "$PYTHON" -m pip install --quiet --root-user-action=ignore ./python \
        || echo "  (not installed: the Python roles run on pyzmq only)"
fi

# The Rust roles (core/examples) are built by the runner (cargo build --examples).
echo "building the Rust roles (core/examples)..."
FERROMQ_PYTHON="$PYTHON" exec python3 tests-polyglot/run.py --demo "$@"
