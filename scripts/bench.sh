#!/usr/bin/env bash
# First benchmark: FerroMQ's perf tools against libzmq's (a C program on the system libzmq),
# alternating implementations in one run, median of REPS repetitions.
# Usage: scripts/bench.sh [reps]   (run by `make bench`; never part of `make test`)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
mkdir -p target/bench
gcc -O2 -o target/bench/libzmq-perf bench/libzmq/perf.c -lzmq
FERRO=target/release
LIBZMQ=target/bench/libzmq-perf

port=$((20000 + RANDOM % 20000))

# run_pair <impl> <kind thr|lat> <size> <count> → prints the figure
run_pair() {
    local impl=$1 kind=$2 size=$3 count=$4
    port=$((port + 1))
    local ep="tcp://127.0.0.1:$port"
    local out
    if [ "$impl" = ferromq ]; then
        if [ "$kind" = thr ]; then
            "$FERRO/local_thr" "$ep" "$size" "$count" > target/bench/out.txt & local pid=$!
            sleep 0.2; "$FERRO/remote_thr" "$ep" "$size" "$count"; wait $pid
        else
            "$FERRO/local_lat" "$ep" "$size" "$count" & local pid=$!
            sleep 0.2; "$FERRO/remote_lat" "$ep" "$size" "$count" > target/bench/out.txt; wait $pid
        fi
    else
        if [ "$kind" = thr ]; then
            "$LIBZMQ" local_thr "$ep" "$size" "$count" > target/bench/out.txt & local pid=$!
            sleep 0.2; "$LIBZMQ" remote_thr "$ep" "$size" "$count"; wait $pid
        else
            "$LIBZMQ" local_lat "$ep" "$size" "$count" & local pid=$!
            sleep 0.2; "$LIBZMQ" remote_lat "$ep" "$size" "$count" > target/bench/out.txt; wait $pid
        fi
    fi
    if [ "$kind" = thr ]; then
        grep 'msg/s' target/bench/out.txt | awk '{print $3}'
    else
        grep 'average latency' target/bench/out.txt | awk '{print $3}'
    fi
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '| test | libzmq | FerroMQ | ratio (FerroMQ/libzmq) |\n|---|---|---|---|\n'
for spec in "thr 8 2000000" "thr 64 2000000" "thr 1024 500000" "thr 65536 20000" "lat 8 20000" "lat 1024 20000"; do
    set -- $spec
    kind=$1 size=$2 count=$3
    f=(); z=()
    for _ in $(seq "$REPS"); do
        z+=("$(run_pair libzmq "$kind" "$size" "$count")")
        f+=("$(run_pair ferromq "$kind" "$size" "$count")")
    done
    zm=$(printf '%s\n' "${z[@]}" | median)
    fm=$(printf '%s\n' "${f[@]}" | median)
    if [ "$kind" = thr ]; then
        unit="msg/s"; ratio=$(awk -v a="$fm" -v b="$zm" 'BEGIN{printf "%.2f", a/b}')
        label="tcp PUSH/PULL ${size} B throughput"
    else
        unit="us"; ratio=$(awk -v a="$fm" -v b="$zm" 'BEGIN{printf "%.2f", a/b}')
        label="tcp REQ/REP ${size} B latency"
    fi
    printf '| %s | %s %s | %s %s | %s |\n' "$label" "$zm" "$unit" "$fm" "$unit" "$ratio"
done
