#!/bin/sh
# Builds the gem's native extension (crate ferromq-ruby, `bindings/ruby/`) in release mode
# and puts it where lib/ferromq.rb requires it: lib/ferromq/ferromq_native.so. In the
# repository the crate is a member of the repository's Cargo workspace; an installed gem is
# built the same way by ext/ferromq/extconf.rb.
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
cargo build --release --quiet -p ferromq-ruby --manifest-path "$workspace/Cargo.toml"
target="${CARGO_TARGET_DIR:-$workspace/target}"
dest="${1:-$here/lib/ferromq}"
mkdir -p "$dest"
# Copy then rename: a process that has the old library loaded keeps its mapping intact.
cp "$target/release/libferromq_native.so" "$dest/ferromq_native.so.tmp"
mv -f "$dest/ferromq_native.so.tmp" "$dest/ferromq_native.so"
