//! Raw figures: every repetition's sample, the slow-consumer RSS series, the profiles and
//! facts about the machine; saved as TSV in bench/results/ so the report can be rebuilt
//! (`--report-only`) and anyone can check the medians.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::runner::output_of;
use crate::Config;

#[derive(Clone, Debug)]
pub struct Sample {
    pub case: String,
    pub imp: String,
    pub rep: usize,
    pub m: BTreeMap<String, f64>,
    pub error: Option<String>,
}

impl Sample {
    pub fn ok(case: &str, imp: &str, rep: usize, m: BTreeMap<String, f64>) -> Sample {
        Sample {
            case: case.into(),
            imp: imp.into(),
            rep,
            m,
            error: None,
        }
    }

    pub fn failed(case: &str, imp: &str, rep: usize, error: String) -> Sample {
        Sample {
            case: case.into(),
            imp: imp.into(),
            rep,
            m: BTreeMap::new(),
            error: Some(error),
        }
    }
}

/// One figure from the profilers: `tool` is "callgrind" (key "total": instructions,
/// "msgs": messages, "topN": a function's own instructions), "perfstat" (key: a perf
/// software event's count) or "perf" (key "topN": a symbol's share of samples, percent).
#[derive(Clone, Debug)]
pub struct ProfileRow {
    pub case: String,
    pub imp: String,
    pub side: String,
    pub tool: String,
    pub key: String,
    pub value: f64,
    pub name: String,
}

#[derive(Default)]
pub struct Results {
    pub samples: Vec<Sample>,
    /// (implementation, seconds since start, sender RSS MiB)
    pub slow: Vec<(String, f64, f64)>,
    pub profiles: Vec<ProfileRow>,
    pub meta: BTreeMap<String, String>,
}

/// Median, min and max of a figure over the repetitions that succeeded.
#[derive(Clone, Copy, Debug)]
pub struct Agg {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

impl Agg {
    /// (max − min) / median, as a percentage: how noisy the repetitions were.
    pub fn spread_pct(&self) -> f64 {
        if self.median == 0.0 {
            0.0
        } else {
            (self.max - self.min) / self.median * 100.0
        }
    }
}

pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

impl Results {
    pub fn agg(&self, case: &str, imp: &str, key: &str) -> Option<Agg> {
        let mut v: Vec<f64> = self
            .samples
            .iter()
            .filter(|s| s.case == case && s.imp == imp && s.error.is_none())
            .filter_map(|s| s.m.get(key).copied())
            .filter(|x| x.is_finite())
            .collect();
        if v.is_empty() {
            return None;
        }
        let n = v.len();
        let median = median(&mut v);
        Some(Agg {
            median,
            min: v[0],
            max: v[n - 1],
            n,
        })
    }

    pub fn median(&self, case: &str, imp: &str, key: &str) -> Option<f64> {
        self.agg(case, imp, key).map(|a| a.median)
    }

    /// FerroMQ / `other` per repetition: the two ran back to back, so each pair saw about the
    /// same machine; their range shows how firm a verdict is.
    pub fn paired_ratios(&self, case: &str, other: &str, key: &str) -> Vec<f64> {
        let value = |imp: &str, rep: usize| {
            self.samples
                .iter()
                .find(|s| s.case == case && s.imp == imp && s.rep == rep && s.error.is_none())
                .and_then(|s| s.m.get(key).copied())
        };
        let reps: std::collections::BTreeSet<usize> = self
            .samples
            .iter()
            .filter(|s| s.case == case)
            .map(|s| s.rep)
            .collect();
        reps.into_iter()
            .filter_map(|r| match (value("ferromq", r), value(other, r)) {
                (Some(f), Some(o)) if o > 0.0 => Some(f / o),
                _ => None,
            })
            .collect()
    }

    /// The errors of the repetitions that failed.
    pub fn errors(&self, case: &str, imp: &str) -> Vec<&str> {
        self.samples
            .iter()
            .filter(|s| s.case == case && s.imp == imp)
            .filter_map(|s| s.error.as_deref())
            .collect()
    }

    /// Adds `old`'s figures for the tests this (partial) run did not measure.
    pub fn merge_into(&mut self, old: Results) {
        let rerun: std::collections::BTreeSet<String> =
            self.samples.iter().map(|s| s.case.clone()).collect();
        let profiled: std::collections::BTreeSet<String> =
            self.profiles.iter().map(|p| p.case.clone()).collect();
        let mut samples: Vec<Sample> = old
            .samples
            .into_iter()
            .filter(|s| !rerun.contains(&s.case))
            .collect();
        samples.append(&mut self.samples);
        self.samples = samples;
        if self.slow.is_empty() {
            self.slow = old.slow;
        }
        let mut profiles: Vec<ProfileRow> = old
            .profiles
            .into_iter()
            .filter(|p| !profiled.contains(&p.case))
            .collect();
        profiles.append(&mut self.profiles);
        self.profiles = profiles;
        for (k, v) in old.meta {
            self.meta.entry(k).or_insert(v);
        }
        self.meta.insert("partial".into(), "yes".into());
    }

    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut raw = String::from("# case\timplementation\trepetition\tfigures\terror\n");
        for s in &self.samples {
            let figures: Vec<String> = s.m.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = writeln!(
                raw,
                "{}\t{}\t{}\t{}\t{}",
                s.case,
                s.imp,
                s.rep,
                figures.join(","),
                clean(s.error.as_deref().unwrap_or(""))
            );
        }
        std::fs::write(dir.join("raw.tsv"), raw)?;
        let mut slow = String::from("# implementation\tseconds\tsender_rss_mib\n");
        for (imp, t, mib) in &self.slow {
            let _ = writeln!(slow, "{imp}\t{t:.2}\t{mib:.3}");
        }
        std::fs::write(dir.join("slow_consumer.tsv"), slow)?;
        let mut prof = String::from("# case\timplementation\tside\ttool\tkey\tvalue\tname\n");
        for p in &self.profiles {
            let _ = writeln!(
                prof,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                p.case,
                p.imp,
                p.side,
                p.tool,
                p.key,
                p.value,
                clean(&p.name)
            );
        }
        std::fs::write(dir.join("profile.tsv"), prof)?;
        let mut meta = String::new();
        for (k, v) in &self.meta {
            let _ = writeln!(meta, "{k}\t{}", clean(v));
        }
        std::fs::write(dir.join("meta.tsv"), meta)
    }

    pub fn load(dir: &Path) -> std::io::Result<Results> {
        let read = |name: &str| -> std::io::Result<Vec<Vec<String>>> {
            let text = std::fs::read_to_string(dir.join(name))?;
            Ok(text
                .lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .map(|l| l.split('\t').map(str::to_string).collect())
                .collect())
        };
        let mut res = Results::default();
        for f in read("raw.tsv")? {
            let m = f
                .get(3)
                .map(|figs| {
                    figs.split(',')
                        .filter_map(|kv| kv.split_once('='))
                        .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
                        .collect()
                })
                .unwrap_or_default();
            let error = f.get(4).filter(|e| !e.is_empty()).cloned();
            res.samples.push(Sample {
                case: f[0].clone(),
                imp: f[1].clone(),
                rep: f[2].parse().unwrap_or(0),
                m,
                error,
            });
        }
        for f in read("slow_consumer.tsv").unwrap_or_default() {
            if let (Some(t), Some(mib)) = (f[1].parse().ok(), f[2].parse().ok()) {
                res.slow.push((f[0].clone(), t, mib));
            }
        }
        for f in read("profile.tsv").unwrap_or_default() {
            if f.len() < 6 {
                continue;
            }
            res.profiles.push(ProfileRow {
                case: f[0].clone(),
                imp: f[1].clone(),
                side: f[2].clone(),
                tool: f[3].clone(),
                key: f[4].clone(),
                value: f[5].parse().unwrap_or(0.0),
                name: f.get(6).cloned().unwrap_or_default(),
            });
        }
        for f in read("meta.tsv")? {
            res.meta
                .insert(f[0].clone(), f.get(1).cloned().unwrap_or_default());
        }
        Ok(res)
    }
}

/// Busy and total CPU seconds of the whole machine so far (/proc/stat).
pub fn machine_cpu() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    if v.len() < 8 {
        return None;
    }
    // user nice system idle iowait irq softirq steal
    let idle = v[3] + v[4];
    let total: f64 = v[..8].iter().sum();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Some(((total - idle) / hz, total / hz))
}

/// CPU seconds used by this process and every child it has reaped.
pub fn own_cpu() -> f64 {
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let mut total = 0.0;
    for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
        // SAFETY: an all-zero rusage is valid; getrusage fills it in.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: valid out-pointer.
        if unsafe { libc::getrusage(who, &mut ru) } == 0 {
            total += tv(ru.ru_utime) + tv(ru.ru_stime);
        }
    }
    total
}

pub fn loadavg() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn first_line(s: Option<String>) -> String {
    s.and_then(|s| s.lines().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// The machine, the date and every version that matters.
pub fn collect_meta(cfg: &Config, meta: &mut BTreeMap<String, String>) {
    let mut put = |k: &str, v: String| {
        meta.insert(k.to_string(), v);
    };
    put("mode", if cfg.quick { "quick" } else { "full" }.into());
    put("reps", cfg.reps.to_string());
    put(
        "date",
        first_line(output_of(&["date", "-u", "+%Y-%m-%d %H:%M UTC"])),
    );
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "?".into());
    put("cpu", model);
    put(
        "cores",
        std::thread::available_parallelism()
            .map(|n| n.get().to_string())
            .unwrap_or_else(|_| "?".into()),
    );
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| format!("{:.0} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_else(|| "?".into());
    put("memory", mem_gib);
    let os = std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_else(|| "?".into());
    put(
        "os",
        format!("{os}, Linux {}", first_line(output_of(&["uname", "-r"]))),
    );
    put("load_start", loadavg().unwrap_or_default());
    let root = cfg.root.display().to_string();
    put(
        "ferromq",
        format!(
            "{} ({})",
            env!("CARGO_PKG_VERSION"),
            first_line(output_of(&[
                "git", "-C", &root, "describe", "--always", "--dirty"
            ]))
        ),
    );
    put("rustc", first_line(output_of(&["rustc", "--version"])));
    put(
        "libzmq",
        first_line(output_of(&[&cfg.libzmq.exe, "version"])).replace("libzmq ", ""),
    );
    put("gcc", first_line(output_of(&["gcc", "--version"])));
}
