#!/usr/bin/env bash
# The talks' hello world, across implementations: the talk's Python server and client on
# pyzmq (libzmq) against FerroMQ's Rust client and server. More scenarios arrive with
# tests-polyglot/ and the language packages.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p ferromq --examples
BIN=target/release/examples
TALKS=tests-polyglot/talks
# Debian's python3 carries python3-zmq (pyzmq on the system libzmq).
PY=/usr/bin/python3

echo "== hwserver.py (pyzmq/libzmq) <-> hwclient (FerroMQ, Rust) =="
"$PY" "$TALKS/hwserver.py" 10 | sed 's/^/  [hwserver.py] /' &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
"$BIN/hwclient" | sed 's/^/  [hwclient.rs] /'
wait $server

echo "== hwserver (FerroMQ, Rust) <-> hwclient.py (pyzmq/libzmq) =="
"$BIN/hwserver" 10 | sed 's/^/  [hwserver.rs] /' &
server=$!
"$PY" "$TALKS/hwclient.py" | sed 's/^/  [hwclient.py] /'
wait $server
echo "demo done"
