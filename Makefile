# FerroMQ: `make test` runs every test (what CI runs), `make demo` the talks' examples,
# `make bench` the benchmarks. Each installs what it needs first.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: all deps doctor build test test-rust test-node test-python test-erlang test-erlang-package erlang-hex test-ruby test-ruby-gem php test-php c-abi install-c-abi test-c conformance test-conformance test-polyglot test-delivery lint demo bench perf-tools clean

all: build

# Installs what the targets need (Debian 12): one line per step, the installers' output in
# target/setup.log. `make doctor` says what is there and what is missing, installing nothing.
deps:
	@./scripts/install-deps.sh

doctor:
	@./scripts/doctor.sh

build: deps
	$(CARGO) build --workspace

# Every test: lint, the Rust core (unit, interop with libzmq, bad input), the Node.js,
# Python, Erlang, Ruby and PHP packages, the C library's own tests, the talks' scenarios across languages and processes
# (tests-polyglot/), and delivery at close across them (tests-polyglot/delivery/).
test: deps lint test-rust test-node test-python test-erlang test-erlang-package test-ruby test-ruby-gem test-php test-c test-conformance test-polyglot test-delivery

test-rust:
	$(CARGO) test --workspace -- --test-threads=2

# The Node.js package (node/): one release build of the addon, then node's test runner
# (interop tests use the `zeromq` npm package, real libzmq, installed by deps).
test-node:
	cd node && npm run build && node --test test/

# The Python package (python/): one release build of the abi3 wheel (cp39-abi3, maturin),
# installed into $(PYTHON), then pytest (interop tests use PyPI's pyzmq, the real libzmq,
# installed by deps); then the same wheel and suite on the oldest (3.9) and newest (3.13+)
# CPython under ~/.pyenv/versions, in venvs under target/python-venvs/ (skipped with a notice
# when absent). See python/tools/test-python.sh.
PYTHON ?= python3
test-python:
	PYTHON=$(PYTHON) ./python/tools/test-python.sh

# The Erlang package (erlang/): rebar3 builds the NIF (one release build of the crate
# ferromq-erlang, copied to erlang/priv/) and runs EUnit (interop tests use Debian's
# python3-zmq, the real libzmq, as the peer; all installed by deps).
test-erlang: deps
	cd erlang && rebar3 eunit

# The Erlang package outside the repository: packed with its NIF crate and the core
# (scripts/erlang-package.sh), fetched as a git dependency and as a Hex package (from a
# local Hex repository) by fresh rebar3 projects whose smoke tests build the NIF from the
# package alone (~1 min; erlang/tools/test-package.sh).
test-erlang-package: deps
	./erlang/tools/test-package.sh

# The Ruby gem (ruby/): the native extension (crate ferromq-ruby, built by
# ruby/build-native.sh into ruby/lib/ferromq/), then its minitest suite (Debian's minitest;
# interop tests use Debian's ruby-ffi-rzmq, the real libzmq, in separate processes).
test-ruby: deps
	./ruby/build-native.sh
	cd ruby && ruby -Itest -e 'Dir["test/test_*.rb"].sort.each { |f| require_relative f }'

# The gem outside the repository: packed with its extension crate and the core
# (scripts/ruby-package.sh), `gem install --local` into a fresh directory and a Bundler
# project with `path:`, each running a smoke test (~2 min; ruby/tools/test-gem.sh).
test-ruby-gem: deps
	./ruby/tools/test-gem.sh

# The PHP extension (php-zmq's API; crate ferromq-php, release) against Debian's PHP 8.2
# (php-dev), at php/modules/ferromq.so: `php -d extension=$$PWD/php/modules/ferromq.so`.
php: deps
	./php/tools/build.sh

# The PHP extension's PHPUnit suite (Debian's phpunit): classes, errors, persistence under
# a real php-fpm pool (100k requests), fork, interop with Debian's php-zmq in separate
# processes; then the same suite on php-zmq, for compatibility (~1 min; php/tools/test.sh).
test-php: deps
	./php/tools/test.sh

# libzmq's C API and ABI on FerroMQ (crate ferromq-c): target/c-abi/ laid out as libzmq
# installs itself (include/zmq.h, lib/libzmq.so.5, lib/libzmq.a, lib/pkgconfig/libzmq.pc);
# `make install-c-abi PREFIX=/usr/local` installs that layout (scripts/c-abi.sh).
c-abi: deps
	./scripts/c-abi.sh

install-c-abi: deps
	@test -n "$(PREFIX)" || { echo "usage: make install-c-abi PREFIX=/usr/local" >&2; exit 2; }
	PREFIX="$(PREFIX)" ./scripts/c-abi.sh

# FerroMQ's own C tests of the ABI, with a peer on the system libzmq (bindings/c/tests/).
test-c: deps
	./bindings/c/tests/run.sh

# libzmq's own test suite (../shared/conformance/libzmq-tests) built against target/c-abi/
# and run, one line per test and a summary; results in target/conformance/ (~7 min: tests
# that hang are stopped after 120 s). `make test` runs test-conformance: every test except
# those in bindings/c/tests/conformance-known-failures.txt, failing if one fails (~1 min;
# skipped when the suite is not there).
conformance: deps
	./scripts/conformance.sh

test-conformance: deps
	./scripts/conformance.sh --gate

# The Erlang package's Hex tarball, target/erlang-hex/ferromq-VSN.tar (what `rebar3 hex
# build` makes; erlang/tools/hex.escript uses the Hex code inside rebar3).
erlang-hex: deps
	escript erlang/tools/hex.escript build "$$(scripts/erlang-package.sh target/erlang-hex)" target/erlang-hex

# The talks' examples as separate processes in their languages, on libzmq's bindings and on
# FerroMQ's (Rust core; Python package, installed here if `make test-python` hasn't; Erlang
# package, built by the runner with rebar3), plus the cross-language matrix:
# tests-polyglot/run.py, quiet unless something fails (~30 s).
test-polyglot: deps
	@$(PYTHON) -c 'import ferromq' 2>/dev/null || $(PYTHON) -m pip install --quiet --root-user-action=ignore --no-build-isolation --no-deps ./python
	./scripts/c-abi.sh >/dev/null
	FERROMQ_PYTHON=$(PYTHON) python3 tests-polyglot/run.py --require rust-ferromq --require python-ferromq --require node-ferromq --require erlang-ferromq --require ruby-ferromq --require php-ferromq --require c-ferromq --require python-abi --require php-abi --require ruby-abi

# Delivery at close: FerroMQ senders in every language close right after their last send,
# receivers on FerroMQ and on libzmq count every sequence number; tcp, ipc, abstract ipc and
# inproc, several sizes and patterns, and libzmq sending to FerroMQ (~2 min). Builds the
# Node addon and installs the Python package if `make test-node`/`test-python` haven't.
test-delivery: deps
	@$(PYTHON) -c 'import ferromq' 2>/dev/null || $(PYTHON) -m pip install --quiet --root-user-action=ignore --no-build-isolation --no-deps ./python
	@test -f node/ferromq.linux-x64-gnu.node || (cd node && npm run build)
	FERROMQ_PYTHON=$(PYTHON) python3 tests-polyglot/delivery/run.py

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Release perf tools: target/release/{local,remote}_{thr,lat}.
perf-tools: deps
	$(CARGO) build --release -p ferromq --bins

# The talks come alive: builds every FerroMQ package (quietly, only what changed), then every
# scenario on the incumbents and mixed with FerroMQ, each process's output prefixed by its
# role, the cross-language matrix and a summary per language (~1 min once built).
demo: deps
	@./scripts/demo.sh

# Benchmarks against libzmq and the incumbent bindings: builds release, runs everything,
# rewrites BENCHMARKS.md and bench/charts/ (~15 min; BENCH_QUICK=1 for a ~2 min smoke run).
bench: deps
	./scripts/bench.sh

clean:
	$(CARGO) clean
