//! `make bench`: FerroMQ against libzmq (and each binding against its incumbent), in one run,
//! alternating implementations, median of several repetitions; writes BENCHMARKS.md, the
//! SVG charts in bench/charts/ and the raw figures in bench/results/.
//!
//! ```text
//! ferromq-bench [--report-only | --profile-only] [--root DIR] [--libzmq-perf PATH]
//!               [--ferromq-perf PATH]
//! env: BENCH_QUICK=1 (~2 min smoke run), BENCH_REPS=N, BENCH_ONLY=substring,
//!      BENCH_PROFILE=0|1|all (profiles of the misses; default: on in a full run)
//! --report-only rebuilds BENCHMARKS.md and the charts from bench/results/;
//! --profile-only profiles the misses of the run saved there, then rebuilds the report.
//! ```

mod bindings;
mod large;
mod profile;
mod report;
mod results;
mod runner;
mod svg;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use results::{Results, Sample};
use runner::{finish_all, free_port, spawn, Finished};

/// One implementation under test: its tool binary.
#[derive(Clone)]
pub struct Impl {
    pub name: &'static str,
    pub exe: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    PushPull,
    ReqRep,
    PubSub,
    RouterDealer,
}

#[derive(Clone, Debug)]
pub struct Case {
    pub id: String,
    pub group: Group,
    pub transport: &'static str,
    pub size: usize,
    pub count: usize,
    /// Subscribers (PUB/SUB) or dealers (ROUTER/DEALER).
    pub peers: usize,
    /// Every process and thread on CPU 0 (`taskset -c 0`): hand-offs without waking another
    /// vCPU, which on a VM costs more than the library's own work.
    pub pinned: bool,
    /// CURVE security (RFC 26): the binding side is the server, with a key pair made for
    /// each run; the connecting side a client with a key pair of its own.
    pub curve: bool,
}

impl Case {
    /// Messages the CPU time is divided by.
    pub fn messages(&self) -> usize {
        match self.group {
            Group::PubSub => self.count * self.peers,
            _ => self.count,
        }
    }
}

#[derive(Clone)]
pub struct Config {
    pub quick: bool,
    pub reps: usize,
    pub only: Option<String>,
    pub profile: bool,
    pub root: PathBuf,
    pub libzmq: Impl,
    pub ferromq: Impl,
    /// Slow-consumer run length, seconds.
    pub slow_secs: f64,
    pub timeout: Duration,
}

pub const SIZES: [usize; 5] = [8, 64, 1024, 65536, 1 << 20];
pub const TRANSPORTS: [&str; 3] = ["tcp", "ipc", "inproc"];

/// The core cases, with message counts sized for ~0.3–1 s per run on this 2-core machine
/// (a tenth-ish in quick mode).
pub fn core_cases(quick: bool) -> Vec<Case> {
    let q = |full: usize, quick_count: usize| if quick { quick_count } else { full };
    let mut cases = vec![];
    for transport in TRANSPORTS {
        for size in SIZES {
            let inproc = transport == "inproc";
            let count = match (size, inproc) {
                (8 | 64, false) => q(2_000_000, 600_000),
                (8 | 64, true) => q(4_000_000, 1_000_000),
                (1024, false) => q(500_000, 200_000),
                (1024, true) => q(1_000_000, 400_000),
                (65536, false) => q(20_000, 8_000),
                (65536, true) => q(60_000, 20_000),
                (_, false) => q(2_000, 800),
                (_, true) => q(5_000, 2_000),
            };
            cases.push(Case {
                id: format!("pushpull-{transport}-{size}"),
                group: Group::PushPull,
                transport,
                size,
                count,
                peers: 1,
                pinned: false,
                curve: false,
            });
        }
    }
    for transport in TRANSPORTS {
        let count = if transport == "inproc" {
            q(50_000, 20_000)
        } else {
            q(20_000, 8_000)
        };
        for pinned in [false, true] {
            cases.push(Case {
                id: format!(
                    "reqrep-{transport}-8{}",
                    if pinned { "-pinned" } else { "" }
                ),
                group: Group::ReqRep,
                transport,
                size: 8,
                count,
                peers: 1,
                pinned,
                curve: false,
            });
        }
    }
    for (subs, count) in [(1, q(1_000_000, 400_000)), (10, q(200_000, 80_000))] {
        cases.push(Case {
            id: format!("pubsub-tcp-64-{subs}"),
            group: Group::PubSub,
            transport: "tcp",
            size: 64,
            count,
            peers: subs,
            pinned: false,
            curve: false,
        });
    }
    cases.push(Case {
        id: "routerdealer-tcp-64-10".into(),
        group: Group::RouterDealer,
        transport: "tcp",
        size: 64,
        count: q(1_000_000, 400_000),
        peers: 10,
        pinned: false,
        curve: false,
    });
    cases
}

/// PUSH/PULL sizes of the CURVE cases.
pub const CURVE_SIZES: [usize; 3] = [8, 1024, 65536];

/// The CURVE cases (issue 25): tcp PUSH/PULL throughput and REQ/REP latency with every
/// message encrypted, run with the core cases. CURVE costs far more per message than NULL
/// (a crypto_box per frame on each side), so the counts are sized for ~0.3–1.5 s per run
/// on this 2-core machine: with 9 repetitions the four cases add about a minute and a half
/// to a full run.
pub fn curve_cases(quick: bool) -> Vec<Case> {
    let q = |full: usize, quick_count: usize| if quick { quick_count } else { full };
    let case = |id: String, group, size, count| Case {
        id,
        group,
        transport: "tcp",
        size,
        count,
        peers: 1,
        pinned: false,
        curve: true,
    };
    let mut cases: Vec<Case> = CURVE_SIZES
        .iter()
        .map(|&size| {
            let count = match size {
                8 => q(300_000, 100_000),
                1024 => q(100_000, 30_000),
                _ => q(4_000, 1_500),
            };
            case(
                curve_id(Group::PushPull, size),
                Group::PushPull,
                size,
                count,
            )
        })
        .collect();
    cases.push(case(
        curve_id(Group::ReqRep, 8),
        Group::ReqRep,
        8,
        q(8_000, 3_000),
    ));
    cases
}

/// `curve-thr-tcp-<size>` (PUSH/PULL) or `curve-lat-tcp-<size>` (REQ/REP): `BENCH_ONLY=curve`
/// selects them all, and no NULL case's filter (`pushpull-tcp`, `reqrep`) picks them up.
pub fn curve_id(group: Group, size: usize) -> String {
    match group {
        Group::ReqRep => format!("curve-lat-tcp-{size}"),
        _ => format!("curve-thr-tcp-{size}"),
    }
}

fn endpoint(transport: &str, root: &Path) -> String {
    match transport {
        "tcp" => format!("tcp://127.0.0.1:{}", free_port()),
        _ => {
            let dir = root.join("target/bench/ipc");
            let _ = std::fs::create_dir_all(&dir);
            let n = free_port(); // just a fresh number
            format!("ipc://{}/b{n}.sock", dir.display())
        }
    }
}

fn argv(exe: &str, args: &[String]) -> Vec<String> {
    std::iter::once(exe.to_string())
        .chain(args.iter().cloned())
        .collect()
}

fn pin_prefix(case: &Case) -> Vec<String> {
    if case.pinned {
        vec![s("taskset"), s("-c"), s("0")]
    } else {
        vec![]
    }
}

fn s(v: impl ToString) -> String {
    v.to_string()
}

/// The processes of one run of `case`: (tool args of the binding side, of the connecting
/// side if any, which side prints the result: 0 or 1).
fn plan(case: &Case, root: &Path) -> (Vec<String>, Option<Vec<String>>, usize) {
    let (size, count, peers) = (s(case.size), s(case.count), s(case.peers));
    if case.transport == "inproc" {
        let tool = match case.group {
            Group::PushPull => "inproc_thr",
            Group::ReqRep => "inproc_lat",
            _ => unreachable!("inproc is only measured for PUSH/PULL and REQ/REP"),
        };
        return (vec![s(tool), size, count], None, 0);
    }
    let ep = endpoint(case.transport, root);
    match case.group {
        Group::PushPull => (
            vec![s("pull_thr"), ep.clone(), size.clone(), count.clone()],
            Some(vec![s("push_thr"), ep, size, count]),
            0,
        ),
        Group::ReqRep => (
            vec![s("rep_lat"), ep.clone(), size.clone(), count.clone()],
            Some(vec![s("req_lat"), ep, size, count]),
            1,
        ),
        Group::PubSub => {
            let sync = endpoint(case.transport, root);
            (
                vec![
                    s("pub_thr"),
                    ep.clone(),
                    sync.clone(),
                    size.clone(),
                    count.clone(),
                    peers.clone(),
                ],
                Some(vec![s("sub_thr"), ep, sync, size, count, peers]),
                1,
            )
        }
        Group::RouterDealer => (
            vec![s("router_thr"), ep.clone(), size.clone(), count.clone()],
            Some(vec![s("dealer_thr"), ep, size, count, peers]),
            0,
        ),
    }
}

/// A command prefix (e.g. `valgrind --tool=callgrind …`) for each side ("bind", "connect").
pub type Wrap<'a> = &'a dyn Fn(&str) -> Vec<String>;

/// Sender RSS samples (seconds, MiB) and the finished processes.
type SlowRun = (Vec<(f64, f64)>, Vec<Finished>);

/// Runs `case` once with `imp`; returns its figures or why it failed.
pub fn run_once(
    case: &Case,
    imp: &Impl,
    cfg: &Config,
    wrap: Option<Wrap<'_>>,
) -> Result<(BTreeMap<String, f64>, Vec<Finished>), String> {
    let (first, second, result_side) = plan(case, &cfg.root);
    let prefix = |side: &str| wrap.map(|w| w(side)).unwrap_or_default();
    // CURVE: a fresh server key pair for each run, the secret to the binding side (the
    // server), the public key to the connecting side (which makes its own key pair).
    let (bind_env, connect_env) = if case.curve {
        let (public, secret) = ferromq::curve_keys::curve_keypair();
        (
            vec![("PERF_CURVE_SERVER_SECRET", secret.to_string())],
            vec![("PERF_CURVE_SERVER_KEY", public)],
        )
    } else {
        (vec![], vec![])
    };
    let bind_argv = [prefix("bind"), pin_prefix(case), argv(&imp.exe, &first)].concat();
    let mut procs = vec![spawn("bind side", &bind_argv, &bind_env, None, false)?];
    // Senders that close right after sending lose messages with libzmq over ipc; they wait
    // for the receiver instead (see `hold` in perf.c).
    let hold = matches!(case.group, Group::PushPull | Group::RouterDealer);
    if let Some(second) = second {
        // Both connect-before-bind and bind-before-connect work with both libraries; a
        // short head start just avoids a reconnect interval (longer under valgrind).
        thread::sleep(Duration::from_millis(if wrap.is_some() {
            1500
        } else {
            50
        }));
        let connect_argv = [prefix("connect"), pin_prefix(case), argv(&imp.exe, &second)].concat();
        match spawn("connect side", &connect_argv, &connect_env, None, hold) {
            Ok(p) => procs.push(p),
            Err(e) => {
                procs[0].kill();
                return Err(e);
            }
        }
    }
    let done = finish_all(procs, cfg.timeout);
    if let Some(bad) = done.iter().find(|d| !d.success) {
        return Err(bad.why());
    }
    let out = &done[result_side];
    let mut m = BTreeMap::new();
    for key in [
        "msg_per_s",
        "mb_per_s",
        "lat_mean_us",
        "lat_p50_us",
        "lat_p99_us",
    ] {
        if let Some(v) = out.value(key) {
            m.insert(key.to_string(), v);
        }
    }
    if !m.contains_key("msg_per_s") && !m.contains_key("lat_mean_us") {
        return Err(format!("no result in output: {:?}", out.stdout));
    }
    let cpu: f64 = done.iter().map(|d| d.cpu_s).sum();
    let rss: u64 = done.iter().map(|d| d.maxrss_kb).sum();
    m.insert("cpu_us_per_msg".into(), cpu * 1e6 / case.messages() as f64);
    m.insert("rss_mib".into(), rss as f64 / 1024.0);
    m.insert("count".into(), case.count as f64);
    Ok((m, done))
}

fn progress(n: usize, total: usize, what: &str) {
    eprintln!("[{n:>3}/{total}] {what}");
}

fn brief(m: &BTreeMap<String, f64>) -> String {
    if let Some(l) = m.get("lat_mean_us") {
        format!(
            "{l:.2} us mean, {:.2} us p99",
            m.get("lat_p99_us").copied().unwrap_or(f64::NAN)
        )
    } else {
        format!(
            "{} msg/s, {:.3} us CPU/msg",
            svg::si(m.get("msg_per_s").copied().unwrap_or(f64::NAN)),
            m.get("cpu_us_per_msg").copied().unwrap_or(f64::NAN)
        )
    }
}

fn run_core(cfg: &Config, res: &mut Results) {
    let cases: Vec<Case> = core_cases(cfg.quick)
        .into_iter()
        .chain(curve_cases(cfg.quick))
        .filter(|c| cfg.only.as_ref().is_none_or(|o| c.id.contains(o.as_str())))
        .collect();
    // One discarded run of each implementation first: the first measured case otherwise
    // pays for whatever came before (the builds, cold page cache, an idle CPU's clock).
    if let Some(first) = cases.first() {
        for imp in [&cfg.libzmq, &cfg.ferromq] {
            let _ = run_once(first, imp, cfg, None);
        }
        eprintln!(
            "warm-up: one discarded run of {} per implementation",
            first.id
        );
    }
    run_cases(cfg, res, &cases, cfg.reps);
}

/// Runs every case `reps` times with each implementation, alternating which goes first.
pub fn run_cases(cfg: &Config, res: &mut Results, cases: &[Case], reps: usize) {
    let total = cases.len() * reps * 2;
    let mut n = 0;
    for case in cases {
        for rep in 0..reps {
            // Alternate which implementation goes first, so drift hits both alike.
            let order = if rep % 2 == 0 {
                [&cfg.libzmq, &cfg.ferromq]
            } else {
                [&cfg.ferromq, &cfg.libzmq]
            };
            for imp in order {
                n += 1;
                let outcome = run_once(case, imp, cfg, None);
                let what = format!("{} {} rep {}", case.id, imp.name, rep + 1);
                let sample = match outcome {
                    Ok((m, _)) => {
                        progress(n, total, &format!("{what}: {}", brief(&m)));
                        Sample::ok(&case.id, imp.name, rep, m)
                    }
                    Err(e) => {
                        progress(n, total, &format!("{what}: FAILED {e}"));
                        Sample::failed(&case.id, imp.name, rep, e)
                    }
                };
                res.samples.push(sample);
            }
        }
    }
}

/// PUSH sending 1 KiB as fast as it can to a PULL reading 100 msg/s; the sender's RSS is
/// sampled every 100 ms.
fn run_slow_consumer(cfg: &Config, res: &mut Results) {
    if cfg
        .only
        .as_ref()
        .is_some_and(|o| !"slow".contains(o.as_str()))
    {
        return;
    }
    for imp in [&cfg.libzmq, &cfg.ferromq] {
        let ep = endpoint("tcp", &cfg.root);
        let secs = cfg.slow_secs;
        let pull = argv(
            &imp.exe,
            &[s("slow_pull"), ep.clone(), s(100), s(secs + 1.0)],
        );
        let push = argv(&imp.exe, &[s("slow_push"), ep, s(1024), s(secs)]);
        let result = (|| -> Result<SlowRun, String> {
            let pull = spawn("slow pull", &pull, &[], None, false)?;
            thread::sleep(Duration::from_millis(50));
            let mut push = match spawn("slow push", &push, &[], None, false) {
                Ok(p) => p,
                Err(e) => {
                    pull.kill();
                    return Err(e);
                }
            };
            let start = Instant::now();
            let mut series = vec![];
            let deadline = start + Duration::from_secs_f64(secs + 30.0);
            while !push.poll() && Instant::now() < deadline {
                if let Some(kb) = runner::rss_kb(push.pid()) {
                    series.push((start.elapsed().as_secs_f64(), kb as f64 / 1024.0));
                }
                thread::sleep(Duration::from_millis(100));
            }
            let done = finish_all(vec![push, pull], Duration::from_secs(10));
            if let Some(bad) = done.iter().find(|d| !d.success) {
                return Err(bad.why());
            }
            Ok((series, done))
        })();
        match result {
            Ok((series, done)) => {
                let mut m = BTreeMap::new();
                m.insert("sent".into(), done[0].value("sent").unwrap_or(f64::NAN));
                m.insert(
                    "received".into(),
                    done[1].value("received").unwrap_or(f64::NAN),
                );
                m.insert("sender_peak_mib".into(), done[0].maxrss_kb as f64 / 1024.0);
                eprintln!(
                    "slow consumer {}: sent {} received {} peak RSS {:.1} MiB",
                    imp.name, m["sent"], m["received"], m["sender_peak_mib"]
                );
                res.samples
                    .push(Sample::ok("slow-tcp-1024", imp.name, 0, m));
                for (t, mib) in series {
                    res.slow.push((imp.name.to_string(), t, mib));
                }
            }
            Err(e) => {
                eprintln!("slow consumer {}: FAILED {e}", imp.name);
                res.samples
                    .push(Sample::failed("slow-tcp-1024", imp.name, 0, e));
            }
        }
    }
}

fn env_flag(name: &str) -> Option<bool> {
    std::env::var(name)
        .ok()
        .map(|v| !(v.is_empty() || v == "0" || v == "false"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut report_only = false;
    let mut profile_only = false;
    let mut root = std::env::current_dir().expect("cwd");
    let mut libzmq_perf = None;
    let mut ferromq_perf = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--report-only" => report_only = true,
            "--profile-only" => profile_only = true,
            "--root" => root = PathBuf::from(args.next().expect("--root DIR")),
            "--libzmq-perf" => libzmq_perf = args.next(),
            "--ferromq-perf" => ferromq_perf = args.next(),
            _ => {
                eprintln!(
                    "usage: ferromq-bench [--report-only | --profile-only] [--root DIR] [--libzmq-perf PATH] [--ferromq-perf PATH]"
                );
                std::process::exit(2);
            }
        }
    }
    let quick = env_flag("BENCH_QUICK").unwrap_or(false);
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let cfg = Config {
        quick,
        reps: std::env::var("BENCH_REPS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(if quick { 3 } else { 9 })
            .max(1),
        only: std::env::var("BENCH_ONLY").ok().filter(|s| !s.is_empty()),
        profile: env_flag("BENCH_PROFILE").unwrap_or(!quick),
        libzmq: Impl {
            name: "libzmq",
            exe: libzmq_perf
                .unwrap_or_else(|| root.join("target/bench/libzmq-perf").display().to_string()),
        },
        ferromq: Impl {
            name: "ferromq",
            exe: ferromq_perf.unwrap_or_else(|| exe_dir.join("ferromq-perf").display().to_string()),
        },
        slow_secs: if quick { 3.0 } else { 10.0 },
        timeout: Duration::from_secs(if quick { 60 } else { 180 }),
        root,
    };
    let results_dir = cfg.root.join("bench/results");
    if report_only || profile_only {
        let mut res = Results::load(&results_dir).unwrap_or_else(|e| {
            eprintln!("cannot read {}: {e}", results_dir.display());
            std::process::exit(1)
        });
        // The saved run's mode decides the case list and counts shown.
        let mut cfg = cfg.clone();
        cfg.quick = res.meta.get("mode").is_some_and(|m| m == "quick");
        cfg.slow_secs = if cfg.quick { 3.0 } else { 10.0 };
        if profile_only {
            // Profile the saved run's misses again (e.g. after installing the profilers).
            res.profiles.clear();
            profile::run(&cfg, &mut res);
            if let Err(e) = res.save(&results_dir) {
                eprintln!("cannot save results in {}: {e}", results_dir.display());
            }
        }
        report::write(&cfg, &res);
        return;
    }
    let started = Instant::now();
    let cpu_at_start = results::machine_cpu();
    let own_at_start = results::own_cpu();
    let mut res = Results::default();
    results::collect_meta(&cfg, &mut res.meta);
    eprintln!(
        "ferromq-bench: {} run, {} repetitions, libzmq tool {}, FerroMQ tool {}",
        if quick { "quick" } else { "full" },
        cfg.reps,
        cfg.libzmq.exe,
        cfg.ferromq.exe
    );
    run_core(&cfg, &mut res);
    run_slow_consumer(&cfg, &mut res);
    large::run(&cfg, &mut res);
    bindings::run(&cfg, &mut res);
    if cfg.profile {
        profile::run(&cfg, &mut res);
    }
    res.meta
        .insert("load_end".into(), results::loadavg().unwrap_or_default());
    // How much of the machine other work took while we ran: all busy CPU time minus ours.
    if let (Some((busy0, total0)), Some((busy1, total1))) = (cpu_at_start, results::machine_cpu()) {
        let ours = results::own_cpu() - own_at_start;
        let others = (busy1 - busy0 - ours).max(0.0);
        if total1 > total0 {
            res.meta.insert(
                "other_cpu_pct".into(),
                format!("{:.0}", others / (total1 - total0) * 100.0),
            );
        }
    }
    res.meta.insert(
        "duration_s".into(),
        format!("{:.0}", started.elapsed().as_secs_f64()),
    );
    if cfg.only.is_some() {
        // A partial run: keep the saved figures of everything it did not rerun.
        if let Ok(old) = Results::load(&results_dir) {
            res.merge_into(old);
        }
    }
    if let Err(e) = res.save(&results_dir) {
        eprintln!("cannot save results in {}: {e}", results_dir.display());
    }
    report::write(&cfg, &res);
    eprintln!(
        "ferromq-bench: done in {:.0} s; see BENCHMARKS.md",
        started.elapsed().as_secs_f64()
    );
}
