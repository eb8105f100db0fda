//! Large messages: the latency of one message of 1 MiB to 2 GiB + 1 B (half a REQ/REP round
//! trip over tcp), FerroMQ against libzmq and each binding against its incumbent, and
//! PUSH/PULL throughput of 16 and 64 MiB messages against libzmq.
//!
//! Each run moves gigabytes, so these cases take at most three repetitions whatever
//! `BENCH_REPS` says; a run's peak memory (both processes) is reported beside its time.

use std::fmt::Write as _;
use std::time::Duration;

use crate::bindings::{order, run_one, Measure};
use crate::report::{cell, num, ratio, ratio_str, size_label};
use crate::results::Results;
use crate::{run_cases, Case, Config, Group};

const MIB: usize = 1 << 20;
/// The largest size: past 2 GiB, where 32-bit lengths break.
const HUGE: usize = 2048 * MIB + 1;

/// Message sizes of the latency runs, with round trips per run (full, quick).
const LATENCY: [(usize, usize, usize); 4] = [
    (MIB, 200, 50),
    (16 * MIB, 20, 6),
    (256 * MIB, 3, 2),
    (HUGE, 1, 1),
];
/// Message sizes of the throughput runs, with messages per run (full, quick).
const THROUGHPUT: [(usize, usize, usize); 2] = [(16 * MIB, 60, 20), (64 * MIB, 16, 6)];

/// Repetitions of each large case at most.
const MAX_REPS: usize = 3;

fn pick(cfg: &Config, full: usize, quick: usize) -> usize {
    if cfg.quick {
        quick
    } else {
        full
    }
}

fn lat_id(size: usize) -> String {
    format!("large-lat-tcp-{size}")
}

fn thr_id(size: usize) -> String {
    format!("large-thr-tcp-{size}")
}

fn binding_lat_id(prefix: &str, size: usize) -> String {
    format!("{prefix}-large-lat-tcp-{size}")
}

/// The core cases: REQ/REP and PUSH/PULL with the perf tools, as the other core cases.
pub fn core_cases(cfg: &Config) -> Vec<Case> {
    let case = |id: String, group, size, count| Case {
        id,
        group,
        transport: "tcp",
        size,
        count,
        peers: 1,
        pinned: false,
        curve: false,
    };
    let latency = LATENCY.iter().map(|&(size, full, quick)| {
        case(lat_id(size), Group::ReqRep, size, pick(cfg, full, quick))
    });
    let throughput = THROUGHPUT.iter().map(|&(size, full, quick)| {
        case(thr_id(size), Group::PushPull, size, pick(cfg, full, quick))
    });
    latency.chain(throughput).collect()
}

pub fn run(cfg: &Config, res: &mut Results) {
    let wanted = |id: &str| cfg.only.as_ref().is_none_or(|o| id.contains(o.as_str()));
    let reps = cfg.reps.min(MAX_REPS);
    let cases: Vec<Case> = core_cases(cfg)
        .into_iter()
        .filter(|c| wanted(&c.id))
        .collect();
    run_cases(cfg, res, &cases, reps);

    let root = cfg.root.display().to_string();
    let node_dir = cfg.root.join("node").display().to_string();
    let timeout = Duration::from_secs(300);
    for &(size, full, quick) in &LATENCY {
        let count = pick(cfg, full, quick);
        // One warm-up round trip where there are several: the first pays for the
        // connection and for memory the later ones reuse.
        let warmup = if count > 1 { 1 } else { 0 };
        let args = |script: &str, lib: &str| -> Vec<String> {
            let mut argv: Vec<String> = [
                script,
                "--count",
                &count.to_string(),
                "--size",
                &size.to_string(),
                "--warmup",
                &warmup.to_string(),
                "--lib",
                lib,
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            if script.ends_with(".py") {
                argv.insert(0, "python3".into());
                argv.push("--zero-copy".into());
            } else {
                argv.insert(0, "node".into());
            }
            argv
        };
        for (prefix, script, dir, incumbent) in [
            ("py", "python/bench/lat.py", &root, "zmq"),
            ("node", "bench/lat.js", &node_dir, "zeromq"),
        ] {
            let case = binding_lat_id(prefix, size);
            if !wanted(&case) {
                continue;
            }
            for rep in 0..reps {
                for lib in order(rep, incumbent) {
                    let imp = if lib == "zmq" { "pyzmq" } else { lib };
                    let sample = run_one(
                        &args(script, lib),
                        dir,
                        Measure::Latency,
                        count,
                        &case,
                        imp,
                        rep,
                        timeout,
                    );
                    crate::bindings::progress(&sample);
                    res.samples.push(sample);
                }
            }
        }
    }
}

/// The "Large messages" section of BENCHMARKS.md.
pub fn write_report(cfg: &Config, res: &Results, out: &mut String) {
    const L: &str = "libzmq";
    const F: &str = "ferromq";
    let _ = writeln!(out, "\n## Large messages\n");
    let _ = writeln!(
        out,
        "One message at a time over tcp: half a REQ/REP round trip (the replier sends back what \
         it got, without a copy where the API allows: Python with `copy=False` on both sides), \
         median of up to {MAX_REPS} runs. Peak RSS is both processes together. Each run's first \
         message also pays for mapping its receive buffer's pages. Ratios are FerroMQ / the other: \
         below 1 is faster.\n"
    );
    let _ = writeln!(
        out,
        "| size | libzmq | FerroMQ | ratio | pyzmq | FerroMQ Python | ratio | zeromq.js | FerroMQ Node | ratio | peak RSS libzmq | FerroMQ |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    // The binding scripts report full round trips: halved here, like the perf tools.
    let half = |case: &str, imp: &str| {
        res.median(case, imp, "rtt_mean_us")
            .map(|us| format!("{:.1} ms", us / 2e3))
            .unwrap_or_else(|| "—".into())
    };
    let binding_ratio = |case: &str, incumbent: &str| {
        ratio_str(
            match (
                res.median(case, F, "rtt_mean_us"),
                res.median(case, incumbent, "rtt_mean_us"),
            ) {
                (Some(f), Some(o)) if o > 0.0 => Some(f / o),
                _ => None,
            },
        )
    };
    for case in core_cases(cfg).iter().filter(|c| c.group == Group::ReqRep) {
        let (py, node) = (
            binding_lat_id("py", case.size),
            binding_lat_id("node", case.size),
        );
        let ms = |imp: &str| {
            res.median(&case.id, imp, "lat_mean_us")
                .map(|us| format!("{:.1} ms", us / 1e3))
                .unwrap_or_else(|| "—".into())
        };
        let _ = writeln!(
            out,
            "| {}{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} MiB | {} MiB |",
            size_label(case.size),
            if case.size % MIB == 0 { "" } else { " + 1 B" },
            ms(L),
            ms(F),
            ratio_str(ratio(res, &case.id, L, "lat_mean_us")),
            half(&py, "pyzmq"),
            half(&py, F),
            binding_ratio(&py, "pyzmq"),
            half(&node, "zeromq"),
            half(&node, F),
            binding_ratio(&node, "zeromq"),
            num(res.median(&case.id, L, "rss_mib"), 0),
            num(res.median(&case.id, F, "rss_mib"), 0),
        );
    }
    let _ = writeln!(
        out,
        "\nPUSH/PULL throughput of large messages (the sender allocates and fills each message, \
         as zmq_msg_init_size and memset); the ratio is FerroMQ / libzmq, above 1 is faster:\n"
    );
    let _ = writeln!(
        out,
        "| size | libzmq MB/s | FerroMQ MB/s | ratio | peak RSS libzmq | FerroMQ |\n|---|---|---|---|---|---|"
    );
    for case in core_cases(cfg)
        .iter()
        .filter(|c| c.group == Group::PushPull)
    {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} MiB | {} MiB |",
            size_label(case.size),
            cell(res.agg(&case.id, L, "mb_per_s"), "MB/s"),
            cell(res.agg(&case.id, F, "mb_per_s"), "MB/s"),
            ratio_str(ratio(res, &case.id, L, "mb_per_s")),
            num(res.median(&case.id, L, "rss_mib"), 0),
            num(res.median(&case.id, F, "rss_mib"), 0),
        );
    }
}
