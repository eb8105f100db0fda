#!/usr/bin/env bash
# Writes a Cargo workspace of its own for one binding crate and the core, so that a
# language package carries what it needs to build its native part wherever it is copied
# (a rebar3 dependency in _build/, an installed gem):
#
#   scripts/native-workspace.sh BINDING OUT     e.g. bindings/ruby target/x/native
#
# OUT gets core/, the binding crate (as ferromq-<lang>/, its path to the core rewritten), a
# Cargo.toml with the repository's shared settings (package fields, release profile) and
# the repository's lock file.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
binding="$1"
out="$2"
crate="ferromq-$(basename "$binding")"
rm -rf "$out"
mkdir -p "$out"
cp -r "$root/core" "$out/core"
rm -rf "$out/core/tests" "$out/core/examples"
cp -r "$root/$binding" "$out/$crate"
sed -i 's|path = "../../core"|path = "../core"|' "$out/$crate/Cargo.toml"
grep -q 'path = "../core"' "$out/$crate/Cargo.toml" ||
    { echo "native-workspace: the $crate crate's path to the core was not rewritten" >&2; exit 1; }
{
    echo "# The package's own workspace: its native crate and the FerroMQ core it wraps."
    echo '[workspace]'
    echo 'resolver = "2"'
    echo "members = [\"core\", \"$crate\"]"
    sed -n '/^\[workspace.package\]/,$p' "$root/Cargo.toml"
} >"$out/Cargo.toml"
cp "$root/Cargo.lock" "$out/Cargo.lock"
