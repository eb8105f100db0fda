//! Conversions between core values and Erlang terms: errors as erlzmq2's `{error, Atom}`,
//! frames as binaries and binaries as frames (large ones without a copy either way).

use bytes::Bytes;
use ferromq::{Error, Frame};
use rustler::env::OwnedEnv;
use rustler::{Atom, Binary, Encoder, Env, NewBinary, ResourceArc, Term};

/// Binaries at least this large are sent without a copy (the core holds a reference to the
/// Erlang binary); smaller ones are copied, which costs less than the environment that holds
/// the reference. pyzmq's copy threshold has the same value.
pub const SHARE_MIN: usize = 64 * 1024;

/// Frames at least this large reach Erlang as resource binaries over the core's buffer (no
/// copy); smaller ones are copied (a copy is cheaper than a resource, and Erlang keeps
/// binaries of up to 64 bytes on the process heap anyway). The threshold also bounds how much
/// of a 64 KiB read buffer a kept sub-binary can pin.
pub const ZERO_COPY_MIN: usize = 8 * 1024;

/// The owner of a large received payload, kept alive by the Erlang binaries that point into it.
pub struct FrameBuf(pub Bytes);

#[rustler::resource_impl]
impl rustler::Resource for FrameBuf {}

/// A received frame as an Erlang binary.
pub fn frame_to_term<'a>(env: Env<'a>, frame: Frame) -> Term<'a> {
    if frame.len() >= ZERO_COPY_MIN {
        let owner = ResourceArc::new(FrameBuf(frame.into_bytes()));
        owner.make_binary(env, |buf| &buf.0[..]).to_term(env)
    } else {
        let mut bin = NewBinary::new(env, frame.len());
        bin.as_mut_slice().copy_from_slice(frame.as_slice());
        bin.into()
    }
}

/// An Erlang binary the core holds without a copy: a process-independent environment keeps
/// a reference to it (copying a large binary's term into it shares the binary's bytes).
struct SharedBinary {
    _env: OwnedEnv,
    data: *const u8,
    len: usize,
}

// SAFETY: the `len` bytes at `data` belong to a binary that the environment references, so
// they stay valid and unchanged (Erlang binaries are immutable) until it is freed, which
// `enif_free_env` may do from any thread.
unsafe impl Send for SharedBinary {}

impl AsRef<[u8]> for SharedBinary {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: see `unsafe impl Send`: valid for as long as `self` lives.
        unsafe { std::slice::from_raw_parts(self.data, self.len) }
    }
}

/// A binary being sent as a frame: copied when small, shared (no copy) when large.
pub fn binary_to_frame<'a>(env: Env<'a>, data: Binary<'a>) -> Frame {
    if data.len() < SHARE_MIN {
        return Frame::copy_from_slice(data.as_slice());
    }
    let owner = OwnedEnv::new();
    let saved = owner.save(data.to_term(env));
    let shared = owner.run(|env| {
        saved
            .load(env)
            .decode::<Binary>()
            .ok()
            .map(|bin| (bin.as_slice().as_ptr(), bin.len()))
    });
    match shared {
        Some((data, len)) => Frame::from(Bytes::from_owner(SharedBinary {
            _env: owner,
            data,
            len,
        })),
        None => Frame::copy_from_slice(data.as_slice()),
    }
}

/// erlzmq2's reason atom for a core error: libzmq's code in lower case (`eagain`, `efsm`,
/// `eterm`, `eaddrinuse`, `enotsock`…).
pub fn reason<'a>(env: Env<'a>, err: &Error) -> Term<'a> {
    let code = err.kind().code().to_ascii_lowercase();
    match Atom::from_str(env, &code) {
        Ok(atom) => atom.encode(env),
        Err(_) => crate::atoms::eio().encode(env),
    }
}

/// `{error, Reason}`.
pub fn error_tuple<'a>(env: Env<'a>, err: &Error) -> Term<'a> {
    (crate::atoms::error(), reason(env, err)).encode(env)
}
