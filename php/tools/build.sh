#!/usr/bin/env bash
# Builds FerroMQ's PHP extension (crate bindings/php, release) against the machine's PHP
# (Debian's php-dev: php-config and the headers) and puts it at php/modules/ferromq.so.
# Enable it with `php -d extension=$PWD/php/modules/ferromq.so`, or copy it into
# `php-config --extension-dir` and add php/ferromq.ini to PHP's conf.d.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cargo build --release --quiet -p ferromq-php --manifest-path "$root/Cargo.toml"
mkdir -p "$root/php/modules"
# Copy, then rename: a PHP process that has the old file mapped keeps its copy.
cp "$root/target/release/libferromq_php.so" "$root/php/modules/ferromq.so.new"
mv "$root/php/modules/ferromq.so.new" "$root/php/modules/ferromq.so"
