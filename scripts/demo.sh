#!/usr/bin/env bash
# The talks come alive (`make demo`, about a minute once built): every scenario of
# tests-polyglot/ — the code samples of the four talks in ../shared/seeds/, each role a
# separate process in the talk's language — first on the incumbent bindings (pyzmq, php-zmq,
# ffi-rzmq, zeromq.js, libzmq's C API), then with one side switched to FerroMQ (its own
# packages, or its libzmq C library under the incumbents' unchanged code), printing what
# every process says, prefixed by its role. Then the cross-language matrix, the table of what
# ran on what, and a summary per language.
#
# First, every FerroMQ package is built (one line per package; the builds' output goes to
# target/setup.log), each only when its sources changed since the last build.
# Options go to the runner: scripts/demo.sh -k chat, scripts/demo.sh --no-matrix, --lines 30.
set -euo pipefail
. "$(dirname "$0")/lib/steps.sh"
cd "$FERROMQ_ROOT"
PYTHON="${PYTHON:-python3}"
[ -f "$HOME/.cargo/env" ] && ! command -v cargo >/dev/null 2>&1 && . "$HOME/.cargo/env"

# The sources each package is built from (the core is part of every one).
common=(Cargo.toml Cargo.lock core)

if changed python "${common[@]}" bindings/python python || ! "$PYTHON" -c 'import ferromq' 2>/dev/null; then
    step "building FerroMQ's Python package (pip install ./python)" \
        "$PYTHON" -m pip install --quiet --root-user-action=ignore --no-build-isolation --no-deps ./python
    mark_built python
fi
if changed node "${common[@]}" bindings/node node/build.js node/package.json || ! ls node/*.node >/dev/null 2>&1; then
    build_node() { (cd node && npm run build); }
    step "building FerroMQ's Node.js package (npm run build)" build_node
    mark_built node
fi
if changed erlang "${common[@]}" bindings/erlang erlang/src erlang/rebar.config erlang/build-nif.sh; then
    build_erlang() { (cd erlang && rebar3 compile); }
    step "building FerroMQ's Erlang package (rebar3 compile)" build_erlang
    mark_built erlang
fi
if changed ruby "${common[@]}" bindings/ruby ruby/build-native.sh || [ ! -f ruby/lib/ferromq/ferromq_native.so ]; then
    step "building FerroMQ's Ruby gem's extension (ruby/build-native.sh)" ./ruby/build-native.sh
    mark_built ruby
fi
if changed php "${common[@]}" bindings/php php/tools/build.sh || [ ! -f php/modules/ferromq.so ]; then
    step "building FerroMQ's PHP extension (php/tools/build.sh)" ./php/tools/build.sh
    mark_built php
fi
if changed c-abi "${common[@]}" bindings/c scripts/c-abi.sh || [ ! -f target/c-abi/lib/libzmq.so.5 ]; then
    step "building FerroMQ's libzmq C library (scripts/c-abi.sh)" ./scripts/c-abi.sh
    mark_built c-abi
fi
if changed rust-roles "${common[@]}"; then
    step "building the Rust roles (cargo build --examples)" cargo build -q -p ferromq --examples
    mark_built rust-roles
fi

FERROMQ_PYTHON="$PYTHON" exec python3 tests-polyglot/run.py --demo \
    --require rust-ferromq --require python-ferromq --require node-ferromq --require erlang-ferromq \
    --require ruby-ferromq --require php-ferromq --require c-ferromq \
    --require python-abi --require php-abi --require ruby-abi "$@"
