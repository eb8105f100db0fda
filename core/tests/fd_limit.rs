//! Out of file descriptors, or past the context's MAX_SOCKETS: making a socket fails with
//! libzmq's EMFILE ("Too many open files"), not a generic I/O error, and the context keeps
//! working once descriptors or sockets are freed. A test binary of its own: it lowers this
//! process's descriptor limit.

use ferromq::{Context, ErrorKind, SocketType};

/// The descriptor limit is the whole process's: the tests of this file take turns.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` with the soft limit on open descriptors lowered to `limit`, then restores it.
fn with_fd_limit<T>(limit: u64, f: impl FnOnce() -> T) -> T {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with valid pointers to rlimit structs.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut old), 0);
        let lowered = libc::rlimit {
            rlim_cur: limit,
            rlim_max: old.rlim_max,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lowered), 0);
    }
    let result = f();
    // SAFETY: as above, restoring what getrlimit gave.
    unsafe { assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &old), 0) };
    result
}

fn open_descriptors() -> u64 {
    std::fs::read_dir("/proc/self/fd").map_or(0, |dir| dir.count() as u64)
}

#[test]
fn a_socket_without_a_descriptor_fails_with_emfile() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = Context::new();
    let first = ctx.socket(SocketType::Pair).unwrap();
    let (kept, error) = with_fd_limit(open_descriptors() + 16, || {
        let mut kept = Vec::new();
        loop {
            match ctx.socket(SocketType::Pair) {
                Ok(socket) => kept.push(socket),
                Err(e) => return (kept, e),
            }
            assert!(kept.len() < 100, "the descriptor limit was not reached");
        }
    });
    assert_eq!(error.kind(), ErrorKind::TooManyFiles, "{error}");
    assert_eq!(error.errno(), libc::EMFILE);
    assert_eq!(error.kind().code(), "EMFILE");
    assert!(error.to_string().contains("eventfd"), "{error}");
    assert!(!kept.is_empty());
    drop(kept);
    // Descriptors are back: sockets can be made and used again.
    let second = ctx.socket(SocketType::Pair).unwrap();
    first.bind("inproc://after-emfile").unwrap();
    second.connect("inproc://after-emfile").unwrap();
    second.send(ferromq::Frame::from(&b"back"[..]), 0).unwrap();
    assert_eq!(&first.recv(0).unwrap()[..], b"back");
}

#[test]
fn max_sockets_limits_the_open_sockets_as_libzmq_does() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = Context::new();
    assert_eq!(ctx.max_sockets(), ferromq::context::DEFAULT_MAX_SOCKETS);
    assert_eq!(
        ctx.set_max_sockets(0).unwrap_err().kind(),
        ErrorKind::Invalid
    );
    ctx.set_max_sockets(3).unwrap();
    let mut open: Vec<_> = (0..3)
        .map(|_| ctx.socket(SocketType::Pair).unwrap())
        .collect();
    let error = ctx.socket(SocketType::Pair).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::TooManyFiles, "{error}");
    assert_eq!(error.errno(), libc::EMFILE);
    open.pop().unwrap().close();
    open.push(ctx.socket(SocketType::Pair).unwrap());
    // Set once sockets exist: reported, but the limit stays (libzmq sized its table at the
    // first socket).
    ctx.set_max_sockets(10).unwrap();
    assert_eq!(ctx.max_sockets(), 10);
    assert_eq!(
        ctx.socket(SocketType::Pair).unwrap_err().kind(),
        ErrorKind::TooManyFiles
    );
}
