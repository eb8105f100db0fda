#!/usr/bin/env bash
# Installs what `make test`, `make demo` and `make bench` need on a fresh Debian 12 machine:
# one line per step, the installers' output in target/setup.log (shown only if a step
# fails); what is already there is skipped, so a second run takes a second or two.
set -euo pipefail
. "$(dirname "$0")/lib/steps.sh"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
did_something=""

apt_packages=(libzmq3-dev pkg-config python3-zmq)
# tests-polyglot/ (make test-polyglot, make demo): the talks' languages on libzmq's bindings:
# php-zmq, ffi-rzmq (+ colorize for the chat server's String#cyan), a C compiler.
apt_packages+=(php-cli php-zmq ruby ruby-ffi-rzmq ruby-colorize gcc libc6-dev)
# Erlang package (erlang/, make test-erlang) and its talks' roles: OTP 25 (NIF 2.16, EUnit,
# escript) and rebar3, which builds the NIF crate with cargo.
apt_packages+=(erlang-nox erlang-dev rebar3)
# The Ruby gem (ruby/, make test-ruby): Ruby's headers and libclang for the magnus crate
# (rb-sys generates its bindings), minitest for its tests, Bundler for its path: test.
apt_packages+=(ruby-dev ruby-minitest ruby-bundler libclang-dev)
# The PHP extension (php/, make php / test-php): PHP's headers and php-config (ext-php-rs
# builds against them), PHPUnit, php-fpm for the persistence test.
apt_packages+=(php-dev phpunit php-fpm)
# libzmq's own test suite against the C library (make test-conformance) is C++; cppzmq
# and czmq run on it in make test-c.
apt_packages+=(g++ cppzmq-dev libczmq-dev)
# The Python package's ssh tunnel test runs a private sshd (OpenSSH's client and server).
apt_packages+=(openssh-client openssh-server)
# Node.js and npm, when the machine has no Node (this one has Node 20 from elsewhere).
command -v npm >/dev/null 2>&1 || apt_packages+=(nodejs npm)

missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt_install() {
        $SUDO apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
    }
    step "installing ${#missing[@]} system packages (${missing[*]})" apt_install "${missing[@]}"
    did_something=1
fi

if ! command -v cargo >/dev/null 2>&1; then
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
fi
command -v cargo >/dev/null || { echo "cargo (Rust) is required: see https://rustup.rs" >&2; exit 1; }
if ! rustup component list --installed 2>/dev/null | grep -q clippy; then
    step "adding Rust's clippy and rustfmt" rustup component add clippy rustfmt
    did_something=1
fi

# Node.js package (node/): @napi-rs/cli builds the addon, the `zeromq` npm package (real
# libzmq, prebuilt for Node 20) is the interop tests' reference peer. Scripts are skipped:
# zeromq's prebuilt addon needs none, and ours is built by `make test-node`.
node_dir="$FERROMQ_ROOT/node"
if [ ! -d "$node_dir/node_modules/@napi-rs/cli" ] || [ ! -d "$node_dir/node_modules/zeromq" ]; then
    # `npm install`, not `npm ci`: npm 11's ci rejects this lock for the optional platform
    # packages of @napi-rs/lzma (a dependency of @napi-rs/cli), which install does not.
    npm_install() { (cd "$node_dir" && npm install --ignore-scripts --no-audit --no-fund); }
    step "installing the Node tools (@napi-rs/cli, zeromq)" npm_install
    did_something=1
fi

# Python package (python/): maturin builds it (`pip install ./python`), pytest runs its tests,
# PyPI's pyzmq (bundling libzmq) is the interop peer, tornado and gevent are for the tests of
# ferromq.eventloop and ferromq.green. The machine's `python3`/pip (pyenv's 3.11 here), not
# Debian's python3, which has python3-zmq on the system libzmq. (`make test-python` makes its
# own venvs for the other CPython versions it tests.)
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import maturin, pytest, zmq, tornado, gevent' >/dev/null 2>&1 \
    || ! command -v maturin >/dev/null 2>&1; then
    step "installing the Python tools (maturin, pytest, pyzmq, tornado, gevent)" \
        "$PYTHON" -m pip install --quiet --root-user-action=ignore "maturin>=1.16,<2" pytest pyzmq tornado gevent
    did_something=1
fi

if [ -z "$did_something" ]; then
    echo "dependencies: all installed"
fi
