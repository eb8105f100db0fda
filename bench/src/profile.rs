//! Profiles for missed targets: `perf stat` (syscalls and context switches per message),
//! `valgrind --tool=callgrind` (instructions per message and top functions) and
//! `perf record` (sampled time, kernel included), on the same tools as the measurements.

use std::path::Path;
use std::time::Duration;

use crate::report::targets;
use crate::results::{ProfileRow, Results};
use crate::runner::output_of;
use crate::{core_cases, run_once, Case, Config, Group, Impl};

/// Message counts under callgrind (~50× slower than native).
fn callgrind_count(case: &Case) -> usize {
    match (case.transport, case.size, case.id.starts_with("reqrep")) {
        (_, _, true) if case.transport == "inproc" => 20_000,
        (_, _, true) => 5_000,
        (_, s, _) if s >= 1 << 20 => 300,
        (_, s, _) if s >= 65536 => 3_000,
        _ => 200_000,
    }
}

fn works(argv: &[&str]) -> bool {
    output_of(argv).is_some()
}

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(name).is_file()))
}

struct Sink<'a> {
    res: &'a mut Results,
    case: String,
}

impl Sink<'_> {
    fn put(&mut self, imp: &str, side: &str, tool: &str, key: &str, value: f64, name: &str) {
        self.res.profiles.push(ProfileRow {
            case: self.case.clone(),
            imp: imp.into(),
            side: side.into(),
            tool: tool.into(),
            key: key.into(),
            value,
            name: name.into(),
        });
    }
}

pub fn run(cfg: &Config, res: &mut Results) {
    let all = std::env::var("BENCH_PROFILE").is_ok_and(|v| v == "all");
    let cases = core_cases(cfg.quick);
    let mut wanted: Vec<String> = targets()
        .into_iter()
        .filter(|t| all || t.met(res) == Some(false))
        .filter_map(|t| t.profile.map(str::to_string))
        .collect();
    // Also the throughput tests where FerroMQ is furthest behind (below 0.8×), worst three.
    let mut behind: Vec<(f64, String)> = cases
        .iter()
        .filter(|c| c.group != Group::ReqRep)
        .filter_map(|c| {
            let l = res.median(&c.id, "libzmq", "msg_per_s")?;
            let f = res.median(&c.id, "ferromq", "msg_per_s")?;
            (f < l * 0.8).then(|| (f / l, c.id.clone()))
        })
        .collect();
    behind.sort_by(|a, b| a.0.total_cmp(&b.0));
    wanted.extend(behind.into_iter().take(3).map(|(_, id)| id));
    wanted.sort();
    wanted.dedup();
    if let Some(only) = &cfg.only {
        wanted.retain(|c| c.contains(only.as_str()));
    }
    if wanted.is_empty() {
        eprintln!("profile: no missed target to profile");
        return;
    }
    let perf_ok = works(&["perf", "stat", "-e", "task-clock", "true"]);
    let valgrind_ok = works(&["valgrind", "--version"]) && on_path("callgrind_annotate");
    if !perf_ok {
        eprintln!("profile: perf is not usable here; skipping perf stat/record");
    }
    if !valgrind_ok {
        eprintln!("profile: valgrind/callgrind_annotate not found; skipping callgrind");
    }
    let dir = cfg.root.join("target/bench/profile");
    let _ = std::fs::create_dir_all(&dir);
    for id in wanted {
        let Some(case) = cases.iter().find(|c| c.id == id) else {
            continue;
        };
        let mut sink = Sink {
            res: &mut *res,
            case: id.clone(),
        };
        for imp in [&cfg.libzmq, &cfg.ferromq] {
            if perf_ok {
                perf_stat(cfg, case, imp, &dir, &mut sink);
            }
            if valgrind_ok {
                callgrind(cfg, case, imp, &dir, &mut sink);
            }
        }
        if perf_ok {
            for imp in [&cfg.libzmq, &cfg.ferromq] {
                perf_record(cfg, case, imp, &dir, &mut sink);
            }
        }
    }
}

fn file_for(dir: &Path, case: &Case, imp: &Impl, side: &str, tool: &str) -> String {
    dir.join(format!("{}.{}.{side}.{tool}", case.id, imp.name))
        .display()
        .to_string()
}

fn sides(case: &Case) -> Vec<&'static str> {
    if case.transport == "inproc" {
        vec!["process"]
    } else {
        vec!["bind", "connect"]
    }
}

/// Maps the runner's side names ("bind", "connect") to ours ("process" for inproc).
fn side_of(case: &Case, runner_side: &str) -> &'static str {
    match (case.transport, runner_side) {
        ("inproc", _) => "process",
        (_, "bind") => "bind",
        _ => "connect",
    }
}

fn perf_stat(cfg: &Config, case: &Case, imp: &Impl, dir: &Path, sink: &mut Sink) {
    let wrap = |side: &str| -> Vec<String> {
        let out = file_for(dir, case, imp, side_of(case, side), "perfstat");
        ["perf", "stat", "-x", ",", "-o", &out, "-e"]
            .iter()
            .map(|s| s.to_string())
            .chain([
                "task-clock,context-switches,page-faults,raw_syscalls:sys_enter".to_string(),
                "--".to_string(),
            ])
            .collect()
    };
    eprintln!("profile: perf stat {} {}", case.id, imp.name);
    if let Err(e) = run_once(case, imp, cfg, Some(&wrap)) {
        eprintln!("profile: perf stat {} {} failed: {e}", case.id, imp.name);
        return;
    }
    for side in sides(case) {
        let Ok(text) = std::fs::read_to_string(file_for(dir, case, imp, side, "perfstat")) else {
            continue;
        };
        sink.put(
            imp.name,
            side,
            "perfstat",
            "msgs",
            case.messages() as f64,
            "",
        );
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<&str> = line.split(',').collect();
            if f.len() < 3 {
                continue;
            }
            let Ok(v) = f[0].parse::<f64>() else { continue };
            let key = if f[2] == "task-clock" {
                // msec → µs
                sink.put(imp.name, side, "perfstat", "task-clock-us", v * 1000.0, "");
                continue;
            } else {
                f[2]
            };
            sink.put(imp.name, side, "perfstat", key, v, "");
        }
    }
}

fn callgrind(cfg: &Config, case: &Case, imp: &Impl, dir: &Path, sink: &mut Sink) {
    let mut small = case.clone();
    small.count = callgrind_count(case);
    let wrap = |side: &str| -> Vec<String> {
        vec![
            "valgrind".into(),
            "--tool=callgrind".into(),
            format!(
                "--callgrind-out-file={}",
                file_for(dir, &small, imp, side_of(&small, side), "callgrind")
            ),
        ]
    };
    eprintln!(
        "profile: callgrind {} {} ({} messages)",
        case.id, imp.name, small.count
    );
    let mut slow_cfg = cfg.clone();
    slow_cfg.timeout = Duration::from_secs(600);
    if let Err(e) = run_once(&small, imp, &slow_cfg, Some(&wrap)) {
        eprintln!("profile: callgrind {} {} failed: {e}", case.id, imp.name);
        return;
    }
    for side in sides(&small) {
        let file = file_for(dir, &small, imp, side, "callgrind");
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let total = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("totals:")
                    .or_else(|| l.strip_prefix("summary:"))
            })
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok());
        let Some(total) = total else { continue };
        sink.put(imp.name, side, "callgrind", "total", total, "");
        sink.put(
            imp.name,
            side,
            "callgrind",
            "msgs",
            small.messages() as f64,
            "",
        );
        if imp.name != "ferromq" {
            continue; // libzmq's internals have no symbols in Debian's build
        }
        // --auto=no: the function table only, without annotated sources.
        let Some(annotated) =
            output_of(&["callgrind_annotate", "--inclusive=no", "--auto=no", &file])
        else {
            continue;
        };
        // The same function can appear once per source file it was inlined from: add up.
        let mut funcs: Vec<(f64, String)> = vec![];
        for (ir, name) in annotated.lines().filter_map(parse_annotate_line) {
            match funcs.iter_mut().find(|f| f.1 == name) {
                Some(f) => f.0 += ir,
                None => funcs.push((ir, name)),
            }
        }
        funcs.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (rank, (ir, name)) in funcs.iter().take(10).enumerate() {
            let key = format!("top{}", rank + 1);
            sink.put(imp.name, side, "callgrind", &key, *ir, name);
        }
    }
}

/// `5,702,929 ( 7.14%)  /path/file.rs:crate::f [/bin]` → (5702929, "crate::f").
fn parse_annotate_line(line: &str) -> Option<(f64, String)> {
    let line = line.trim();
    let (num, rest) = line.split_once(' ')?;
    let ir: f64 = num.replace(',', "").parse().ok()?;
    let rest = rest.trim_start();
    let rest = rest.strip_prefix('(')?;
    let (_, rest) = rest.split_once(')')?;
    let rest = rest.trim();
    if rest.contains("PROGRAM TOTALS") {
        return None;
    }
    let rest = match rest.rfind(" [") {
        Some(i) => &rest[..i],
        None => rest,
    };
    let func = match rest.split_once(':') {
        Some((file, f)) if !file.is_empty() && !f.starts_with(':') => f,
        _ => rest,
    };
    Some((ir, func.to_string()))
}

fn perf_record(cfg: &Config, case: &Case, imp: &Impl, dir: &Path, sink: &mut Sink) {
    let wrap = |side: &str| -> Vec<String> {
        let out = file_for(dir, case, imp, side_of(case, side), "perfdata");
        ["perf", "record", "-q", "-F", "2999", "-o", &out, "--"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    eprintln!("profile: perf record {} {}", case.id, imp.name);
    if let Err(e) = run_once(case, imp, cfg, Some(&wrap)) {
        eprintln!("profile: perf record {} {} failed: {e}", case.id, imp.name);
        return;
    }
    for side in sides(case) {
        let file = file_for(dir, case, imp, side, "perfdata");
        let Some(report) = output_of(&[
            "perf",
            "report",
            "-i",
            &file,
            "--no-children",
            "--sort",
            "dso,symbol",
            "--stdio",
        ]) else {
            continue;
        };
        // Unsymbolized addresses (libzmq's internals) are added up under one name.
        let mut syms: Vec<(f64, String)> = vec![];
        for (pct, name) in report
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(parse_perf_line)
        {
            match syms.iter_mut().find(|s| s.1 == name) {
                Some(s) => s.0 += pct,
                None => syms.push((pct, name)),
            }
        }
        syms.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (rank, (pct, name)) in syms.iter().take(12).enumerate() {
            let key = format!("top{}", rank + 1);
            sink.put(imp.name, side, "perf", &key, *pct, name);
        }
    }
}

/// `    12.81%  ferromq-perf  [.] ferromq::socket::api::Socket::send   -  -`
fn parse_perf_line(line: &str) -> Option<(f64, String)> {
    let mut words = line.split_whitespace();
    let pct: f64 = words.next()?.strip_suffix('%')?.parse().ok()?;
    let dso = words.next()?;
    let kind = words.next()?;
    let rest: Vec<&str> = words.collect();
    let mut sym = rest.join(" ");
    while sym.ends_with(" -") || sym.ends_with('-') {
        sym = sym.trim_end_matches('-').trim_end().to_string();
    }
    let name = match (kind, dso) {
        ("[k]", _) => format!("[kernel] {sym}"),
        (_, dso) if sym.starts_with("0x") => format!("{dso} internals (no symbols)"),
        (_, "ferromq-perf" | "libzmq-perf") => sym,
        (_, dso) => format!("{sym} ({dso})"),
    };
    Some((pct, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_callgrind_annotate() {
        let l = "5,702,929 ( 7.14%)  /tmp/x/core/src/socket/api.rs:ferromq::socket::api::Socket::send_locked [/tmp/x/ferromq-perf]";
        assert_eq!(
            parse_annotate_line(l),
            Some((
                5702929.0,
                "ferromq::socket::api::Socket::send_locked".into()
            ))
        );
        assert_eq!(
            parse_annotate_line("86,835,861 (100.0%)  PROGRAM TOTALS"),
            None
        );
        assert_eq!(parse_annotate_line("Ir  file:function"), None);
    }

    #[test]
    fn parses_perf_report() {
        let l = "    11.15%  [kernel.kallsyms]     [k] finish_task_switch.isra.0      -      -   ";
        assert_eq!(
            parse_perf_line(l),
            Some((11.15, "[kernel] finish_task_switch.isra.0".into()))
        );
        let l = "     1.57%  libc.so.6             [.] __memset_avx512_unaligned_erms   -   -";
        assert_eq!(
            parse_perf_line(l),
            Some((1.57, "__memset_avx512_unaligned_erms (libc.so.6)".into()))
        );
    }
}
