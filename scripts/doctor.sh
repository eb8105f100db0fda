#!/usr/bin/env bash
# `make doctor`: what this machine has of what FerroMQ's builds, tests and demo use, and what
# is missing, with what needs it. Installs nothing (on Debian 12, `make deps` installs it all;
# elsewhere, install the missing pieces with your system's packages). Exits 1 if a tool or
# library is missing (FerroMQ's own packages not built yet do not count: the targets build
# them).
set -uo pipefail
. "$(dirname "$0")/lib/steps.sh"
cd "$FERROMQ_ROOT"
[ -f "$HOME/.cargo/env" ] && ! command -v cargo >/dev/null 2>&1 && . "$HOME/.cargo/env"
PYTHON="${PYTHON:-python3}"
missing=0

# check WHAT NEEDED-FOR COMMAND...: prints WHAT, the first line COMMAND prints (its version)
# or "missing", and what needs it.
check() {
    local what=$1 needed=$2
    shift 2
    local out
    if out=$("$@" 2>/dev/null) && [ -n "$out" ]; then
        printf '  %-28s %-34s %s\n' "$what" "$(head -n 1 <<<"$out" | cut -c1-34)" "$needed"
    else
        printf '  %-28s %-34s %s\n' "$what" "MISSING" "$needed"
        missing=$((missing + 1))
    fi
}
pymod() { "$PYTHON" -c "import $1; print(getattr($1, '__version__', 'installed'))"; }
deb() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null | grep .; }

echo "toolchains"
check "cargo (Rust)" "everything" cargo --version
check "clippy" "make test (lint)" cargo clippy --version
check "node" "the Node package" node --version
check "npm" "the Node package" npm --version
check "$PYTHON" "the Python package" "$PYTHON" --version
check "erl (OTP)" "the Erlang package" erl -noshell -eval 'io:format("OTP ~s~n",[erlang:system_info(otp_release)]), halt().'
check "rebar3" "the Erlang package" rebar3 version
check "ruby" "the Ruby gem" ruby --version
check "ruby-dev, libclang-dev" "building the Ruby gem's extension" sh -c 'dpkg-query -W -f "\${Version}\n" ruby-dev libclang-dev | head -1'
check "minitest, bundler" "make test-ruby, test-ruby-gem" sh -c 'dpkg-query -W -f "\${Version}\n" ruby-minitest ruby-bundler | head -1'
check "php-dev (php-config)" "building the PHP extension" php-config --version
check "phpunit, php-fpm" "make test-php" sh -c 'dpkg-query -W -f "\${Version}\n" phpunit php-fpm | head -1'
check "gcc" "C roles, bench" gcc --version
echo "libraries and packages"
check "libzmq (system)" "interop tests, demo" pkg-config --modversion libzmq
check "python3-zmq (Debian)" "Erlang tests' peer, demo" deb python3-zmq
check "maturin" "building the Python package" pymod maturin
check "pytest" "make test-python" pymod pytest
check "pyzmq (PyPI)" "Python interop tests" pymod zmq
check "tornado, gevent" "ferromq.eventloop/green tests" "$PYTHON" -c 'import tornado, gevent; print("installed")'
check "@napi-rs/cli" "building the Node package" sh -c 'test -d node/node_modules/@napi-rs/cli && echo installed'
check "zeromq (npm)" "Node interop tests, demo" node -e 'console.log(require("./node/node_modules/zeromq/package.json").version)'
check "php-zmq" "demo (PHP roles)" deb php-zmq
check "ruby-ffi-rzmq" "demo (Ruby roles)" deb ruby-ffi-rzmq
echo "FerroMQ's packages (make demo and make test build them)"
before=$missing
check "Python: ferromq" "demo, tests" pymod ferromq
check "Node: node/*.node" "demo, tests" sh -c 'ls node/*.node'
check "Erlang: priv/ferromq_nif.so" "demo, tests" sh -c 'ls erlang/priv/ferromq_nif.so'
check "Ruby: ferromq_native.so" "demo, tests" sh -c 'ls ruby/lib/ferromq/ferromq_native.so'
check "PHP: php/modules/ferromq.so" "demo, tests" sh -c 'ls php/modules/ferromq.so'
missing=$before

if [ "$missing" -gt 0 ]; then
    echo "$missing missing. On Debian 12: make deps (output in ${SETUP_LOG#"$FERROMQ_ROOT"/}). Elsewhere: your system's packages for the above; see README.md."
    exit 1
fi
echo "all present"
