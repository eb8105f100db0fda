//! BENCHMARKS.md and bench/charts/*.svg, from the results.

use std::fmt::Write as _;

use crate::results::{Agg, Results};
use crate::svg::{self, RatioRow, Series};
use crate::{core_cases, curve_cases, curve_id, Case, Config, Group, TRANSPORTS};

const L: &str = "libzmq";
const F: &str = "ferromq";

pub fn size_label(size: usize) -> String {
    match size {
        s if s >= 1 << 20 => format!("{} MiB", s >> 20),
        s if s >= 1024 => format!("{} KiB", s >> 10),
        s => format!("{s} B"),
    }
}

/// Higher is better for throughput, lower for latency.
#[derive(Clone, Copy, PartialEq)]
pub enum Better {
    Higher,
    Lower,
}

pub struct Target {
    pub what: String,
    /// FerroMQ/other must be at least (Higher) or at most (Lower) this.
    pub goal: f64,
    pub better: Better,
    pub case: String,
    pub key: &'static str,
    pub other: &'static str,
    pub unit: &'static str,
    /// The core case profiled when this target is missed.
    pub profile: Option<&'static str>,
}

impl Target {
    pub fn figures(&self, res: &Results) -> (Option<f64>, Option<f64>) {
        (
            res.median(&self.case, self.other, self.key),
            res.median(&self.case, F, self.key),
        )
    }

    pub fn ratio(&self, res: &Results) -> Option<f64> {
        match self.figures(res) {
            (Some(o), Some(f)) if o > 0.0 => Some(f / o),
            _ => None,
        }
    }

    pub fn met(&self, res: &Results) -> Option<bool> {
        self.ratio(res).map(|r| match self.better {
            Better::Higher => r >= self.goal,
            Better::Lower => r <= self.goal,
        })
    }
}

pub fn targets() -> Vec<Target> {
    let t = |what: &str,
             goal: f64,
             better: Better,
             case: &str,
             key: &'static str,
             other: &'static str,
             unit: &'static str,
             profile: Option<&'static str>| Target {
        what: what.into(),
        goal,
        better,
        case: case.into(),
        key,
        other,
        unit,
        profile,
    };
    use Better::*;
    vec![
        t(
            "tcp PUSH/PULL 8 B, msg/s",
            1.5,
            Higher,
            "pushpull-tcp-8",
            "msg_per_s",
            L,
            "msg/s",
            Some("pushpull-tcp-8"),
        ),
        t(
            "tcp PUSH/PULL 64 B, msg/s",
            1.5,
            Higher,
            "pushpull-tcp-64",
            "msg_per_s",
            L,
            "msg/s",
            Some("pushpull-tcp-8"),
        ),
        t(
            "tcp PUSH/PULL 64 KiB, MB/s",
            1.0,
            Higher,
            "pushpull-tcp-65536",
            "mb_per_s",
            L,
            "MB/s",
            Some("pushpull-tcp-65536"),
        ),
        t(
            "tcp REQ/REP 8 B latency (mean)",
            0.8,
            Lower,
            "reqrep-tcp-8",
            "lat_mean_us",
            L,
            "µs",
            Some("reqrep-tcp-8"),
        ),
        t(
            "inproc PUSH/PULL 8 B, msg/s",
            2.0,
            Higher,
            "pushpull-inproc-8",
            "msg_per_s",
            L,
            "msg/s",
            Some("pushpull-inproc-8"),
        ),
        t(
            "inproc PUSH/PULL 64 B, msg/s",
            2.0,
            Higher,
            "pushpull-inproc-64",
            "msg_per_s",
            L,
            "msg/s",
            Some("pushpull-inproc-8"),
        ),
        t(
            "inproc REQ/REP 8 B latency (mean)",
            0.5,
            Lower,
            "reqrep-inproc-8",
            "lat_mean_us",
            L,
            "µs",
            Some("reqrep-inproc-8"),
        ),
        t(
            "tcp CURVE PUSH/PULL 8 B, msg/s",
            1.0,
            Higher,
            &curve_id(Group::PushPull, 8),
            "msg_per_s",
            L,
            "msg/s",
            None,
        ),
        t(
            "tcp CURVE PUSH/PULL 1 KiB, msg/s",
            1.0,
            Higher,
            &curve_id(Group::PushPull, 1024),
            "msg_per_s",
            L,
            "msg/s",
            None,
        ),
        t(
            "tcp CURVE PUSH/PULL 64 KiB, MB/s",
            1.0,
            Higher,
            &curve_id(Group::PushPull, 65536),
            "mb_per_s",
            L,
            "MB/s",
            None,
        ),
        t(
            "Python 8 B, msg/s (vs pyzmq)",
            2.0,
            Higher,
            "py-tcp-8",
            "msg_per_s",
            "pyzmq",
            "msg/s",
            None,
        ),
        t(
            "Node.js 8 B, msg/s (vs zeromq.js)",
            2.0,
            Higher,
            "node-tcp-8",
            "msg_per_s",
            "zeromq",
            "msg/s",
            None,
        ),
        t(
            "Ruby 8 B, msg/s (vs ffi-rzmq)",
            2.0,
            Higher,
            "rb-tcp-8",
            "msg_per_s",
            "ffi-rzmq",
            "msg/s",
            None,
        ),
        t(
            "PHP 8 B, msg/s (vs php-zmq)",
            2.0,
            Higher,
            "php-tcp-8",
            "msg_per_s",
            "php-zmq",
            "msg/s",
            None,
        ),
    ]
}

fn fmt_val(v: f64, unit: &str) -> String {
    match unit {
        "µs" => format!("{v:.2} µs"),
        "MB/s" => format!("{} MB/s", svg::si(v)),
        _ => format!("{} {unit}", svg::si(v)).trim_end().to_string(),
    }
}

/// Three significant digits, no exponent: 966, 4.31, 0.0312, 0.00412.
fn sig3(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(0.0) => "0".into(),
        Some(v) => {
            let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
            format!("{v:.digits$}")
        }
    }
}

pub(crate) fn cell(a: Option<Agg>, unit: &str) -> String {
    match a {
        Some(a) if a.n > 1 => format!("{} ±{:.0}%", fmt_val(a.median, unit), a.spread_pct()),
        Some(a) => fmt_val(a.median, unit),
        None => "—".into(),
    }
}

pub(crate) fn num(v: Option<f64>, digits: usize) -> String {
    v.map(|v| format!("{v:.digits$}"))
        .unwrap_or_else(|| "—".into())
}

pub(crate) fn ratio_str(r: Option<f64>) -> String {
    r.map(|r| format!("**{r:.2}×**"))
        .unwrap_or_else(|| "—".into())
}

pub(crate) fn ratio(res: &Results, case: &str, other: &str, key: &str) -> Option<f64> {
    match (res.median(case, other, key), res.median(case, F, key)) {
        (Some(o), Some(f)) if o > 0.0 => Some(f / o),
        _ => None,
    }
}

fn case_label(c: &Case) -> String {
    let curve = if c.curve { " CURVE" } else { "" };
    match c.group {
        Group::PushPull => format!("{}{curve} PUSH/PULL {}", c.transport, size_label(c.size)),
        Group::ReqRep => format!(
            "{}{curve} REQ/REP {} latency{}",
            c.transport,
            size_label(c.size),
            if c.pinned { ", one CPU" } else { "" }
        ),
        Group::PubSub => format!(
            "{} PUB/SUB {}, {} subscriber{}",
            c.transport,
            size_label(c.size),
            c.peers,
            if c.peers == 1 { "" } else { "s" }
        ),
        Group::RouterDealer => format!(
            "{} ROUTER/DEALER {}, {} dealers",
            c.transport,
            size_label(c.size),
            c.peers
        ),
    }
}

fn side_label(case: &str, side: &str) -> &'static str {
    match (case.split('-').next().unwrap_or(""), side) {
        (_, "process") => "process",
        ("pushpull", "bind") => "receiver (PULL)",
        ("pushpull", _) => "sender (PUSH)",
        ("reqrep", "bind") => "replier (REP)",
        ("reqrep", _) => "requester (REQ)",
        (_, "bind") => "bind side",
        _ => "connect side",
    }
}

fn write_chart(cfg: &Config, name: &str, svg_text: String) {
    let dir = cfg.root.join("bench/charts");
    let _ = std::fs::create_dir_all(&dir);
    if let Err(e) = std::fs::write(dir.join(name), svg_text) {
        eprintln!("cannot write chart {name}: {e}");
    }
}

fn failures(res: &Results, out: &mut String) {
    let failed: Vec<_> = res.samples.iter().filter(|s| s.error.is_some()).collect();
    if failed.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n**Failed repetitions** ({}; the medians above leave them out):\n",
        failed.len()
    );
    for s in failed.iter().take(30) {
        let _ = writeln!(
            out,
            "- `{}` {} repetition {}: {}",
            s.case,
            s.imp,
            s.rep + 1,
            s.error
                .as_deref()
                .unwrap_or("")
                .chars()
                .take(200)
                .collect::<String>()
        );
    }
}

pub fn write(cfg: &Config, res: &Results) {
    let meta = |k: &str| res.meta.get(k).cloned().unwrap_or_else(|| "?".into());
    let cases = core_cases(cfg.quick);
    let reps = meta("reps");
    let mut out = String::new();
    let quick = meta("mode") == "quick";

    let _ = writeln!(
        out,
        "# FerroMQ benchmarks\n\n\
         FerroMQ against libzmq {} (the C library), and each FerroMQ binding against the binding \
         its users have today. Generated by `make bench` on {}: do not edit by hand (the text under \
         \"Where the time goes\" comes from `bench/ANALYSIS.md`).\n",
        meta("libzmq"),
        meta("date")
    );
    if quick {
        let _ = writeln!(
            out,
            "> **Quick run** (`BENCH_QUICK=1`): fewer messages per run and {reps} repetitions, so \
             the figures are rougher than a full run's; the machine was shared with other builds.\n"
        );
    }
    if res.meta.contains_key("partial") {
        let _ = writeln!(
            out,
            "> Part of this report was rerun on its own (`BENCH_ONLY`); the other figures come \
             from the previous run, recorded in `bench/results/`.\n"
        );
    }
    let load_start = meta("load_start");
    let others: Option<f64> = res.meta.get("other_cpu_pct").and_then(|v| v.parse().ok());
    if let Some(pct) = others.filter(|p| *p >= 10.0) {
        let _ = writeln!(
            out,
            "> ⚠️ The machine was shared: other work used {pct:.0}% of its {} CPUs while this run \
             went on (busy CPU time from /proc/stat minus the benchmark's own). The two \
             implementations ran alternately, so the noise hit both, but absolute figures are \
             lower, and spreads wider, than on an idle machine; latency suffers most. Check the \
             \"per-repetition ratios\" and `±` spreads before trusting a small difference.\n",
            meta("cores")
        );
    }
    let _ = writeln!(
        out,
        "| | |\n|---|---|\n\
         | machine | {} × {}, {} RAM, {} |\n\
         | FerroMQ | {} (built with {}) |\n\
         | libzmq | {} (Debian's libzmq3-dev; C peer built with {}) |\n\
         | Python | {} — pyzmq {}, ferromq {} |\n\
         | Node.js | {} — zeromq.js {} |\n\
         | Ruby | {} — ffi-rzmq ({}) |\n\
         | PHP | {} — php-zmq {} |\n\
         | run | {} mode, {} repetitions per figure, implementations alternated, {} s in all; load average {} at start, {} at end; other work's share of the CPUs meanwhile: {}% |\n",
        meta("cores"),
        meta("cpu"),
        meta("memory"),
        meta("os"),
        meta("ferromq"),
        meta("rustc"),
        meta("libzmq"),
        meta("gcc"),
        meta("python"),
        meta("pyzmq"),
        meta("ferromq_python"),
        meta("node"),
        meta("zeromq_js"),
        meta("ruby"),
        meta("ffi_rzmq"),
        meta("php"),
        meta("php_zmq"),
        meta("mode"),
        reps,
        meta("duration_s"),
        load_start,
        meta("load_end"),
        meta("other_cpu_pct"),
    );
    let _ = writeln!(
        out,
        "Every figure is the median of the repetitions; `±` is their spread, (max − min) / median. \
         Ratios are FerroMQ / the other implementation. CPU is user + system time of all the \
         benchmark's processes divided by the messages; peak RSS is the sum of the processes' \
         peaks (VmHWM). How each test works: [Method](#method).\n"
    );

    // ----- targets -----
    let _ = writeln!(out, "## Targets\n");
    let _ = writeln!(
        out,
        "| target | goal (FerroMQ / other) | other | FerroMQ | ratio | per-repetition ratios | met |\n|---|---|---|---|---|---|---|"
    );
    for t in targets() {
        let (o, f) = (res.agg(&t.case, t.other, t.key), res.agg(&t.case, F, t.key));
        let goal = match t.better {
            Better::Higher => format!("≥ {}×", t.goal),
            Better::Lower => format!("≤ {}×", t.goal),
        };
        let met = match t.met(res) {
            Some(true) => "✅",
            Some(false) => "❌",
            None => "not measured yet",
        };
        let paired = res.paired_ratios(&t.case, t.other, t.key);
        let range = if paired.is_empty() {
            String::new()
        } else {
            let lo = paired.iter().cloned().fold(f64::MAX, f64::min);
            let hi = paired.iter().cloned().fold(f64::MIN, f64::max);
            let within = match t.better {
                Better::Higher => lo < t.goal && hi >= t.goal,
                Better::Lower => lo <= t.goal && hi > t.goal,
            };
            format!(
                "{lo:.2}–{hi:.2}×{}",
                if within { " (goal within range)" } else { "" }
            )
        };
        let _ = writeln!(
            out,
            "| {} | {goal} | {} | {} | {} | {range} | {met} |",
            t.what,
            cell(o, t.unit),
            cell(f, t.unit),
            ratio_str(t.ratio(res))
        );
    }
    let slow_ok = slow_verdicts(res);
    let slow_cell = |imp: &str| {
        slow_ok
            .iter()
            .find(|v| v.imp == imp)
            .map(|v| {
                format!(
                    "{:.1} MiB peak{}",
                    v.peak,
                    if v.bounded { "" } else { ", growing" }
                )
            })
            .unwrap_or_else(|| "—".into())
    };
    let _ = writeln!(
        out,
        "| Slow consumer: sender memory bounded by the HWM | bounded | {} | {} | | | {} |",
        slow_cell(L),
        slow_cell(F),
        match slow_ok.iter().find(|v| v.imp == F) {
            Some(v) if v.bounded => "✅",
            Some(_) => "❌",
            None => "not measured yet",
        }
    );
    let _ = writeln!(
        out,
        "\n\"ratio\" is the ratio of the medians; \"per-repetition ratios\" is the range of \
         FerroMQ / other within each repetition (the two ran back to back): when the goal falls \
         inside it, the verdict could flip on a quieter or busier machine. \"inproc ≥ 2×\" is read \
         as: 8 B and 64 B PUSH/PULL throughput at least twice libzmq's, inproc REQ/REP latency at \
         most half. Every other comparison is in the tables below.\n"
    );

    // ----- ratio chart -----
    let mut rows = vec![];
    let goal_of = |case: &str| {
        targets()
            .into_iter()
            .find(|t| t.case == case)
            .map(|t| match t.better {
                Better::Higher => t.goal,
                Better::Lower => 1.0 / t.goal,
            })
    };
    for c in cases.iter().chain(&curve_cases(cfg.quick)) {
        let r = match c.group {
            Group::ReqRep => ratio(res, &c.id, L, "lat_mean_us").map(|r| 1.0 / r),
            _ => ratio(res, &c.id, L, "msg_per_s"),
        };
        rows.push(RatioRow {
            label: case_label(c),
            ratio: r,
            target: goal_of(&c.id),
        });
    }
    for (case, other, label) in [
        ("py-tcp-8", "pyzmq", "Python 8 B vs pyzmq"),
        ("py-tcp-1024", "pyzmq", "Python 1 KiB vs pyzmq"),
        ("node-tcp-8", "zeromq", "Node 8 B vs zeromq.js"),
        ("node-tcp-1024", "zeromq", "Node 1 KiB vs zeromq.js"),
        ("rb-tcp-8", "ffi-rzmq", "Ruby 8 B vs ffi-rzmq"),
        ("rb-tcp-1024", "ffi-rzmq", "Ruby 1 KiB vs ffi-rzmq"),
        ("php-tcp-8", "php-zmq", "PHP 8 B vs php-zmq"),
        ("php-tcp-1024", "php-zmq", "PHP 1 KiB vs php-zmq"),
    ] {
        rows.push(RatioRow {
            label: label.into(),
            ratio: ratio(res, case, other, "msg_per_s"),
            target: goal_of(case),
        });
    }
    for (prefix, other, label) in [
        ("py", "pyzmq", "Python REQ/REP latency vs pyzmq"),
        ("node", "zeromq", "Node REQ/REP latency vs zeromq.js"),
        ("rb", "ffi-rzmq", "Ruby REQ/REP latency vs ffi-rzmq"),
        ("php", "php-zmq", "PHP REQ/REP latency vs php-zmq"),
    ] {
        let case = crate::bindings::lat_case(prefix);
        rows.push(RatioRow {
            label: label.into(),
            ratio: ratio(res, &case, other, "rtt_mean_us").map(|r| 1.0 / r),
            target: goal_of(&case),
        });
    }
    write_chart(
        cfg,
        "ratios.svg",
        svg::ratio_bars(
            "FerroMQ's speed relative to libzmq / the incumbent binding",
            &format!(
                "higher is better · throughput: msg/s ratio · latency: libzmq (or incumbent) latency ÷ FerroMQ latency · median of {reps} runs"
            ),
            &rows,
        ),
    );
    let _ = writeln!(
        out,
        "![FerroMQ relative to libzmq](bench/charts/ratios.svg)\n"
    );

    // ----- PUSH/PULL -----
    let _ = writeln!(out, "## PUSH/PULL throughput\n");
    for transport in TRANSPORTS {
        let cs: Vec<&Case> = cases
            .iter()
            .filter(|c| c.group == Group::PushPull && c.transport == transport)
            .collect();
        let cats: Vec<String> = cs.iter().map(|c| size_label(c.size)).collect();
        let notes: Vec<String> = cs
            .iter()
            .map(|c| {
                ratio(res, &c.id, L, "msg_per_s")
                    .map(|r| format!("{r:.2}×"))
                    .unwrap_or_default()
            })
            .collect();
        let series = |imp: &str, name: &str, color| Series {
            name: name.into(),
            color,
            values: cs
                .iter()
                .map(|c| res.median(&c.id, imp, "msg_per_s"))
                .collect(),
        };
        write_chart(
            cfg,
            &format!("pushpull_{transport}.svg"),
            svg::grouped_bars(
                &format!("PUSH/PULL throughput over {transport}"),
                &format!(
                    "messages per second (log scale), median of {reps} runs; FerroMQ/libzmq under each size{}",
                    if transport == "inproc" { "; both ends in one process" } else { "; sender and receiver in separate processes" }
                ),
                "msg/s",
                &cats,
                &notes,
                &[series(L, "libzmq", svg::LIBZMQ), series(F, "FerroMQ", svg::FERROMQ)],
                true,
            ),
        );
    }
    let _ = writeln!(
        out,
        "![tcp](bench/charts/pushpull_tcp.svg)\n\n![ipc](bench/charts/pushpull_ipc.svg)\n\n![inproc](bench/charts/pushpull_inproc.svg)\n"
    );
    let _ = writeln!(
        out,
        "| transport | size | libzmq msg/s | FerroMQ msg/s | ratio | libzmq MB/s | FerroMQ MB/s | CPU µs/msg libzmq | CPU µs/msg FerroMQ | peak RSS libzmq | peak RSS FerroMQ |\n|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for c in cases.iter().filter(|c| c.group == Group::PushPull) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} MiB | {} MiB |",
            c.transport,
            size_label(c.size),
            cell(res.agg(&c.id, L, "msg_per_s"), ""),
            cell(res.agg(&c.id, F, "msg_per_s"), ""),
            ratio_str(ratio(res, &c.id, L, "msg_per_s")),
            num(res.median(&c.id, L, "mb_per_s"), 1),
            num(res.median(&c.id, F, "mb_per_s"), 1),
            num(res.median(&c.id, L, "cpu_us_per_msg"), 3),
            num(res.median(&c.id, F, "cpu_us_per_msg"), 3),
            num(res.median(&c.id, L, "rss_mib"), 1),
            num(res.median(&c.id, F, "rss_mib"), 1),
        );
    }

    // ----- REQ/REP -----
    let _ = writeln!(out, "\n## REQ/REP latency\n");
    let lat_cases: Vec<&Case> = cases.iter().filter(|c| c.group == Group::ReqRep).collect();
    let lat_series = |imp: &str, key: &str, name: &str, color| Series {
        name: name.into(),
        color,
        values: lat_cases
            .iter()
            .map(|c| res.median(&c.id, imp, key))
            .collect(),
    };
    write_chart(
        cfg,
        "latency.svg",
        svg::grouped_bars(
            "REQ/REP latency, 8 B messages (lower is better)",
            &format!("half a round trip in µs (libzmq's perf-tool convention), median of {reps} runs; FerroMQ/libzmq mean under each"),
            "µs",
            &lat_cases
                .iter()
                .map(|c| {
                    if c.pinned {
                        format!("{}, one CPU", c.transport)
                    } else {
                        c.transport.to_string()
                    }
                })
                .collect::<Vec<_>>(),
            &lat_cases
                .iter()
                .map(|c| ratio(res, &c.id, L, "lat_mean_us").map(|r| format!("{r:.2}×")).unwrap_or_default())
                .collect::<Vec<_>>(),
            &[
                lat_series(L, "lat_mean_us", "libzmq mean", svg::LIBZMQ),
                lat_series(F, "lat_mean_us", "FerroMQ mean", svg::FERROMQ),
                lat_series(L, "lat_p99_us", "libzmq p99", svg::LIBZMQ_LIGHT),
                lat_series(F, "lat_p99_us", "FerroMQ p99", svg::FERROMQ_LIGHT),
            ],
            false,
        ),
    );
    let _ = writeln!(out, "![latency](bench/charts/latency.svg)\n");
    let _ = writeln!(
        out,
        "| transport | libzmq mean | FerroMQ mean | ratio | libzmq p99 | FerroMQ p99 | ratio p99 | CPU µs/round trip libzmq | FerroMQ |\n|---|---|---|---|---|---|---|---|---|"
    );
    for c in &lat_cases {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            if c.pinned {
                format!("{}, one CPU", c.transport)
            } else {
                c.transport.to_string()
            },
            cell(res.agg(&c.id, L, "lat_mean_us"), "µs"),
            cell(res.agg(&c.id, F, "lat_mean_us"), "µs"),
            ratio_str(ratio(res, &c.id, L, "lat_mean_us")),
            cell(res.agg(&c.id, L, "lat_p99_us"), "µs"),
            cell(res.agg(&c.id, F, "lat_p99_us"), "µs"),
            ratio_str(ratio(res, &c.id, L, "lat_p99_us")),
            num(res.median(&c.id, L, "cpu_us_per_msg"), 2),
            num(res.median(&c.id, F, "cpu_us_per_msg"), 2),
        );
    }

    let _ = writeln!(
        out,
        "\nOn this VM a round trip is dominated by waking the other side's vCPU when it has gone \
         idle (an interrupt through the hypervisor, tens of µs), for both libraries alike; that \
         is also why latency is *lower* when the machine is busy. The \"one CPU\" rows run every \
         process and thread of the test on CPU 0 (`taskset -c 0`), so each hand-off is a context \
         switch on a CPU that is awake: closer to what the libraries themselves cost. The \
         targets use the default rows."
    );

    // ----- PUB/SUB, ROUTER/DEALER -----
    let _ = writeln!(out, "\n## PUB/SUB and ROUTER/DEALER throughput\n");
    let pat: Vec<&Case> = cases
        .iter()
        .filter(|c| matches!(c.group, Group::PubSub | Group::RouterDealer))
        .collect();
    let pat_cats: Vec<String> = pat
        .iter()
        .map(|c| match c.group {
            Group::PubSub => format!("PUB/SUB ×{}", c.peers),
            _ => format!("ROUTER←DEALER ×{}", c.peers),
        })
        .collect();
    let pat_notes: Vec<String> = pat
        .iter()
        .map(|c| {
            ratio(res, &c.id, L, "msg_per_s")
                .map(|r| format!("{r:.2}×"))
                .unwrap_or_default()
        })
        .collect();
    let pat_series = |imp: &str, name: &str, color| Series {
        name: name.into(),
        color,
        values: pat
            .iter()
            .map(|c| res.median(&c.id, imp, "msg_per_s"))
            .collect(),
    };
    write_chart(
        cfg,
        "patterns.svg",
        svg::grouped_bars(
            "PUB/SUB fan-out and ROUTER/DEALER fan-in over tcp, 64 B",
            &format!(
                "messages delivered per second (all subscribers together), median of {reps} runs"
            ),
            "msg/s",
            &pat_cats,
            &pat_notes,
            &[
                pat_series(L, "libzmq", svg::LIBZMQ),
                pat_series(F, "FerroMQ", svg::FERROMQ),
            ],
            false,
        ),
    );
    let _ = writeln!(out, "![patterns](bench/charts/patterns.svg)\n");
    let _ = writeln!(
        out,
        "| test | libzmq msg/s | FerroMQ msg/s | ratio | CPU µs/msg libzmq | CPU µs/msg FerroMQ | peak RSS libzmq | peak RSS FerroMQ |\n|---|---|---|---|---|---|---|---|"
    );
    for c in &pat {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} MiB | {} MiB |",
            case_label(c),
            cell(res.agg(&c.id, L, "msg_per_s"), ""),
            cell(res.agg(&c.id, F, "msg_per_s"), ""),
            ratio_str(ratio(res, &c.id, L, "msg_per_s")),
            num(res.median(&c.id, L, "cpu_us_per_msg"), 3),
            num(res.median(&c.id, F, "cpu_us_per_msg"), 3),
            num(res.median(&c.id, L, "rss_mib"), 1),
            num(res.median(&c.id, F, "rss_mib"), 1),
        );
    }

    // ----- CPU chart -----
    let cpu_cases: Vec<&Case> = cases
        .iter()
        .filter(|c| c.transport == "tcp" && c.group != Group::ReqRep)
        .collect();
    let cpu_series = |imp: &str, name: &str, color| Series {
        name: name.into(),
        color,
        values: cpu_cases
            .iter()
            .map(|c| res.median(&c.id, imp, "cpu_us_per_msg"))
            .collect(),
    };
    write_chart(
        cfg,
        "cpu.svg",
        svg::grouped_bars(
            "CPU time per message over tcp (lower is better)",
            "user + system µs of sender and receiver processes per message (log scale)",
            "µs / msg",
            &cpu_cases
                .iter()
                .map(|c| match c.group {
                    Group::PushPull => size_label(c.size),
                    Group::PubSub => format!("PUB/SUB ×{}", c.peers),
                    _ => format!("ROUTER ×{}", c.peers),
                })
                .collect::<Vec<_>>(),
            &cpu_cases
                .iter()
                .map(|c| {
                    ratio(res, &c.id, L, "cpu_us_per_msg")
                        .map(|r| format!("{r:.2}×"))
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>(),
            &[
                cpu_series(L, "libzmq", svg::LIBZMQ),
                cpu_series(F, "FerroMQ", svg::FERROMQ),
            ],
            true,
        ),
    );
    let _ = writeln!(
        out,
        "\n### CPU per message\n\n![cpu](bench/charts/cpu.svg)\n"
    );

    // ----- CURVE -----
    write_curve(cfg, res, &mut out);

    // ----- slow consumer -----
    write_slow(cfg, res, &mut out, &slow_ok);

    // ----- bindings -----
    write_bindings(cfg, res, &mut out);
    crate::large::write_report(cfg, res, &mut out);

    // ----- profiles -----
    write_profiles(cfg, res, &mut out);

    // ----- method -----
    let _ = writeln!(out, "\n## Method\n");
    let counts = |group: Group| {
        let mut v: Vec<String> = cases
            .iter()
            .filter(|c| c.group == group)
            .map(|c| match group {
                Group::PushPull => format!(
                    "{} {} × {}",
                    c.transport,
                    size_label(c.size),
                    svg::si(c.count as f64)
                ),
                _ => format!("{}: {}", case_label(c), svg::si(c.count as f64)),
            })
            .collect();
        v.dedup();
        v.join(", ")
    };
    let _ = writeln!(
        out,
        "- **Tools.** The libzmq side is `bench/libzmq/perf.c` (C, the system libzmq, `gcc -O2`); \
         the FerroMQ side is `bench/src/bin/ferromq-perf.rs`. They have the same tools, arguments \
         and output and do the same work: the sender builds a new message per send (libzmq: \
         `zmq_msg_init_size` + `memset`; FerroMQ: an inline frame up to 30 B — libzmq also keeps \
         up to 33 B inside `zmq_msg_t` — else a malloc'd zero-filled buffer), the receiver drops \
         each message, one I/O thread per context, HWM 1000 (libzmq's default) set explicitly on \
         both, except PUB/SUB where both use 0 so that no message drops.\n\
         - **Order.** For each test, repetition *i* runs libzmq then FerroMQ when *i* is even, \
         FerroMQ then libzmq when odd; one run at a time. {reps} repetitions, median reported. \
         Before the first test, one discarded run of each implementation warms the machine up.\n\
         - **Throughput** (libzmq's `local_thr`/`remote_thr` method): tcp and ipc use two \
         processes, the receiver binds, the sender connects 50 ms later; inproc uses one process, \
         receiver in the main thread, sender in another. The clock runs at the receiver from the \
         first message to the last. Messages per run: {}.\n\
         - **Latency**: REQ connects to REP (tcp/ipc: two processes; inproc: two threads); the REQ \
         side times every round trip; mean and p99 are given as half round trips, as libzmq's \
         `remote_lat` reports; the \"one CPU\" variant runs the same under `taskset -c 0`. \
         Round trips per run: {}.\n\
         - **PUB/SUB**: one publisher process; one subscriber process with 1 or 10 SUB sockets, \
         each in its own thread. The publisher sends 1-byte probes every millisecond until each \
         subscriber has reported (PUSH/PULL side channel) that one arrived, then the data; the rate \
         is messages delivered to all subscribers, from the first data message any of them got to \
         the last. {}.\n\
         - **ROUTER/DEALER**: 10 DEALER sockets (threads of one process) each send count/10 messages \
         to one ROUTER (another process), which receives routing id + payload. {}.\n\
         - **CURVE** (RFC 26): the same tcp tests with every message encrypted. For each run \
         the benchmark makes a new server key pair (FerroMQ's `curve_keypair`) and hands its \
         secret key to the binding side, a CURVE server, and its public key to the connecting \
         side, a CURVE client that makes its own key pair (`zmq_curve_keypair`, \
         `curve_keypair`); both tools check that MECHANISM reads CURVE before they bind or \
         connect. The handshake happens before the first message, outside the timed part. \
         Messages per run: {}.\n\
         - **CPU and memory**: the benchmark reaps every process with `wait4` and adds up user + \
         system CPU; peak RSS is each process's `ru_maxrss` (VmHWM), summed over processes. Process \
         start and teardown are included (a few ms).\n\
         - **Slow consumer**: PUSH (SNDHWM 1000) sends 1 KiB messages as fast as it can for {} s to \
         a PULL (RCVHWM 1000) that takes 100 per second; the sender's VmRSS is read from /proc every \
         100 ms. \"Bounded\" means the RSS of the second half never exceeds the first half's peak by \
         more than 1 MiB.\n\
         - **Bindings** run the binding teams' own scripts, the same shape for both libraries. \
         Throughput (`python/bench/thr.py`, `node/bench/thr.js`): a PULL in the script's process \
         receives from a PUSH in a child process. Latency (`python/bench/lat.py`, \
         `node/bench/lat.js`): a REQ in the script's process binds, a REP in a child process \
         echoes; after 100 warm-up round trips each of {} round trips (8 B) is timed on its own, \
         and mean and p99 are given as full round trips. The Python scripts and `lat.js` run \
         once per library and repetition (libraries alternated; CPU (throughput only) and peak \
         memory cover the script and its child); `thr.js` measures both libraries in one \
         process, so it gives msg/s only.\n\
         - **Profiles** (full runs, or `BENCH_PROFILE=1`): for each missed target, the same test \
         under `perf stat` (syscalls and context switches per message, software counters; this VM \
         has no hardware counters), `valgrind --tool=callgrind` (instructions per message, \
         deterministic; includes start-up, a few % at these counts) and `perf record` (sampled \
         time, kernel included).\n\
         - **Reproduce**: `make bench` (full, ~15 min on 2 cores) or `BENCH_QUICK=1 make bench` \
         (~2 min). `BENCH_REPS=n`, `BENCH_ONLY=<substring of a test id>` narrow a run; \
         `target/release/ferromq-bench --report-only` rebuilds this file from `bench/results/*.tsv`, \
         which hold every repetition's figures.",
        counts(Group::PushPull),
        counts(Group::ReqRep),
        counts(Group::PubSub),
        counts(Group::RouterDealer),
        curve_cases(cfg.quick)
            .iter()
            .map(|c| format!("{}: {}", case_label(c), svg::si(c.count as f64)))
            .collect::<Vec<_>>()
            .join(", "),
        svg::si(cfg.slow_secs),
        svg::si(crate::bindings::lat_count(cfg.quick) as f64),
    );
    failures(res, &mut out);

    let path = cfg.root.join("BENCHMARKS.md");
    if let Err(e) = std::fs::write(&path, out) {
        eprintln!("cannot write {}: {e}", path.display());
    }
}

pub struct SlowVerdict {
    pub imp: String,
    pub peak: f64,
    pub at_1s: f64,
    pub bounded: bool,
}

fn slow_verdicts(res: &Results) -> Vec<SlowVerdict> {
    let mut v = vec![];
    for imp in [L, F] {
        let pts: Vec<(f64, f64)> = res
            .slow
            .iter()
            .filter(|s| s.0 == imp)
            .map(|s| (s.1, s.2))
            .collect();
        if pts.len() < 4 {
            continue;
        }
        let end = pts.last().map(|p| p.0).unwrap_or(0.0);
        let half = end / 2.0;
        let max_of = |it: &mut dyn Iterator<Item = f64>| it.fold(0.0f64, f64::max);
        let first = max_of(&mut pts.iter().filter(|p| p.0 <= half).map(|p| p.1));
        let second = max_of(&mut pts.iter().filter(|p| p.0 > half).map(|p| p.1));
        let at_1s = pts
            .iter()
            .find(|p| p.0 >= 1.0)
            .map(|p| p.1)
            .unwrap_or(first);
        v.push(SlowVerdict {
            imp: imp.into(),
            peak: first.max(second),
            at_1s,
            bounded: second <= first + 1.0,
        });
    }
    v
}

fn write_slow(cfg: &Config, res: &Results, out: &mut String, verdicts: &[SlowVerdict]) {
    let _ = writeln!(out, "\n## Memory under a slow consumer\n");
    let line = |imp: &str, name: &str, color| svg::Line {
        name: name.into(),
        color,
        points: res
            .slow
            .iter()
            .filter(|s| s.0 == imp)
            .map(|s| (s.1, s.2))
            .collect(),
    };
    if res.slow.is_empty() {
        let _ = writeln!(out, "Not measured in this run.");
        return;
    }
    write_chart(
        cfg,
        "slow_consumer.svg",
        svg::lines(
            "Sender memory with a slow consumer (PUSH 1 KiB → PULL at 100 msg/s, tcp)",
            "sender's resident set size, sampled every 100 ms; SNDHWM = RCVHWM = 1000",
            "seconds",
            "RSS (MiB)",
            &[
                line(L, "libzmq", svg::LIBZMQ),
                line(F, "FerroMQ", svg::FERROMQ),
            ],
            None,
        ),
    );
    let _ = writeln!(out, "![slow consumer](bench/charts/slow_consumer.svg)\n");
    let _ = writeln!(
        out,
        "| | messages the sender accepted | messages consumed | sender RSS at 1 s | sender peak RSS | bounded |\n|---|---|---|---|---|---|"
    );
    for imp in [L, F] {
        let v = verdicts.iter().find(|v| v.imp == imp);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            if imp == L { "libzmq" } else { "FerroMQ" },
            num(res.median("slow-tcp-1024", imp, "sent"), 0),
            num(res.median("slow-tcp-1024", imp, "received"), 0),
            v.map(|v| format!("{:.1} MiB", v.at_1s))
                .unwrap_or_else(|| "—".into()),
            v.map(|v| format!("{:.1} MiB", v.peak))
                .unwrap_or_else(|| "—".into()),
            match v {
                Some(v) if v.bounded => "✅",
                Some(_) => "❌",
                None => "—",
            }
        );
    }
    let _ = writeln!(
        out,
        "\nThe sender accepts messages until its own queue (SNDHWM), the receiver's (RCVHWM) and \
         the kernel's socket buffers are full, then blocks: what it accepted minus what was \
         consumed is what sits in those queues. The HWMs bound the messages held in user space \
         to about 2000 × 1 KiB."
    );
}

fn write_bindings(cfg: &Config, res: &Results, out: &mut String) {
    use crate::bindings::{lat_case, thr_case, LAT_SIZE, SIZES};
    let meta = |k: &str| res.meta.get(k).cloned();
    let _ = writeln!(out, "\n## Bindings against their incumbents\n");
    let _ = writeln!(
        out,
        "| binding | test (which way is better) | incumbent | incumbent's figure | FerroMQ's figure | FerroMQ / incumbent | CPU µs/msg incumbent | CPU µs/msg FerroMQ | peak RSS incumbent | peak RSS FerroMQ |\n|---|---|---|---|---|---|---|---|---|---|"
    );
    let mut cats = vec![];
    let mut inc = vec![];
    let mut ours = vec![];
    let mut notes = vec![];
    let mut lat_cats = vec![];
    let mut lat_notes = vec![];
    // (incumbent mean, FerroMQ mean, incumbent p99, FerroMQ p99) per binding
    let mut lat_vals: [Vec<Option<f64>>; 4] = Default::default();
    for (lang, prefix, other, other_name, skipped) in [
        ("Python", "py", "pyzmq", "pyzmq", meta("python_skipped")),
        (
            "Node.js",
            "node",
            "zeromq",
            "zeromq.js",
            meta("node_skipped"),
        ),
        ("Ruby", "rb", "ffi-rzmq", "ffi-rzmq", meta("ruby_skipped")),
        ("PHP", "php", "php-zmq", "php-zmq", meta("php_skipped")),
    ] {
        let why_not = |case: &str| {
            skipped
                .clone()
                .or_else(|| meta(&format!("{case}_skipped")))
                .or_else(|| res.errors(case, F).first().map(|e| e.to_string()))
                .or_else(|| res.errors(case, other).first().map(|e| e.to_string()))
                .unwrap_or_else(|| "not run".into())
        };
        let mib = |case: &str, imp: &str| {
            res.median(case, imp, "rss_mib")
                .map(|v| format!("{v:.0} MiB"))
                .unwrap_or_else(|| "—".into())
        };
        for size in SIZES {
            let case = thr_case(prefix, size);
            let test = format!(
                "PUSH/PULL {} over tcp, msg/s (higher is better)",
                size_label(size)
            );
            let measured = res.agg(&case, F, "msg_per_s").is_some()
                || res.agg(&case, other, "msg_per_s").is_some();
            if !measured {
                let _ = writeln!(
                    out,
                    "| {lang} | {test} | {other_name} | not measured yet: {} | | | | | | |",
                    why_not(&case)
                );
                continue;
            }
            let _ = writeln!(
                out,
                "| {lang} | {test} | {other_name} | {} | {} | {} | {} | {} | {} | {} |",
                cell(res.agg(&case, other, "msg_per_s"), "msg/s"),
                cell(res.agg(&case, F, "msg_per_s"), "msg/s"),
                ratio_str(ratio(res, &case, other, "msg_per_s")),
                num(res.median(&case, other, "cpu_us_per_msg"), 2),
                num(res.median(&case, F, "cpu_us_per_msg"), 2),
                mib(&case, other),
                mib(&case, F),
            );
            cats.push(format!("{lang} {}", size_label(size)));
            inc.push(res.median(&case, other, "msg_per_s"));
            ours.push(res.median(&case, F, "msg_per_s"));
            notes.push(
                ratio(res, &case, other, "msg_per_s")
                    .map(|r| format!("{r:.2}×"))
                    .unwrap_or_default(),
            );
        }
        let case = lat_case(prefix);
        let test = format!("REQ/REP {} over tcp, round trip", size_label(LAT_SIZE));
        let measured = res.agg(&case, F, "rtt_mean_us").is_some()
            || res.agg(&case, other, "rtt_mean_us").is_some();
        if !measured {
            let _ = writeln!(
                out,
                "| {lang} | {test} (lower is better) | {other_name} | not measured yet: {} | | | | | | |",
                why_not(&case)
            );
            continue;
        }
        for (stat, key) in [("mean", "rtt_mean_us"), ("p99", "rtt_p99_us")] {
            // Memory belongs to the run, not to one statistic: on the mean's row only. No CPU
            // figure: see the note under the table.
            let per_run = |v: String| if stat == "mean" { v } else { String::new() };
            let _ = writeln!(
                out,
                "| {lang} | {test} {stat}, µs (**lower is better**) | {other_name} | {} | {} | {} | {} | {} | {} | {} |",
                cell(res.agg(&case, other, key), "µs"),
                cell(res.agg(&case, F, key), "µs"),
                ratio_str(ratio(res, &case, other, key)),
                per_run("—".into()),
                per_run("—".into()),
                per_run(mib(&case, other)),
                per_run(mib(&case, F)),
            );
        }
        lat_cats.push(format!("{lang} {}", size_label(LAT_SIZE)));
        lat_notes.push(
            ratio(res, &case, other, "rtt_mean_us")
                .map(|r| format!("{r:.2}×"))
                .unwrap_or_default(),
        );
        for (i, (imp, key)) in [
            (other, "rtt_mean_us"),
            (F, "rtt_mean_us"),
            (other, "rtt_p99_us"),
            (F, "rtt_p99_us"),
        ]
        .into_iter()
        .enumerate()
        {
            lat_vals[i].push(res.median(&case, imp, key));
        }
    }
    let _ = writeln!(
        out,
        "\nFor throughput a ratio above 1× means FerroMQ is faster; for latency a ratio *below* \
         1× means FerroMQ is faster. Latency rows are full round trips (request out, reply \
         back), not the half round trips of the core REQ/REP table. They have no CPU figure: \
         the start-up of the interpreter, the packages and the child process would outweigh the \
         few thousand round trips of a run."
    );
    if !cats.is_empty() {
        write_chart(
            cfg,
            "bindings.svg",
            svg::grouped_bars(
                "Bindings: FerroMQ packages against the incumbents",
                "PUSH/PULL over tcp, messages per second, the binding teams' thr scripts; FerroMQ/incumbent under each",
                "msg/s",
                &cats,
                &notes,
                &[
                    Series {
                        name: "incumbent (pyzmq / zeromq.js / ffi-rzmq)".into(),
                        color: svg::LIBZMQ,
                        values: inc,
                    },
                    Series {
                        name: "FerroMQ package".into(),
                        color: svg::FERROMQ,
                        values: ours,
                    },
                ],
                false,
            ),
        );
        let _ = writeln!(out, "\n![bindings](bench/charts/bindings.svg)");
    }
    if !lat_cats.is_empty() {
        let [inc_mean, ours_mean, inc_p99, ours_p99] = lat_vals;
        write_chart(
            cfg,
            "bindings_latency.svg",
            svg::grouped_bars(
                "Bindings: REQ/REP round-trip latency, 8 B over tcp (lower is better)",
                "full round trip in µs, the binding teams' lat scripts; FerroMQ/incumbent mean under each",
                "µs",
                &lat_cats,
                &lat_notes,
                &[
                    Series {
                        name: "incumbent mean".into(),
                        color: svg::LIBZMQ,
                        values: inc_mean,
                    },
                    Series {
                        name: "FerroMQ mean".into(),
                        color: svg::FERROMQ,
                        values: ours_mean,
                    },
                    Series {
                        name: "incumbent p99".into(),
                        color: svg::LIBZMQ_LIGHT,
                        values: inc_p99,
                    },
                    Series {
                        name: "FerroMQ p99".into(),
                        color: svg::FERROMQ_LIGHT,
                        values: ours_p99,
                    },
                ],
                false,
            ),
        );
        let _ = writeln!(
            out,
            "\n![bindings latency](bench/charts/bindings_latency.svg)"
        );
    }
    let _ = writeln!(
        out,
        "\nThe Node throughput figures come from one `thr.js` process per repetition that \
         measures FerroMQ first, then zeromq.js, so its CPU and memory cannot be split per \
         library and the order is not alternated. The latency scripts (`lat.py`, `lat.js`) run \
         once per library and repetition, libraries alternated, like `thr.py`."
    );
}

fn short_symbol(name: &str) -> String {
    // Drop the Rust hash suffix and very long generic arguments.
    let mut s = name.trim().to_string();
    if let Some(i) = s.rfind("::h") {
        if s[i + 3..].chars().all(|c| c.is_ascii_hexdigit()) && s.len() - i == 19 {
            s.truncate(i);
        }
    }
    if s.chars().count() > 110 {
        s = s.chars().take(107).collect::<String>() + "…";
    }
    s.replace('|', "\\|")
}

fn write_profiles(cfg: &Config, res: &Results, out: &mut String) {
    let _ = writeln!(out, "\n## Where the time goes\n");
    let mut cases: Vec<String> = res.profiles.iter().map(|p| p.case.clone()).collect();
    cases.dedup();
    if cases.is_empty() {
        let _ = writeln!(
            out,
            "No profile in this run (profiles run in full runs for missed targets, or with \
             `BENCH_PROFILE=1`).\n"
        );
    }
    let all = core_cases(cfg.quick);
    for case in &cases {
        let label = all
            .iter()
            .find(|c| &c.id == case)
            .map(case_label)
            .unwrap_or_else(|| case.clone());
        let _ = writeln!(out, "### {label}\n");
        let get = |imp: &str, side: &str, tool: &str, key: &str| {
            res.profiles
                .iter()
                .find(|p| {
                    &p.case == case
                        && p.imp == imp
                        && p.side == side
                        && p.tool == tool
                        && p.key == key
                })
                .map(|p| p.value)
        };
        let mut sides: Vec<String> = res
            .profiles
            .iter()
            .filter(|p| &p.case == case)
            .map(|p| p.side.clone())
            .collect();
        sides.sort();
        sides.dedup();
        sides.reverse(); // connect (sender/requester) first
        let _ = writeln!(
            out,
            "| per message | libzmq | FerroMQ | FerroMQ / libzmq |\n|---|---|---|---|"
        );
        for side in &sides {
            let sl = side_label(case, side);
            let per = |imp: &str, tool: &str, key: &str| -> Option<f64> {
                let msgs = get(imp, side, tool, "msgs")?;
                Some(get(imp, side, tool, key)? / msgs)
            };
            for (what, tool, key) in [
                ("instructions (callgrind)", "callgrind", "total"),
                ("syscalls", "perfstat", "raw_syscalls:sys_enter"),
                ("context switches", "perfstat", "context-switches"),
                ("page faults", "perfstat", "page-faults"),
                ("CPU µs (task-clock)", "perfstat", "task-clock-us"),
            ] {
                let (a, b) = (per(L, tool, key), per(F, tool, key));
                if a.is_none() && b.is_none() {
                    continue;
                }
                let ratio = match (a, b) {
                    (Some(a), Some(b)) if a > 0.0 => format!("{:.2}×", b / a),
                    _ => "—".into(),
                };
                let _ = writeln!(
                    out,
                    "| {what}, {sl} | {} | {} | {ratio} |",
                    sig3(a),
                    sig3(b)
                );
            }
        }
        for (tool, title) in [
            (
                "callgrind",
                "FerroMQ's top functions by own instructions (callgrind)",
            ),
            (
                "perf",
                "FerroMQ's top symbols by sampled time, kernel included (perf record)",
            ),
        ] {
            for side in &sides {
                let mut top: Vec<_> = res
                    .profiles
                    .iter()
                    .filter(|p| {
                        &p.case == case
                            && p.imp == F
                            && &p.side == side
                            && p.tool == tool
                            && p.key.starts_with("top")
                    })
                    .collect();
                if top.is_empty() {
                    continue;
                }
                top.sort_by_key(|p| p.key[3..].parse::<usize>().unwrap_or(0));
                let total = get(F, side, "callgrind", "total");
                let _ = writeln!(out, "\n{title}, {}:\n", side_label(case, side));
                for p in top {
                    let share = if tool == "callgrind" {
                        total.map(|t| p.value / t * 100.0).unwrap_or(0.0)
                    } else {
                        p.value
                    };
                    let _ = writeln!(out, "- {share:.1}% `{}`", short_symbol(&p.name));
                }
            }
        }
        for side in &sides {
            let mut top: Vec<_> = res
                .profiles
                .iter()
                .filter(|p| {
                    &p.case == case
                        && p.imp == L
                        && &p.side == side
                        && p.tool == "perf"
                        && p.key.starts_with("top")
                })
                .collect();
            if top.is_empty() {
                continue;
            }
            top.sort_by_key(|p| p.key[3..].parse::<usize>().unwrap_or(0));
            let _ = writeln!(
                out,
                "\n<details><summary>libzmq's top symbols by sampled time, {} (its internals \
                 have no symbols in Debian's build)</summary>\n",
                side_label(case, side)
            );
            for p in top {
                let _ = writeln!(out, "- {:.1}% `{}`", p.value, short_symbol(&p.name));
            }
            let _ = writeln!(out, "\n</details>");
        }
        let _ = writeln!(out);
    }
    match std::fs::read_to_string(cfg.root.join("bench/ANALYSIS.md")) {
        Ok(text) => {
            let _ = writeln!(out, "{}", text.trim_end());
        }
        Err(_) => {
            let _ = writeln!(out, "(No analysis written yet: `bench/ANALYSIS.md`.)");
        }
    }
}

/// The "CURVE" section: the encrypted tcp cases beside libzmq's, and beside each library's
/// own NULL figures for the same test.
fn write_curve(cfg: &Config, res: &Results, out: &mut String) {
    let _ = writeln!(out, "\n## CURVE (encrypted tcp)\n");
    let _ = writeln!(
        out,
        "The tcp tests with CURVE (RFC 26) on both sides: every message is encrypted and \
         authenticated (libzmq through libsodium, FerroMQ through RustCrypto's `crypto_box` and \
         `xsalsa20poly1305`). The binding side is the CURVE server, with a key pair made for each \
         run. The goal is FerroMQ's throughput at least libzmq's at each size. \"vs NULL\" is \
         the CURVE figure over the same library's figure for the same test without security \
         (the PUSH/PULL and REQ/REP tables above; after a `BENCH_ONLY` run they may come from an \
         earlier run than the CURVE figures): what encryption costs each library.\n"
    );
    let cases = curve_cases(cfg.quick);
    let null_id = |c: &Case| match c.group {
        Group::ReqRep => format!("reqrep-{}-{}", c.transport, c.size),
        _ => format!("pushpull-{}-{}", c.transport, c.size),
    };
    let vs_null = |c: &Case, imp: &str, key: &str| -> String {
        match (
            res.median(&c.id, imp, key),
            res.median(&null_id(c), imp, key),
        ) {
            (Some(curve), Some(null)) if null > 0.0 => format!("{:.2}×", curve / null),
            _ => "—".into(),
        }
    };
    let paired = |c: &Case, key: &str| {
        let p = res.paired_ratios(&c.id, L, key);
        if p.is_empty() {
            return String::new();
        }
        let lo = p.iter().cloned().fold(f64::MAX, f64::min);
        let hi = p.iter().cloned().fold(f64::MIN, f64::max);
        format!("{lo:.2}–{hi:.2}×")
    };
    let _ = writeln!(
        out,
        "| size | libzmq msg/s | FerroMQ msg/s | ratio | per-repetition ratios | libzmq MB/s | FerroMQ MB/s | CPU µs/msg libzmq | CPU µs/msg FerroMQ | libzmq vs NULL | FerroMQ vs NULL |\n|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for c in cases.iter().filter(|c| c.group == Group::PushPull) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            size_label(c.size),
            cell(res.agg(&c.id, L, "msg_per_s"), ""),
            cell(res.agg(&c.id, F, "msg_per_s"), ""),
            ratio_str(ratio(res, &c.id, L, "msg_per_s")),
            paired(c, "msg_per_s"),
            num(res.median(&c.id, L, "mb_per_s"), 1),
            num(res.median(&c.id, F, "mb_per_s"), 1),
            num(res.median(&c.id, L, "cpu_us_per_msg"), 3),
            num(res.median(&c.id, F, "cpu_us_per_msg"), 3),
            vs_null(c, L, "msg_per_s"),
            vs_null(c, F, "msg_per_s"),
        );
    }
    let _ = writeln!(
        out,
        "\n| REQ/REP latency | libzmq mean | FerroMQ mean | ratio | per-repetition ratios | libzmq p99 | FerroMQ p99 | ratio p99 | CPU µs/round trip libzmq | FerroMQ | libzmq vs NULL | FerroMQ vs NULL |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for c in cases.iter().filter(|c| c.group == Group::ReqRep) {
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            c.transport,
            size_label(c.size),
            cell(res.agg(&c.id, L, "lat_mean_us"), "µs"),
            cell(res.agg(&c.id, F, "lat_mean_us"), "µs"),
            ratio_str(ratio(res, &c.id, L, "lat_mean_us")),
            paired(c, "lat_mean_us"),
            cell(res.agg(&c.id, L, "lat_p99_us"), "µs"),
            cell(res.agg(&c.id, F, "lat_p99_us"), "µs"),
            ratio_str(ratio(res, &c.id, L, "lat_p99_us")),
            num(res.median(&c.id, L, "cpu_us_per_msg"), 2),
            num(res.median(&c.id, F, "cpu_us_per_msg"), 2),
            vs_null(c, L, "lat_mean_us"),
            vs_null(c, F, "lat_mean_us"),
        );
    }
    let _ = writeln!(
        out,
        "\nFor throughput a ratio above 1× means FerroMQ is faster; for latency (half round \
         trips, as in the REQ/REP table) a ratio *below* 1× does. \"vs NULL\" \
         is below 1× for throughput, above 1× for latency, when CURVE is slower. CPU covers both processes, handshake and key generation included (a \
         few ms a run)."
    );
}
