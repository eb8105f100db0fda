//! Each binding against its incumbent, through the binding teams' own scripts
//! (`python/bench/thr.py` and `lat.py`, `node/bench/thr.js` and `lat.js`, `ruby/bench/thr.rb`
//! and `lat.rb`), when they and the
//! packages are installed. Nothing found, nothing measured: the report then says "not
//! measured yet".

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::results::{Results, Sample};
use crate::runner::{finish_all, output_of, spawn};
use crate::Config;

/// The message sizes of the PUSH/PULL throughput runs.
pub const SIZES: [usize; 2] = [8, 1024];
/// The message size of the REQ/REP latency runs.
pub const LAT_SIZE: usize = 8;

/// Round trips per latency run.
pub fn lat_count(quick: bool) -> usize {
    if quick {
        5_000
    } else {
        20_000
    }
}

/// The test id of a binding's PUSH/PULL throughput run ("py-tcp-8").
pub fn thr_case(prefix: &str, size: usize) -> String {
    format!("{prefix}-tcp-{size}")
}

/// The test id of a binding's REQ/REP latency run ("py-reqrep-tcp-8").
pub fn lat_case(prefix: &str) -> String {
    format!("{prefix}-reqrep-tcp-{LAT_SIZE}")
}

/// The number written just before "msg/s" on a line ("1,375,349 msg/s").
fn rate_on(line: &str) -> Option<f64> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| w.starts_with("msg/s"))?;
    words.get(at.checked_sub(1)?)?.replace(',', "").parse().ok()
}

/// The round-trip mean and p99 (µs) on a lat script's line
/// ("ferromq  8 B: mean 31.2 us  p99 55.0 us  (20000 round trips)").
fn latency_on(line: &str) -> Option<(f64, f64)> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let after = |key: &str| -> Option<f64> {
        let at = words.iter().position(|w| *w == key)?;
        if words.get(at + 2) != Some(&"us") {
            return None;
        }
        words.get(at + 1)?.parse().ok()
    };
    Some((after("mean")?, after("p99")?))
}

fn count(cfg: &Config, full: usize, quick: usize) -> usize {
    if cfg.quick {
        quick
    } else {
        full
    }
}

fn python_ready(meta: &mut BTreeMap<String, String>) -> Result<(), String> {
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

/// Whether a binding script is there; if not, the report says so for `cases`.
fn script_ready(root: &Path, script: &str, cases: &[String], res: &mut Results) -> bool {
    if root.join(script).exists() {
        return true;
    }
    let why = format!("{script} is not there yet");
    eprintln!("bindings: {} not measured: {why}", cases.join(", "));
    for case in cases {
        res.meta.insert(format!("{case}_skipped"), why.clone());
    }
    false
}

/// What a binding script measures.
#[derive(Clone, Copy)]
pub(crate) enum Measure {
    /// msg/s, the thr scripts.
    Throughput,
    /// Round-trip mean and p99 in µs, the lat scripts.
    Latency,
}

/// The figures on the script's output lines that start with `prefix`.
fn figures(measure: Measure, stdout: &str, prefix: &str) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    let mut lines = stdout.lines().filter(|l| l.starts_with(prefix));
    match measure {
        Measure::Throughput => {
            if let Some(rate) = lines.find_map(rate_on) {
                m.insert("msg_per_s".into(), rate);
            }
        }
        Measure::Latency => {
            if let Some((mean, p99)) = lines.find_map(latency_on) {
                m.insert("rtt_mean_us".into(), mean);
                m.insert("rtt_p99_us".into(), p99);
            }
        }
    }
    m
}

/// One test of one library with a binding script measuring only that library (`argv`, run in
/// `dir`): its figures with the peak memory of the script and its child (and for throughput
/// their CPU time per message), or why it failed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_one(
    argv: &[String],
    dir: &str,
    measure: Measure,
    n: usize,
    case: &str,
    imp: &str,
    rep: usize,
    timeout: Duration,
) -> Sample {
    let label = Path::new(&argv[1])
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let done = match spawn(&label, argv, &[], Some(dir), false) {
        Ok(p) => finish_all(vec![p], timeout).remove(0),
        Err(e) => return Sample::failed(case, imp, rep, e),
    };
    let mut m = figures(measure, &done.stdout, "");
    if !done.success {
        return Sample::failed(case, imp, rep, done.why());
    }
    if m.is_empty() {
        return Sample::failed(
            case,
            imp,
            rep,
            format!("{label}: no result in output: {:?}", done.stdout),
        );
    }
    if let Measure::Throughput = measure {
        // Not per round trip: the start-up of the interpreter, the packages and the child
        // would outweigh the few thousand round trips of a latency run.
        m.insert("cpu_us_per_msg".into(), done.cpu_s * 1e6 / n as f64);
    }
    m.insert("rss_mib".into(), done.maxrss_kb as f64 / 1024.0);
    m.insert("count".into(), n as f64);
    Sample::ok(case, imp, rep, m)
}

pub(crate) fn progress(sample: &Sample) {
    let m = &sample.m;
    let what = if let Some(rate) = m.get("msg_per_s") {
        format!("{rate:.0} msg/s")
    } else if let (Some(mean), Some(p99)) = (m.get("rtt_mean_us"), m.get("rtt_p99_us")) {
        format!("round trip {mean:.1} us mean, {p99:.1} us p99")
    } else {
        sample.error.clone().unwrap_or_default()
    };
    eprintln!(
        "bindings: {} {} rep {}: {what}",
        sample.case,
        sample.imp,
        sample.rep + 1
    );
}

/// The two libraries in the order of repetition `rep`: the incumbent first when it is even,
/// FerroMQ first when odd, so drift hits both alike.
pub(crate) fn order(rep: usize, incumbent: &'static str) -> [&'static str; 2] {
    if rep % 2 == 0 {
        [incumbent, "ferromq"]
    } else {
        ["ferromq", incumbent]
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A binding whose scripts measure one library per process (`--count N --size N --lib L`),
/// run in the repository's root with `interpreter`.
pub(crate) struct PerProcess {
    /// The test ids' prefix ("py").
    prefix: &'static str,
    language: &'static str,
    interpreter: &'static str,
    thr_script: &'static str,
    lat_script: &'static str,
    /// `--lib` values: the incumbent's, and FerroMQ's.
    incumbent_lib: &'static str,
    ferromq_lib: &'static str,
    /// The incumbent's name in the results.
    incumbent: &'static str,
    /// Messages per throughput run (full, quick).
    thr_count: (usize, usize),
    ready: fn(&mut BTreeMap<String, String>) -> Result<(), String>,
}

const PYTHON: PerProcess = PerProcess {
    prefix: "py",
    language: "Python",
    interpreter: "python3",
    thr_script: "python/bench/thr.py",
    lat_script: "python/bench/lat.py",
    incumbent_lib: "zmq",
    ferromq_lib: "ferromq",
    incumbent: "pyzmq",
    thr_count: (500_000, 200_000),
    ready: python_ready,
};

const RUBY: PerProcess = PerProcess {
    prefix: "rb",
    language: "Ruby",
    interpreter: "ruby",
    thr_script: "ruby/bench/thr.rb",
    lat_script: "ruby/bench/lat.rb",
    incumbent_lib: "ffi-rzmq",
    ferromq_lib: "ferromq",
    incumbent: "ffi-rzmq",
    thr_count: (500_000, 100_000),
    ready: ruby_ready,
};

const PHP: PerProcess = PerProcess {
    prefix: "php",
    language: "PHP",
    interpreter: "php",
    thr_script: "php/bench/thr.php",
    lat_script: "php/bench/lat.php",
    incumbent_lib: "php-zmq",
    ferromq_lib: "ferromq",
    incumbent: "php-zmq",
    thr_count: (1_000_000, 200_000),
    ready: php_ready,
};

/// PUSH/PULL throughput at each size and REQ/REP latency, the two libraries alternated.
fn per_process(cfg: &Config, res: &mut Results, b: &PerProcess, wanted: &dyn Fn(&String) -> bool) {
    let root = &cfg.root;
    let root_s = root.display().to_string();
    let timeout = Duration::from_secs(180);
    let thr: Vec<String> = SIZES
        .iter()
        .map(|&size| thr_case(b.prefix, size))
        .filter(|c| wanted(c))
        .collect();
    let lat: Vec<String> = [lat_case(b.prefix)]
        .into_iter()
        .filter(|c| wanted(c))
        .collect();
    if thr.is_empty() && lat.is_empty() {
        return; // not asked for
    }
    if let Err(why) = (b.ready)(&mut res.meta) {
        eprintln!("bindings: {} not measured: {why}", b.language);
        res.meta
            .insert(format!("{}_skipped", b.language.to_lowercase()), why);
        return;
    }
    let thr_ready = !thr.is_empty() && script_ready(root, b.thr_script, &thr, res);
    let lat_ready = !lat.is_empty() && script_ready(root, b.lat_script, &lat, res);
    let imp = |lib: &str| {
        if lib == b.incumbent_lib {
            b.incumbent
        } else {
            "ferromq"
        }
    };
    // One run: `script` on `lib` with `n` messages of `size` bytes.
    let mut measure = |script: &str, measure: Measure, case: &str, n: usize, size: usize| {
        for rep in 0..cfg.reps {
            let [first, second] = order(rep, b.incumbent_lib);
            for lib in [first, second] {
                let lib = if lib == "ferromq" { b.ferromq_lib } else { lib };
                let argv = strings(&[
                    b.interpreter,
                    script,
                    "--count",
                    &n.to_string(),
                    "--size",
                    &size.to_string(),
                    "--lib",
                    lib,
                ]);
                let sample = run_one(&argv, &root_s, measure, n, case, imp(lib), rep, timeout);
                progress(&sample);
                res.samples.push(sample);
            }
        }
    };
    if thr_ready {
        for size in SIZES {
            let case = thr_case(b.prefix, size);
            if thr.contains(&case) {
                let n = count(cfg, b.thr_count.0, b.thr_count.1);
                measure(b.thr_script, Measure::Throughput, &case, n, size);
            }
        }
    }
    if lat_ready {
        let n = lat_count(cfg.quick);
        measure(
            b.lat_script,
            Measure::Latency,
            &lat_case(b.prefix),
            n,
            LAT_SIZE,
        );
    }
}

fn ruby_ready(meta: &mut BTreeMap<String, String>) -> Result<(), String> {
    let probe = "require 'ffi-rzmq'; print RUBY_VERSION, ' ', LibZMQ.version.values.join('.')";
    let out = output_of(&["ruby", "-e", probe]).ok_or("ruby or ffi-rzmq is not installed")?;
    let v: Vec<&str> = out.split_whitespace().collect();
    if v.len() == 2 {
        meta.insert("ruby".into(), v[0].into());
        meta.insert("ffi_rzmq".into(), format!("libzmq {}", v[1]));
    }
    if !std::path::Path::new("ruby/lib/ferromq/ferromq_native.so").exists() {
        return Err("the Ruby gem's extension is not built (ruby/build-native.sh)".into());
    }
    Ok(())
}

fn php_ready(meta: &mut BTreeMap<String, String>) -> Result<(), String> {
    let probe = "echo PHP_VERSION, ' ', phpversion('zmq'), ' ', ZMQ::LIBZMQ_VER;";
    let out = output_of(&["php", "-r", probe]).ok_or("php or php-zmq is not installed")?;
    let v: Vec<&str> = out.split_whitespace().collect();
    if v.len() == 3 {
        meta.insert("php".into(), v[0].into());
        meta.insert("php_zmq".into(), format!("{}, libzmq {}", v[1], v[2]));
    }
    if !std::path::Path::new("php/modules/ferromq.so").exists() {
        return Err("the PHP extension is not built (php/tools/build.sh)".into());
    }
    Ok(())
}

pub fn run(cfg: &Config, res: &mut Results) {
    // BENCH_ONLY picks tests by a substring of their id, as for the core tests.
    let wanted = |case: &String| cfg.only.as_ref().is_none_or(|o| case.contains(o.as_str()));
    let root = cfg.root.clone();
    let timeout = Duration::from_secs(180);

    for binding in [&PYTHON, &RUBY, &PHP] {
        per_process(cfg, res, binding, &wanted);
    }

    let node_thr: Vec<String> = SIZES
        .iter()
        .map(|&size| thr_case("node", size))
        .filter(wanted)
        .collect();
    let node_lat: Vec<String> = [lat_case("node")].into_iter().filter(wanted).collect();
    if node_thr.is_empty() && node_lat.is_empty() {
        // Not asked for.
    } else if let Err(why) = node_ready(&root, &mut res.meta) {
        eprintln!("bindings: Node not measured: {why}");
        res.meta.insert("node_skipped".into(), why);
    } else {
        let dir = root.join("node").display().to_string();
        if script_ready(&root, "node/bench/thr.js", &node_thr, res) {
            for size in SIZES {
                let case = thr_case("node", size);
                if !node_thr.contains(&case) {
                    continue;
                }
                let n = count(cfg, 300_000, 100_000);
                for rep in 0..cfg.reps {
                    // thr.js measures both libraries in one process, ferromq first; CPU time
                    // and peak memory cannot be told apart, so only msg/s is kept.
                    let argv =
                        strings(&["node", "bench/thr.js", &n.to_string(), &size.to_string()]);
                    let done = match spawn("thr.js", &argv, &[], Some(&dir), false) {
                        Ok(p) => finish_all(vec![p], timeout).remove(0),
                        Err(e) => {
                            for imp in ["ferromq", "zeromq"] {
                                res.samples.push(Sample::failed(&case, imp, rep, e.clone()));
                            }
                            continue;
                        }
                    };
                    for imp in ["ferromq", "zeromq"] {
                        let mut m = figures(Measure::Throughput, &done.stdout, imp);
                        let sample = if done.success && !m.is_empty() {
                            m.insert("count".into(), n as f64);
                            Sample::ok(&case, imp, rep, m)
                        } else {
                            Sample::failed(&case, imp, rep, done.why())
                        };
                        progress(&sample);
                        res.samples.push(sample);
                    }
                }
            }
        }
        if !node_lat.is_empty() && script_ready(&root, "node/bench/lat.js", &node_lat, res) {
            // lat.js measures the libraries named by --lib: one per process here, alternated,
            // so each gets its own CPU time and peak memory.
            let case = lat_case("node");
            let n = lat_count(cfg.quick);
            for rep in 0..cfg.reps {
                for lib in order(rep, "zeromq") {
                    let argv = strings(&[
                        "node",
                        "bench/lat.js",
                        "--count",
                        &n.to_string(),
                        "--size",
                        &LAT_SIZE.to_string(),
                        "--lib",
                        lib,
                    ]);
                    let sample =
                        run_one(&argv, &dir, Measure::Latency, n, &case, lib, rep, timeout);
                    progress(&sample);
                    res.samples.push(sample);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{figures, latency_on, rate_on, Measure};

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

    #[test]
    fn reads_the_binding_scripts_latencies() {
        assert_eq!(
            latency_on("ferromq  8 B: mean 31.2 us  p99 55.0 us  (20000 round trips)"),
            Some((31.2, 55.0))
        );
        assert_eq!(
            latency_on("zeromq   8 B: mean 86.4 us  p99 1158.4 us  (5000 round trips)"),
            Some((86.4, 1158.4))
        );
        assert_eq!(
            latency_on("ratio ferromq / zeromq.js (lower is better): mean 0.61x  p99 0.08x"),
            None
        );
        assert_eq!(latency_on("ferromq  8 B: mean 31.2 us"), None);
        assert_eq!(latency_on("ferromq  8 B:    1,375,349 msg/s"), None);
    }

    #[test]
    fn takes_each_librarys_own_line() {
        let out = "ferromq  8 B x 1000: 200,000 msg/s (12.8 Mb/s)\n\
                   zeromq   8 B x 1000: 100,000 msg/s (6.4 Mb/s)\n\
                   ferromq / zeromq.js: 2.00x\n";
        let rate = |prefix| {
            figures(Measure::Throughput, out, prefix)
                .get("msg_per_s")
                .copied()
        };
        assert_eq!(rate("ferromq"), Some(200_000.0));
        assert_eq!(rate("zeromq"), Some(100_000.0));
        let out = "zmq      8 B: mean 52.3 us  p99 97.6 us  (5000 round trips)\n";
        let m = figures(Measure::Latency, out, "");
        assert_eq!(m.get("rtt_mean_us"), Some(&52.3));
        assert_eq!(m.get("rtt_p99_us"), Some(&97.6));
        assert!(figures(Measure::Latency, out, "ferromq").is_empty());
    }
}
