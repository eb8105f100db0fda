#!/usr/bin/env bash
# make c-abi: builds FerroMQ's libzmq-compatible C library (crate bindings/c, release) and
# lays it out as libzmq installs itself, in OUT (default target/c-abi):
#   include/zmq.h, include/zmq_utils.h
#   lib/libzmq.so.5.2.5 (soname libzmq.so.5), lib/libzmq.so.5 and lib/libzmq.so links,
#   lib/libzmq.a, lib/pkgconfig/libzmq.pc (and ferromq.pc, the same under FerroMQ's name)
# With PREFIX=DIR it installs that layout under DIR instead (make install-c-abi PREFIX=…).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${PREFIX:-$root/target/c-abi}"
cargo build --release --quiet -p ferromq-c --manifest-path "$root/Cargo.toml"
mkdir -p "$out/include" "$out/lib/pkgconfig"
cp "$root/bindings/c/include/zmq.h" "$root/bindings/c/include/zmq_utils.h" "$out/include/"
# Copy, then rename: a running program keeps the file it mapped.
cp "$root/target/release/libzmq.so" "$out/lib/libzmq.so.5.2.5.new"
mv "$out/lib/libzmq.so.5.2.5.new" "$out/lib/libzmq.so.5.2.5"
ln -sf libzmq.so.5.2.5 "$out/lib/libzmq.so.5"
ln -sf libzmq.so.5 "$out/lib/libzmq.so"
cp "$root/target/release/libzmq.a" "$out/lib/libzmq.a"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)"
for name in libzmq ferromq; do
    cat > "$out/lib/pkgconfig/$name.pc" <<PC
prefix=$out
exec_prefix=\${prefix}
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: $name
Description: FerroMQ $version: libzmq's C API and ABI on FerroMQ's Rust core
Version: $([ "$name" = libzmq ] && echo 4.3.5 || echo "$version")
Libs: -L\${libdir} -lzmq
Libs.private: -lpthread -ldl -lm -lgcc_s
Cflags: -I\${includedir}
PC
done
