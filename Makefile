# FerroMQ: `make test` runs every test (what CI runs), `make demo` the talks' examples,
# `make bench` the benchmarks. Each installs what it needs first.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: all deps build test test-rust lint demo bench perf-tools clean

all: build

deps:
	./scripts/install-deps.sh

build: deps
	$(CARGO) build --workspace

# Every test: lint, the Rust core (unit, interop with libzmq, bad input).
test: deps lint test-rust

test-rust:
	$(CARGO) test --workspace -- --test-threads=2

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Release perf tools: target/release/{local,remote}_{thr,lat}.
perf-tools: deps
	$(CARGO) build --release -p ferromq --bins

demo: deps perf-tools
	./scripts/demo.sh

bench: deps perf-tools
	./scripts/bench.sh

clean:
	$(CARGO) clean
