#!/usr/bin/env bash
# The benchmark suite (`make bench`; never part of `make test`): builds FerroMQ's tools in
# release mode and the libzmq C peer, then runs bench/src/main.rs, which alternates the
# implementations, takes medians and writes BENCHMARKS.md, bench/charts/*.svg and
# bench/results/*.tsv.
#
#   scripts/bench.sh                 full run (~15 min on 2 cores)
#   BENCH_QUICK=1 scripts/bench.sh   smoke run (~2 min)
#   BENCH_REPS=n BENCH_ONLY=pushpull-tcp BENCH_PROFILE=0|1|all scripts/bench.sh
#   BENCH_ONLY=curve scripts/bench.sh   the CURVE cases only (tcp, issue 25)
#   scripts/bench.sh --report-only   rebuild BENCHMARKS.md and the charts from bench/results/
#   scripts/bench.sh --profile-only  profile the saved run's misses again, then rebuild the report
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/steps.sh
if [ "${1:-}" != "--report-only" ]; then
    # Bench-only tools: a C compiler for the libzmq peer (libzmq3-dev comes with
    # scripts/install-deps.sh), and the profilers, best effort: without them the report
    # just has no profile.
    need=()
    command -v gcc >/dev/null 2>&1 || need+=(gcc)
    command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
    command -v perf >/dev/null 2>&1 || need+=(linux-perf)
    if [ ${#need[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
        SUDO=""
        [ "$(id -u)" -eq 0 ] || SUDO=sudo
        apt_install() {
            $SUDO apt-get update -qq &&
                DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
        }
        (step "installing ${need[*]}" apt_install "${need[@]}") || echo "bench: going on without ${need[*]}"
    fi
    command -v gcc >/dev/null 2>&1 || { echo "bench: gcc is required" >&2; exit 1; }
fi

[ -f "$HOME/.cargo/env" ] && ! command -v cargo >/dev/null 2>&1 && . "$HOME/.cargo/env"
step "building the benchmark tools (release)" cargo build --release -p ferromq-bench
mkdir -p target/bench
step "building the libzmq peer (bench/libzmq/perf.c)" \
    gcc -O2 -Wall -o target/bench/libzmq-perf bench/libzmq/perf.c -lzmq -lpthread

if [ "${1:-}" != "--report-only" ]; then
    # The bindings measured are this tree's, built in release mode: the Node addon, and
    # the Python package installed from ./python (a stale install would be measured
    # otherwise). Without them the binding rows say why they are missing.
    build_node() { (cd node && npm run build); }
    (step "building the Node addon" build_node) || echo "bench: the Node addon did not build"
    (step "building the Ruby gem's extension" ./ruby/build-native.sh) || echo "bench: the Ruby extension did not build"
    PYTHON="${PYTHON:-python3}"
    (step "installing the Python package" "$PYTHON" -m pip install --quiet --root-user-action=ignore --force-reinstall --no-deps ./python) ||
        echo "bench: the Python package did not install"
fi

exec target/release/ferromq-bench --root "$PWD" \
    --libzmq-perf target/bench/libzmq-perf \
    --ferromq-perf target/release/ferromq-perf "$@"
