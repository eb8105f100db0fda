#!/usr/bin/env bash
# libzmq's own test suite against FerroMQ's C library (target/c-abi/, built first).
#   scripts/conformance.sh          every test of the suite's list: the full table (make conformance)
#   scripts/conformance.sh --gate   every test except bindings/c/tests/conformance-known-failures.txt,
#                                   failing if one fails three times running (make test);
#                                   skipped if the suite is absent
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SUITE=${CONFORMANCE:-$ROOT/../shared/conformance/libzmq-tests}
OUT=$ROOT/target/conformance
if [ ! -x "$SUITE/run.sh" ]; then
    if [ "${1:-}" = --gate ]; then
        echo "conformance: libzmq's test suite not found at $SUITE: skipped"
        exit 0
    fi
    echo "conformance: libzmq's test suite not found at $SUITE" >&2
    exit 2
fi
"$ROOT/scripts/c-abi.sh" >/dev/null
rm -rf "$OUT"
if [ "${1:-}" != --gate ]; then
    exec "$SUITE/run.sh" "$ROOT/target/c-abi/include" "$ROOT/target/c-abi/lib" "$OUT"
fi
known=$(grep -v '^#' "$ROOT/bindings/c/tests/conformance-known-failures.txt" | awk 'NF {print $1}')
mapfile -t tests < <(grep -v '^#' "$SUITE/list.txt" | grep -vxF -f <(echo "$known"))
"$SUITE/run.sh" "$ROOT/target/c-abi/include" "$ROOT/target/c-abi/lib" "$OUT" "${tests[@]}" \
    > "$OUT.log" 2>&1 || true
tail -1 "$OUT.log"
# Some of libzmq's tests race their own threads against the I/O thread (test_hwm_pubsub's
# test_blocking_* expects the sender to outrun it); on a loaded machine they fail for libzmq
# too. A test that failed is run twice more: passing once then is a timing failure, said so,
# not a defect; failing all three times fails the gate.
for t in $(awk '$2 == "FAIL" {print $1}' "$OUT/results.txt"); do
    for attempt in 2 3; do
        if (cd "$OUT" && timeout 120 env LD_LIBRARY_PATH="$ROOT/target/c-abi/lib" "./$t" \
            > "$OUT/$t.retry$attempt.log" 2>&1); then
            echo "conformance: $t failed once (timing, see $OUT/$t.log) and passed on attempt $attempt"
            sed -i "s/^$t FAIL .*/$t PASS (attempt $attempt)/" "$OUT/results.txt"
            break
        fi
    done
done
# Skipped tests (77) are the suite's own choice (fuzzers, missing tools); NOBUILD and FAIL count.
if grep -E ' (FAIL|NOBUILD)' "$OUT/results.txt"; then
    echo "conformance: the tests above failed (logs in $OUT/<test>.log)" >&2
    exit 1
fi
