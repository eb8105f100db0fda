# Quiet setup steps, sourced by the scripts under scripts/: each step prints one line (what it
# does and how long it took) and writes the tools' own output to one log file, shown only
# when a step fails.
#
#   step "installing system packages" apt-get install …
#   if changed python core bindings/python python; then step "building …" …; mark_built python; fi

FERROMQ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SETUP_LOG="${FERROMQ_SETUP_LOG:-$FERROMQ_ROOT/target/setup.log}"
STAMPS="$FERROMQ_ROOT/target/setup"
mkdir -p "$(dirname "$SETUP_LOG")" "$STAMPS"

# Seconds since `start` (from `now`), with one decimal.
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f s", e - s }'; }

# step WHAT COMMAND...: runs COMMAND with its output in the log; on failure shows the log's
# end and its path, and exits with COMMAND's status.
step() {
    local what=$1
    shift
    local start
    start=$(now)
    if [ -z "${STEP_LOG_SHOWN:-}" ]; then
        echo "(the output of these steps goes to ${SETUP_LOG#"$PWD"/})"
        STEP_LOG_SHOWN=1
    fi
    printf '%s… ' "$what"
    local first_line
    first_line=1
    [ -f "$SETUP_LOG" ] && first_line=$(($(wc -l <"$SETUP_LOG") + 1))
    {
        echo
        echo "=== $(date -u '+%F %T') $what: $*"
    } >>"$SETUP_LOG"
    local status=0
    "$@" >>"$SETUP_LOG" 2>&1 </dev/null || status=$?
    if [ "$status" -eq 0 ]; then
        echo "done ($(since "$start"))"
        return 0
    fi
    echo "FAILED ($(since "$start"))"
    echo "--- what it printed (the end of it):" >&2
    tail -n "+$first_line" "$SETUP_LOG" | tail -n 40 >&2
    echo "--- the whole output of every step is in $SETUP_LOG" >&2
    exit "$status"
}

# The fingerprint of the files under PATHS (tracked, as committed, plus uncommitted changes).
fingerprint() {
    (
        cd "$FERROMQ_ROOT"
        git ls-files -s -- "$@" 2>/dev/null
        git diff HEAD -- "$@" 2>/dev/null
    ) | sha1sum | cut -d' ' -f1
}

# changed NAME PATHS...: whether NAME was built from other sources than PATHS hold now
# (true when it never was). `mark_built NAME` records the current ones after a build.
changed() {
    local name=$1
    shift
    local now_print
    now_print=$(fingerprint "$@")
    printf '%s' "$now_print" >"$STAMPS/$name.next"
    [ "$(cat "$STAMPS/$name.done" 2>/dev/null)" != "$now_print" ]
}
mark_built() { mv "$STAMPS/$1.next" "$STAMPS/$1.done"; }
