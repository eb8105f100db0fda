#!/usr/bin/env bash
# Makes the Ruby gem self-contained and builds it: OUT/ferromq/ holds ruby/ (the gem's
# sources) plus native/, a Cargo workspace of its own with the extension crate
# (bindings/ruby) and the core, so that `gem install` builds the extension anywhere.
# Prints the path of the .gem file.
#
#   scripts/ruby-package.sh OUT     (default OUT: target/ruby-package)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/target/ruby-package}"
pkg="$out/ferromq"
rm -rf "$pkg"
mkdir -p "$pkg"
(cd "$root/ruby" && tar cf - --exclude='*.so' --exclude=test .) | (cd "$pkg" && tar xf -)
"$root/scripts/native-workspace.sh" bindings/ruby "$pkg/native"
(cd "$pkg" && gem build --silent ferromq.gemspec -o "$out/ferromq.gem" >/dev/null)
echo "$out/ferromq.gem"
