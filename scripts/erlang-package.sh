#!/usr/bin/env bash
# Makes the Erlang package self-contained: OUT/ferromq/ holds erlang/ (the rebar3 project)
# plus native/, a Cargo workspace of its own with the NIF crate (bindings/erlang) and the
# core, so that `rebar3 compile` builds the NIF wherever the package is copied (as rebar3
# copies a dependency into _build/). The repository's erlang/ builds from the repository's
# workspace instead (build-nif.sh picks whichever is there).
#
#   scripts/erlang-package.sh OUT     (default OUT: target/erlang-package)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/target/erlang-package}"
pkg="$out/ferromq"
rm -rf "$pkg"
mkdir -p "$pkg"

# The rebar3 project, without build products.
(cd "$root/erlang" && tar cf - --exclude=_build --exclude=priv --exclude='*.dump' .) | (cd "$pkg" && tar xf -)

# The NIF crate and the core, in a Cargo workspace of their own.
"$root/scripts/native-workspace.sh" bindings/erlang "$pkg/native"
echo "$pkg"
