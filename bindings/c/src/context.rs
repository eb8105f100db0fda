//! zmq_ctx_*: a context starts its I/O threads with its first socket, so that zmq_ctx_set
//! can still change their number, as in libzmq.

use std::ffi::{c_int, c_void};
use std::ptr;

use ferromq::{Context, SocketType};

use crate::errno::{fail, fail_with, guard, set_errno, EINVAL, ETERM_ERRNO};
use crate::handles::{ContextHandle, Found, Handle, SocketHandle};

const IO_THREADS: c_int = 1;
const MAX_SOCKETS: c_int = 2;
const SOCKET_LIMIT: c_int = 3;
const THREAD_PRIORITY: c_int = 3; // (sic: libzmq gives both the number 3)
const THREAD_SCHED_POLICY: c_int = 4;
const MAX_MSGSZ: c_int = 5;
const MSG_T_SIZE: c_int = 6;
const THREAD_AFFINITY_CPU_ADD: c_int = 7;
const THREAD_AFFINITY_CPU_REMOVE: c_int = 8;
const IPV6: c_int = 42;
const BLOCKY: c_int = 70;

#[no_mangle]
pub extern "C" fn zmq_ctx_new() -> *mut c_void {
    guard(ptr::null_mut(), || ContextHandle::new_raw(1))
}

#[no_mangle]
pub extern "C" fn zmq_init(io_threads: c_int) -> *mut c_void {
    guard(ptr::null_mut(), || {
        if io_threads < 0 {
            set_errno(EINVAL);
            return ptr::null_mut();
        }
        ContextHandle::new_raw(io_threads)
    })
}

/// Terminates: blocks until every socket of the context is closed and has sent what it
/// queued within its LINGER, then frees the context.
#[no_mangle]
pub extern "C" fn zmq_ctx_term(context: *mut c_void) -> c_int {
    guard(-1, || {
        let handle = match ContextHandle::find(context) {
            Found::Here(handle) => handle,
            // The parent's context, in a forked child: let go, untouched.
            Found::Inherited => return 0,
            Found::Invalid => return -1,
        };
        let started = {
            let mut state = handle.state.lock().unwrap_or_else(|e| e.into_inner());
            state.terminated = true;
            state.context.clone()
        };
        if let Some(ctx) = started {
            ctx.term();
        }
        // SAFETY: the context is no longer used: its sockets are closed (term waited).
        unsafe { ContextHandle::free(context) };
        0
    })
}

#[no_mangle]
pub extern "C" fn zmq_term(context: *mut c_void) -> c_int {
    zmq_ctx_term(context)
}

#[no_mangle]
pub extern "C" fn zmq_ctx_destroy(context: *mut c_void) -> c_int {
    zmq_ctx_term(context)
}

/// Makes blocking calls on the context's sockets return ETERM; does not block.
#[no_mangle]
pub extern "C" fn zmq_ctx_shutdown(context: *mut c_void) -> c_int {
    guard(-1, || {
        let Some(handle) = ContextHandle::from_ptr(context) else {
            return -1;
        };
        let mut state = handle.state.lock().unwrap_or_else(|e| e.into_inner());
        state.terminated = true;
        if let Some(ctx) = &state.context {
            ctx.shutdown();
        }
        0
    })
}

#[no_mangle]
pub extern "C" fn zmq_ctx_set(context: *mut c_void, option: c_int, value: c_int) -> c_int {
    guard(-1, || {
        let Some(handle) = ContextHandle::from_ptr(context) else {
            return -1;
        };
        let mut state = handle.state.lock().unwrap_or_else(|e| e.into_inner());
        match option {
            IO_THREADS if value >= 0 => state.io_threads = value,
            MAX_SOCKETS if value >= 1 => {
                if let Some(ctx) = &state.context {
                    if let Err(e) = ctx.set_max_sockets(value as usize) {
                        return fail(&e);
                    }
                }
                state.max_sockets = value;
            }
            THREAD_PRIORITY if value >= -1 => state.thread_priority = value,
            THREAD_SCHED_POLICY if value >= -1 => state.thread_sched_policy = value,
            THREAD_AFFINITY_CPU_ADD | THREAD_AFFINITY_CPU_REMOVE if value >= 0 => {}
            MAX_MSGSZ if value >= 0 => state.max_msgsz = value,
            IPV6 if value == 0 || value == 1 => state.ipv6 = value == 1,
            BLOCKY if value == 0 || value == 1 => state.blocky = value == 1,
            _ => return fail_with(EINVAL),
        }
        0
    })
}

#[no_mangle]
pub extern "C" fn zmq_ctx_get(context: *mut c_void, option: c_int) -> c_int {
    guard(-1, || {
        let Some(handle) = ContextHandle::from_ptr(context) else {
            return -1;
        };
        let state = handle.state.lock().unwrap_or_else(|e| e.into_inner());
        match option {
            IO_THREADS => state.io_threads,
            MAX_SOCKETS => state.max_sockets,
            // ZMQ_THREAD_PRIORITY has SOCKET_LIMIT's number; reading it gives the limit, as
            // in libzmq.
            SOCKET_LIMIT => ferromq::SOCKET_LIMIT as c_int,
            THREAD_SCHED_POLICY => state.thread_sched_policy,
            MAX_MSGSZ => state.max_msgsz,
            MSG_T_SIZE => std::mem::size_of::<[u8; 64]>() as c_int,
            IPV6 => c_int::from(state.ipv6),
            BLOCKY => c_int::from(state.blocky),
            _ => fail_with(EINVAL),
        }
    })
}

/// zmq_socket: starts the context on its first socket; applies the context's IPV6 and
/// BLOCKY (LINGER 0 for new sockets when not blocky).
#[no_mangle]
pub extern "C" fn zmq_socket(context: *mut c_void, socket_type: c_int) -> *mut c_void {
    guard(ptr::null_mut(), || {
        let Some(handle) = ContextHandle::from_ptr(context) else {
            return ptr::null_mut();
        };
        let mut state = handle.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.terminated {
            set_errno(ETERM_ERRNO);
            return ptr::null_mut();
        }
        let Some(kind) = SocketType::from_raw(socket_type) else {
            set_errno(EINVAL);
            return ptr::null_mut();
        };
        if state.context.is_none() {
            match Context::with_io_threads(state.io_threads.max(1) as usize) {
                Ok(ctx) => {
                    if let Err(e) = ctx.set_max_sockets(state.max_sockets as usize) {
                        fail(&e);
                        return ptr::null_mut();
                    }
                    state.context = Some(ctx);
                }
                Err(e) => {
                    fail(&e);
                    return ptr::null_mut();
                }
            }
        }
        let ctx = state.context.as_ref().expect("started above");
        let socket = match ctx.socket(kind) {
            Ok(socket) => socket,
            Err(e) => {
                fail(&e);
                return ptr::null_mut();
            }
        };
        if state.ipv6 {
            let _ = socket.set_option(ferromq::SocketOption::Ipv6, 1);
        }
        if !state.blocky {
            let _ = socket.set_option(ferromq::SocketOption::Linger, 0);
        }
        SocketHandle::new_raw(socket)
    })
}
