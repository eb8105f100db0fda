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
mkdir -p "$pkg/native"

# The rebar3 project, without build products.
(cd "$root/erlang" && tar cf - --exclude=_build --exclude=priv --exclude='*.dump' .) | (cd "$pkg" && tar xf -)

# The crates, and a workspace with the repository's shared settings (package fields,
# release profile) and lock file.
cp -r "$root/core" "$pkg/native/core"
cp -r "$root/bindings/erlang" "$pkg/native/ferromq-erlang"
sed -i 's|path = "../../core"|path = "../core"|' "$pkg/native/ferromq-erlang/Cargo.toml"
grep -q 'path = "../core"' "$pkg/native/ferromq-erlang/Cargo.toml" ||
    { echo "erlang-package: the NIF crate's path to the core was not rewritten" >&2; exit 1; }
{
    echo '# The Erlang package'"'"'s own workspace: the NIF crate and the FerroMQ core it wraps.'
    echo '[workspace]'
    echo 'resolver = "2"'
    echo 'members = ["core", "ferromq-erlang"]'
    sed -n '/^\[workspace.package\]/,$p' "$root/Cargo.toml"
} >"$pkg/native/Cargo.toml"
cp "$root/Cargo.lock" "$pkg/native/Cargo.lock"
echo "$pkg"
