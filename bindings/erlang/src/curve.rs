//! CURVE keys and Z85 (RFC 32) for `erlzmq:curve_keypair/0`, `curve_public/1`,
//! `z85_encode/1` and `z85_decode/1`: the core's (`ferromq::curve_keys`, `ferromq::z85`);
//! only conversions here. erlzmq.erl checks the lengths first (erlzmq2 raises `badarg` for
//! a length that is not a multiple of 4, resp. 5).

use ferromq::{Error, ErrorKind};
use rustler::{Binary, Encoder, Env, NewBinary, Term};

use crate::atoms;
use crate::convert::error_tuple;
use crate::reactor::ok_tuple;

/// A new Erlang binary holding `bytes`.
pub fn binary<'a>(env: Env<'a>, bytes: &[u8]) -> Term<'a> {
    let mut bin = NewBinary::new(env, bytes.len());
    bin.as_mut_slice().copy_from_slice(bytes);
    bin.into()
}

fn einval<'a>(env: Env<'a>, what: &str) -> Term<'a> {
    error_tuple(env, &Error::new(ErrorKind::Invalid, what.to_string()))
}

/// `curve_keypair() -> {ok, Public, Secret}`: a new long-term key pair, 40 Z85 characters
/// each (erlzmq2's result). The core wipes its copy of the secret when it is dropped; the
/// Erlang binary is the caller's.
#[rustler::nif]
fn curve_keypair(env: Env<'_>) -> Term<'_> {
    let (public, secret) = ferromq::curve_keys::curve_keypair();
    (
        atoms::ok(),
        binary(env, public.as_bytes()),
        binary(env, secret.as_bytes()),
    )
        .encode(env)
}

/// `curve_public(Secret) -> {ok, Public} | {error, einval}`: the public key of a Z85
/// secret key (libzmq's zmq_curve_public).
#[rustler::nif]
fn curve_public<'a>(env: Env<'a>, secret: Binary<'a>) -> Term<'a> {
    let Ok(text) = std::str::from_utf8(secret.as_slice()) else {
        return einval(env, "the secret key is not Z85 text");
    };
    match ferromq::curve_keys::curve_public(text) {
        Ok(public) => ok_tuple(env, binary(env, public.as_bytes())),
        Err(e) => error_tuple(env, &e),
    }
}

/// `z85_encode(Data) -> {ok, Text} | {error, einval}` (einval: a length that is not a
/// multiple of 4).
#[rustler::nif]
fn z85_encode<'a>(env: Env<'a>, data: Binary<'a>) -> Term<'a> {
    match ferromq::z85::encode(data.as_slice()) {
        Some(text) => ok_tuple(env, binary(env, text.as_bytes())),
        None => einval(env, "Z85 encodes a multiple of 4 bytes"),
    }
}

/// `z85_decode(Text) -> {ok, Data} | {error, einval}` (einval: not Z85).
#[rustler::nif]
fn z85_decode<'a>(env: Env<'a>, text: Binary<'a>) -> Term<'a> {
    match ferromq::z85::decode(text.as_slice()) {
        Some(data) => ok_tuple(env, binary(env, &data)),
        None => einval(env, "not Z85 text"),
    }
}
