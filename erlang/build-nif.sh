#!/bin/sh
# Builds the NIF (crate ferromq-erlang, bindings/erlang/) in release mode and copies it to
# priv/ferromq_nif.so, where ferromq_nif.erl loads it. The crate is a member of the
# repository's Cargo workspace, so the library lands in the workspace's target directory.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    . "$HOME/.cargo/env"
fi
cargo build --release --quiet -p ferromq-erlang --manifest-path "$root/Cargo.toml"
target="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$here/priv"
# Copy then rename: a VM that has the old library loaded keeps its mapping intact.
cp "$target/release/libferromq_nif.so" "$here/priv/ferromq_nif.so.tmp"
mv -f "$here/priv/ferromq_nif.so.tmp" "$here/priv/ferromq_nif.so"
