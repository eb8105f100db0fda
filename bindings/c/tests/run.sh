#!/usr/bin/env bash
# make test-c: FerroMQ's own C tests of its libzmq ABI (abi_test.c), compiled with
# `cc $(pkg-config --cflags --libs libzmq)` against target/c-abi/, with a REP peer on the
# system libzmq (Debian's python3-zmq) in a separate process; then Debian's cppzmq compiled
# against target/c-abi/ (cppzmq_test.cpp) and Debian's czmq, unchanged, loading
# target/c-abi/lib/libzmq.so.5 through LD_LIBRARY_PATH (czmq_test.c).
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

# cppzmq: a header-only C++ binding, compiled against FerroMQ's zmq.h.
g++ -std=c++17 -Wall -Werror -I"$out/include" -o "$root/target/c-abi-tests/cppzmq_test" \
    "$root/bindings/c/tests/cppzmq_test.cpp" -L"$out/lib" -Wl,-rpath,"$out/lib" -lzmq
"$root/target/c-abi-tests/cppzmq_test"
# czmq: Debian's libczmq.so.4, built against libzmq 4.3.4, on FerroMQ's libzmq.so.5.
czmq_exe="$root/target/c-abi-tests/czmq_test"
gcc -std=gnu99 -Wall -Werror -o "$czmq_exe" "$root/bindings/c/tests/czmq_test.c" -lczmq -lzmq
LD_LIBRARY_PATH="$out/lib" ldd "$czmq_exe" | grep -q "$out/lib/libzmq.so.5" ||
    { echo "czmq_test does not load $out/lib/libzmq.so.5" >&2; exit 1; }
LD_LIBRARY_PATH="$out/lib" "$czmq_exe"
