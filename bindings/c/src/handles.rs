//! The opaque pointers C programs hold: a context and a socket are boxes with a tag in
//! their first field, checked on every call as libzmq checks its own (EFAULT for a pointer
//! that is not one, NULL included). Each records the fork generation it was made in
//! (`ferromq::fork`): in a forked child, the parent's context and sockets answer ETERM,
//! and closing or terminating them lets them go without waiting for the parent's threads.

use std::ffi::{c_int, c_void};
use std::sync::{Arc, Mutex};

use ferromq::{Context, Socket};

use crate::errno::{set_errno, EFAULT, ETERM_ERRNO};

pub const CONTEXT_TAG: u32 = 0xabad_cafe;
pub const SOCKET_TAG: u32 = 0xbadd_ecaf;
const DEAD_TAG: u32 = 0xdead_beef;

/// What `zmq_ctx_set` configures before the context starts (libzmq starts its I/O threads
/// with the first socket), and the core context once started.
pub struct ContextState {
    pub io_threads: c_int,
    pub max_sockets: c_int,
    pub ipv6: bool,
    pub blocky: bool,
    pub max_msgsz: c_int,
    pub thread_priority: c_int,
    pub thread_sched_policy: c_int,
    pub context: Option<Context>,
    pub terminated: bool,
}

#[repr(C)]
pub struct ContextHandle {
    tag: u32,
    generation: u64,
    pub state: Mutex<ContextState>,
}

#[repr(C)]
pub struct SocketHandle {
    tag: u32,
    generation: u64,
    pub socket: Arc<Socket>,
}

/// How a handle looks from this process.
pub enum Found<'a, T> {
    Here(&'a T),
    /// Made by the parent of this forked process.
    Inherited,
    /// Not a handle of this kind (errno set).
    Invalid,
}

fn current_generation() -> u64 {
    ferromq::fork::install();
    ferromq::fork::generation()
}

/// What the two kinds of handle share: a tag, the fork generation, libzmq's errno for a
/// pointer that is not one.
pub trait Handle: Sized {
    const TAG: u32;
    const NOT_ONE: c_int;
    fn tag(&self) -> u32;
    fn generation(&self) -> u64;

    /// The handle behind `ptr`, or its errno set: NOT_ONE if it is not one, ETERM if the
    /// parent of this forked process made it.
    fn from_ptr<'a>(ptr: *mut c_void) -> Option<&'a Self> {
        match Self::find(ptr) {
            Found::Here(handle) => Some(handle),
            Found::Inherited => {
                set_errno(ETERM_ERRNO);
                None
            }
            Found::Invalid => None,
        }
    }

    fn find<'a>(ptr: *mut c_void) -> Found<'a, Self> {
        // SAFETY: as libzmq: a non-null pointer is read as a handle and trusted if its
        // first field carries the tag; anything else is NOT_ONE.
        let handle = unsafe { ptr.cast::<Self>().as_ref() };
        match handle {
            Some(h) if h.tag() == Self::TAG && h.generation() == current_generation() => {
                Found::Here(h)
            }
            Some(h) if h.tag() == Self::TAG => Found::Inherited,
            _ => {
                set_errno(Self::NOT_ONE);
                Found::Invalid
            }
        }
    }
}

impl Handle for ContextHandle {
    const TAG: u32 = CONTEXT_TAG;
    const NOT_ONE: c_int = EFAULT;
    fn tag(&self) -> u32 {
        self.tag
    }
    fn generation(&self) -> u64 {
        self.generation
    }
}

impl Handle for SocketHandle {
    const TAG: u32 = SOCKET_TAG;
    const NOT_ONE: c_int = libc::ENOTSOCK;
    fn tag(&self) -> u32 {
        self.tag
    }
    fn generation(&self) -> u64 {
        self.generation
    }
}

impl ContextHandle {
    pub fn new_raw(io_threads: c_int) -> *mut c_void {
        let handle = Box::new(ContextHandle {
            tag: CONTEXT_TAG,
            generation: current_generation(),
            state: Mutex::new(ContextState {
                io_threads,
                max_sockets: ferromq::DEFAULT_MAX_SOCKETS as c_int,
                ipv6: false,
                blocky: true,
                max_msgsz: c_int::MAX,
                thread_priority: -1,
                thread_sched_policy: -1,
                context: None,
                terminated: false,
            }),
        });
        Box::into_raw(handle).cast()
    }

    /// Frees the handle (zmq_ctx_term).
    ///
    /// # Safety
    /// `ptr` must be a live context handle, used by no other thread after this.
    pub unsafe fn free(ptr: *mut c_void) {
        let handle = ptr.cast::<ContextHandle>();
        (*handle).tag = DEAD_TAG;
        drop(Box::from_raw(handle));
    }
}

impl SocketHandle {
    pub fn new_raw(socket: Socket) -> *mut c_void {
        Box::into_raw(Box::new(SocketHandle {
            tag: SOCKET_TAG,
            generation: current_generation(),
            socket: Arc::new(socket),
        }))
        .cast()
    }

    /// Frees the handle (zmq_close), closing the socket (its LINGER then applies).
    ///
    /// # Safety
    /// `ptr` must be a live socket handle, used by no other thread after this.
    pub unsafe fn free(ptr: *mut c_void) {
        let handle = ptr.cast::<SocketHandle>();
        (*handle).tag = DEAD_TAG;
        let handle = Box::from_raw(handle);
        handle.socket.close();
    }
}
