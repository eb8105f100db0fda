//! Conversions between core values and Erlang terms: errors as erlzmq2's `{error, Atom}`,
//! frames as binaries (large ones without a copy).

use bytes::Bytes;
use ferromq::{Error, Frame};
use rustler::{Atom, Encoder, Env, NewBinary, ResourceArc, Term};

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
