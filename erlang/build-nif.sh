#!/bin/sh
# Builds the NIF (crate ferromq-erlang) in release mode and copies it to
# priv/ferromq_nif.so, where ferromq_nif.erl loads it. In the repository the crate is
# bindings/erlang/, a member of the repository's Cargo workspace; in a packaged copy
# (scripts/erlang-package.sh) it is native/ferromq-erlang/, in the package's own workspace.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/native/Cargo.toml" ]; then
    workspace="$here/native"
else
    workspace=$(dirname "$here")
fi
if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    . "$HOME/.cargo/env"
fi
cargo build --release --quiet -p ferromq-erlang --manifest-path "$workspace/Cargo.toml"
target="${CARGO_TARGET_DIR:-$workspace/target}"
mkdir -p "$here/priv"
# Copy then rename: a VM that has the old library loaded keeps its mapping intact.
cp "$target/release/libferromq_nif.so" "$here/priv/ferromq_nif.so.tmp"
mv -f "$here/priv/ferromq_nif.so.tmp" "$here/priv/ferromq_nif.so"
