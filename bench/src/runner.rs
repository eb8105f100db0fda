//! Runs benchmark processes: spawns them, reaps them with `wait4` to get each one's CPU time
//! and peak RSS, kills them at a deadline, and samples a process's RSS over time.

use std::io::Read;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// A process that was started and has not been reaped yet.
pub struct Proc {
    pid: libc::pid_t,
    label: String,
    stdout: JoinHandle<String>,
    stderr: JoinHandle<String>,
    /// Held open while the process should keep its connection (PERF_HOLD=1).
    stdin: Option<ChildStdin>,
    done: Option<Finished>,
}

/// What a process left behind.
#[derive(Clone, Debug, Default)]
pub struct Finished {
    pub label: String,
    pub success: bool,
    pub status: String,
    pub stdout: String,
    pub stderr: String,
    /// User + system CPU seconds (of the process and the children it reaped).
    pub cpu_s: f64,
    /// Peak resident set size (VmHWM), KiB.
    pub maxrss_kb: u64,
}

impl Finished {
    /// The first `key=value` in the output with this key.
    pub fn value(&self, key: &str) -> Option<f64> {
        parse_kv(&self.stdout, key)
    }

    /// A one-line reason for a failure.
    pub fn why(&self) -> String {
        let last = self
            .stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        format!("{} {}: {}", self.label, self.status, last.trim())
    }
}

pub fn parse_kv(text: &str, key: &str) -> Option<f64> {
    text.split_whitespace()
        .filter_map(|tok| tok.split_once('='))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.parse().ok())
}

fn reader(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// Starts `argv` (with `env` added) in `dir`, stdout and stderr captured. A `hold` process
/// gets PERF_HOLD=1 and a stdin pipe that [`finish_all`] closes once another process ends.
pub fn spawn(
    label: &str,
    argv: &[String],
    env: &[(&str, String)],
    dir: Option<&str>,
    hold: bool,
) -> Result<Proc, String> {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .stdin(if hold { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if hold {
        cmd.env("PERF_HOLD", "1");
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", argv[0]))?;
    let stdout = reader(child.stdout.take().expect("piped stdout"));
    let stderr = reader(child.stderr.take().expect("piped stderr"));
    // The child is reaped with wait4 below, not through `child`.
    Ok(Proc {
        pid: child.id() as libc::pid_t,
        label: label.to_string(),
        stdout,
        stderr,
        stdin: child.stdin.take(),
        done: None,
    })
}

impl Proc {
    pub fn pid(&self) -> libc::pid_t {
        self.pid
    }

    /// Reaps the process if it has exited; true once it has.
    pub fn poll(&mut self) -> bool {
        if self.done.is_some() {
            return true;
        }
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value; wait4 fills it in.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: plain syscall on our own child, with valid out-pointers.
        let rc = unsafe { libc::wait4(self.pid, &mut status, libc::WNOHANG, &mut ru) };
        if rc == 0 {
            return false;
        }
        let cpu = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
        let (success, status) = if rc < 0 {
            (false, "lost".to_string())
        } else if libc::WIFEXITED(status) {
            let code = libc::WEXITSTATUS(status);
            (code == 0, format!("exit {code}"))
        } else if libc::WIFSIGNALED(status) {
            (false, format!("signal {}", libc::WTERMSIG(status)))
        } else {
            (false, format!("status {status}"))
        };
        self.done = Some(Finished {
            label: self.label.clone(),
            success,
            status,
            cpu_s: cpu(ru.ru_utime) + cpu(ru.ru_stime),
            maxrss_kb: ru.ru_maxrss.max(0) as u64,
            ..Finished::default()
        });
        true
    }

    /// Closes the process's stdin: a held sender may now close its socket and exit.
    pub fn release(&mut self) {
        self.stdin = None;
    }

    pub fn kill(&self) {
        if self.done.is_none() {
            // SAFETY: signals our own, not yet reaped, child.
            unsafe { libc::kill(self.pid, libc::SIGKILL) };
        }
    }

    /// Waits until the process exits, or kills it at `deadline`.
    pub fn finish(mut self, deadline: Instant) -> Finished {
        while !self.poll() {
            if Instant::now() + Duration::from_millis(500) >= deadline {
                self.release();
            }
            if Instant::now() >= deadline {
                self.kill();
                while !self.poll() {
                    thread::sleep(Duration::from_millis(2));
                }
                let mut done = self.take();
                done.success = false;
                done.status = format!("timed out ({})", done.status);
                return done;
            }
            thread::sleep(Duration::from_millis(2));
        }
        self.take()
    }

    fn take(self) -> Finished {
        let mut done = self.done.expect("reaped");
        done.stdout = self.stdout.join().unwrap_or_default();
        done.stderr = self.stderr.join().unwrap_or_default();
        done
    }
}

/// Waits for all of `procs` until `timeout` from now; past it, kills the rest. Once one
/// has ended, the others' stdin is closed (held senders may leave); if one failed, the
/// others are given a second more, then killed (a receiver would wait forever).
pub fn finish_all(procs: Vec<Proc>, timeout: Duration) -> Vec<Finished> {
    let mut deadline = Instant::now() + timeout;
    let mut procs = procs;
    loop {
        let mut all_done = true;
        let mut any_done = false;
        for p in procs.iter_mut() {
            if p.poll() {
                any_done = true;
                if p.done.as_ref().is_some_and(|d| !d.success) {
                    deadline = deadline.min(Instant::now() + Duration::from_secs(1));
                }
            } else {
                all_done = false;
            }
        }
        if any_done {
            procs.iter_mut().for_each(Proc::release);
        }
        if all_done || Instant::now() >= deadline {
            break;
        }
        thread::sleep(Duration::from_millis(2));
    }
    procs.into_iter().map(|p| p.finish(deadline)).collect()
}

/// Resident set size of a live process, KiB (VmRSS).
pub fn rss_kb(pid: libc::pid_t) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A fresh loopback TCP port, checked free just before use.
pub fn free_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let _ = NEXT.compare_exchange(
        0,
        20_000 + (std::process::id() % 20_000) as u16,
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
    loop {
        let port = NEXT.fetch_add(1, Ordering::Relaxed);
        if port >= 60_000 {
            NEXT.store(20_000, Ordering::Relaxed);
            continue;
        }
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Runs a command to completion and returns its stdout (trimmed), or None.
pub fn output_of(argv: &[&str]) -> Option<String> {
    let out = Command::new(argv[0]).args(&argv[1..]).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
