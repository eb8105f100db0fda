#!/usr/bin/env bash
# make test-c: FerroMQ's own C tests of its libzmq ABI (abi_test.c), compiled with
# `cc $(pkg-config --cflags --libs libzmq)` against target/c-abi/, with a REP peer on the
# system libzmq (Debian's python3-zmq) in a separate process.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
out="$root/target/c-abi"
"$root/scripts/c-abi.sh"
mkdir -p "$root/target/c-abi-tests"
exe="$root/target/c-abi-tests/abi_test"
# shellcheck disable=SC2046
cc -std=c99 -Wall -Werror -o "$exe" "$root/bindings/c/tests/abi_test.c" \
    $(PKG_CONFIG_PATH="$out/lib/pkgconfig" pkg-config --cflags --libs libzmq) -Wl,-rpath,"$out/lib"
# The peer: the system libzmq through Debian's pyzmq (not the pip one: /usr/bin/python3).
port_file="$(mktemp)"
/usr/bin/python3 - "$port_file" <<'PY' &
import sys, zmq
ctx = zmq.Context()
rep = ctx.socket(zmq.REP)
port = rep.bind_to_random_port("tcp://127.0.0.1")
open(sys.argv[1], "w").write(str(port))
for _ in range(1000):
    rep.send(b"re:" + rep.recv())
PY
peer=$!
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.05; done
"$exe" "tcp://127.0.0.1:$(cat "$port_file")"
wait "$peer"
rm -f "$port_file"
