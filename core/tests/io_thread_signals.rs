//! Signals, as libzmq treats them: the I/O threads block every signal, so that a process's
//! signals reach the application's threads and never a FerroMQ thread; and a signal handler
//! running in a thread blocked in a receive ends that call with EINTR.

use std::time::{Duration, Instant};

use ferromq::{Context, ErrorKind, SocketType};

/// The blocked-signals mask of each thread of this process named `name`.
fn blocked_masks(name: &str) -> Vec<u64> {
    let mut masks = vec![];
    for task in std::fs::read_dir("/proc/self/task").unwrap() {
        let dir = task.unwrap().path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        let status = std::fs::read_to_string(dir.join("status")).unwrap();
        let line = status.lines().find(|l| l.starts_with("SigBlk:")).unwrap();
        masks.push(u64::from_str_radix(line.split_whitespace().nth(1).unwrap(), 16).unwrap());
    }
    masks
}

#[test]
fn io_threads_block_signals() {
    let ctx = Context::with_io_threads(2).unwrap();
    let socket = ctx.socket(SocketType::Pull).unwrap();
    socket.bind("tcp://127.0.0.1:*").unwrap();
    // The threads name themselves as they start.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut masks = blocked_masks("ferromq-io");
    while masks.len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        masks = blocked_masks("ferromq-io");
    }
    // (Other tests' contexts may have threads of that name too.)
    assert!(masks.len() >= 2, "two I/O threads at least");
    for mask in masks {
        for signal in [
            libc::SIGINT,
            libc::SIGALRM,
            libc::SIGTERM,
            libc::SIGUSR1,
            libc::SIGCHLD,
        ] {
            assert_ne!(
                mask & (1 << (signal - 1)),
                0,
                "signal {signal} is not blocked"
            );
        }
    }
}

extern "C" fn ignore(_: libc::c_int) {}

#[test]
fn a_signal_interrupts_a_blocking_receive() {
    let ctx = Context::new();
    let socket = ctx.socket(SocketType::Pull).unwrap();
    socket.bind("inproc://interrupted").unwrap();
    // SAFETY: installs a handler that does nothing (no SA_RESTART, as PHP's and Python's
    // handlers), and signals this very thread, which is blocked in recv by then.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = ignore as *const () as usize;
        libc::sigaction(libc::SIGUSR2, &action, std::ptr::null_mut());
    }
    let target = unsafe { libc::pthread_self() };
    let signaller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        // SAFETY: the target thread outlives this call (it joins this thread afterwards).
        unsafe { libc::pthread_kill(target, libc::SIGUSR2) };
    });
    let started = Instant::now();
    let error = socket.recv(0).unwrap_err();
    signaller.join().unwrap();
    assert_eq!(error.kind(), ErrorKind::Interrupted);
    assert!(started.elapsed() < Duration::from_secs(5));
}
