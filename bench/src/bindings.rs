//! Each binding against its incumbent, through the binding teams' own scripts
//! (`python/bench/thr.py`, `node/bench/thr.js`), when they and the packages are installed.
//! Nothing found, nothing measured: the report then says "not measured yet".

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::results::{Results, Sample};
use crate::runner::{finish_all, output_of, spawn};
use crate::Config;

pub const SIZES: [usize; 2] = [8, 1024];

/// The number written just before "msg/s" on a line ("1,375,349 msg/s").
fn rate_on(line: &str) -> Option<f64> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| w.starts_with("msg/s"))?;
    words.get(at.checked_sub(1)?)?.replace(',', "").parse().ok()
}

fn count(cfg: &Config, full: usize, quick: usize) -> usize {
    if cfg.quick {
        quick
    } else {
        full
    }
}

fn python_ready(root: &Path, meta: &mut BTreeMap<String, String>) -> Result<(), String> {
    if !root.join("python/bench/thr.py").exists() {
        return Err("python/bench/thr.py is not there yet".into());
    }
    let probe = "import ferromq, zmq, sys; \
                 print(sys.version.split()[0], getattr(ferromq, '__version__', '?'), zmq.__version__, zmq.zmq_version())";
    let out = output_of(&["python3", "-c", probe])
        .ok_or("the ferromq Python package (or pyzmq) is not installed")?;
    let v: Vec<&str> = out.split_whitespace().collect();
    if v.len() == 4 {
        meta.insert("python".into(), v[0].into());
        meta.insert("ferromq_python".into(), v[1].into());
        meta.insert("pyzmq".into(), format!("{} (libzmq {})", v[2], v[3]));
    }
    Ok(())
}

fn node_ready(root: &Path, meta: &mut BTreeMap<String, String>) -> Result<(), String> {
    let dir = root.join("node");
    if !dir.join("bench/thr.js").exists() {
        return Err("node/bench/thr.js is not there yet".into());
    }
    let addon = std::fs::read_dir(&dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .any(|e| e.file_name().to_string_lossy().ends_with(".node"));
    if !addon {
        return Err("the Node addon is not built (cd node && npm run build)".into());
    }
    let zeromq = std::fs::read_to_string(dir.join("node_modules/zeromq/package.json"))
        .map_err(|_| "the zeromq npm package is not installed (cd node && npm ci)")?;
    let version = zeromq
        .lines()
        .find_map(|l| l.trim().strip_prefix("\"version\":"))
        .map(|v| v.trim().trim_matches([',', '"']).to_string())
        .unwrap_or_else(|| "?".into());
    meta.insert("zeromq_js".into(), version);
    meta.insert(
        "node".into(),
        output_of(&["node", "--version"]).unwrap_or_else(|| "?".into()),
    );
    Ok(())
}

pub fn run(cfg: &Config, res: &mut Results) {
    if cfg
        .only
        .as_ref()
        .is_some_and(|o| !o.starts_with("py") && !o.starts_with("node"))
    {
        return;
    }
    let root = cfg.root.clone();
    let root_s = root.display().to_string();
    let timeout = Duration::from_secs(180);

    match python_ready(&root, &mut res.meta) {
        Err(why) => {
            eprintln!("bindings: Python not measured: {why}");
            res.meta.insert("python_skipped".into(), why);
        }
        Ok(()) => {
            for size in SIZES {
                let n = count(cfg, 500_000, 200_000);
                let case = format!("py-tcp-{size}");
                for rep in 0..cfg.reps {
                    let libs = if rep % 2 == 0 {
                        ["zmq", "ferromq"]
                    } else {
                        ["ferromq", "zmq"]
                    };
                    for lib in libs {
                        let imp = if lib == "zmq" { "pyzmq" } else { "ferromq" };
                        let argv: Vec<String> = [
                            "python3",
                            "python/bench/thr.py",
                            "--count",
                            &n.to_string(),
                            "--size",
                            &size.to_string(),
                            "--lib",
                            lib,
                        ]
                        .iter()
                        .map(|s| s.to_string())
                        .collect();
                        let sample = match spawn("thr.py", &argv, &[], Some(&root_s), false) {
                            Err(e) => Sample::failed(&case, imp, rep, e),
                            Ok(p) => {
                                let done = finish_all(vec![p], timeout).remove(0);
                                let rate = done.stdout.lines().find_map(rate_on);
                                match (done.success, rate) {
                                    (true, Some(rate)) => {
                                        let mut m = BTreeMap::new();
                                        m.insert("msg_per_s".into(), rate);
                                        m.insert(
                                            "cpu_us_per_msg".into(),
                                            done.cpu_s * 1e6 / n as f64,
                                        );
                                        m.insert("rss_mib".into(), done.maxrss_kb as f64 / 1024.0);
                                        m.insert("count".into(), n as f64);
                                        Sample::ok(&case, imp, rep, m)
                                    }
                                    _ => Sample::failed(&case, imp, rep, done.why()),
                                }
                            }
                        };
                        eprintln!(
                            "bindings: {case} {imp} rep {}: {}",
                            rep + 1,
                            sample
                                .m
                                .get("msg_per_s")
                                .map(|r| format!("{r:.0} msg/s"))
                                .or(sample.error.clone())
                                .unwrap_or_default()
                        );
                        res.samples.push(sample);
                    }
                }
            }
        }
    }

    match node_ready(&root, &mut res.meta) {
        Err(why) => {
            eprintln!("bindings: Node not measured: {why}");
            res.meta.insert("node_skipped".into(), why);
        }
        Ok(()) => {
            let dir = root.join("node").display().to_string();
            for size in SIZES {
                let n = count(cfg, 300_000, 100_000);
                let case = format!("node-tcp-{size}");
                for rep in 0..cfg.reps {
                    // thr.js measures both libraries in one process, ferromq first; CPU time
                    // and peak memory cannot be told apart, so only msg/s is kept.
                    let argv: Vec<String> =
                        ["node", "bench/thr.js", &n.to_string(), &size.to_string()]
                            .iter()
                            .map(|s| s.to_string())
                            .collect();
                    let done = match spawn("thr.js", &argv, &[], Some(&dir), false) {
                        Ok(p) => finish_all(vec![p], timeout).remove(0),
                        Err(e) => {
                            for imp in ["ferromq", "zeromq"] {
                                res.samples.push(Sample::failed(&case, imp, rep, e.clone()));
                            }
                            continue;
                        }
                    };
                    for (imp, prefix) in [("ferromq", "ferromq"), ("zeromq", "zeromq")] {
                        let rate = done
                            .stdout
                            .lines()
                            .filter(|l| l.starts_with(prefix))
                            .find_map(rate_on);
                        let sample = match (done.success, rate) {
                            (true, Some(rate)) => {
                                let mut m = BTreeMap::new();
                                m.insert("msg_per_s".into(), rate);
                                m.insert("count".into(), n as f64);
                                Sample::ok(&case, imp, rep, m)
                            }
                            _ => Sample::failed(&case, imp, rep, done.why()),
                        };
                        eprintln!(
                            "bindings: {case} {imp} rep {}: {}",
                            rep + 1,
                            sample
                                .m
                                .get("msg_per_s")
                                .map(|r| format!("{r:.0} msg/s"))
                                .or(sample.error.clone())
                                .unwrap_or_default()
                        );
                        res.samples.push(sample);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::rate_on;

    #[test]
    fn reads_the_binding_scripts_rates() {
        assert_eq!(
            rate_on("ferromq  8 B:    1,375,349 msg/s      88.0 Mbit/s"),
            Some(1_375_349.0)
        );
        assert_eq!(
            rate_on("zeromq   8 B x 100000: 160,622 msg/s (10.3 Mb/s)"),
            Some(160_622.0)
        );
        assert_eq!(rate_on("ferromq / zeromq.js: 1.21x"), None);
    }
}
