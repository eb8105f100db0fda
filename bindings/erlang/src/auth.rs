//! The core's authenticator (`ferromq::auth::Authenticator`, a ZAP handler on a thread of
//! its own) for `erlang/src/erlzmq_auth.erl`, and the core's CURVE certificates
//! (`ferromq::certs`, czmq's zcert files). Only conversions here: the policy and the
//! answers are the core's.

use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};

use ferromq::auth::Authenticator;
use ferromq::{Error, ErrorKind};
use rustler::{Encoder, Env, ResourceArc, Term};

use crate::convert::error_tuple;
use crate::curve::binary;
use crate::reactor::{ok_tuple, Reactor};
use crate::{atoms, CtxRes};

/// An authenticator and the reactor of its context, which drops it (its drop joins the
/// handler's thread and drops a context clone: never on a scheduler).
struct AuthInner {
    auth: Authenticator,
    reactor: Arc<Reactor>,
}

impl Drop for AuthInner {
    fn drop(&mut self) {
        self.auth.stop();
        // Counted with the sockets: the reactor thread lives until this is dropped.
        self.reactor.open_sockets.fetch_sub(1, Ordering::SeqCst);
        self.reactor.wake();
    }
}

/// What `erlzmq_auth:start/1` returns.
pub struct AuthRes {
    inner: Mutex<Option<AuthInner>>,
}

#[rustler::resource_impl]
impl rustler::Resource for AuthRes {}

impl Drop for AuthRes {
    /// Garbage-collected: the reactor thread stops it and drops it.
    fn drop(&mut self) {
        let inner = self
            .inner
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(inner) = inner {
            let reactor = inner.reactor.clone();
            reactor.reap(Box::new(inner));
        }
    }
}

impl AuthRes {
    fn lock(&self) -> MutexGuard<'_, Option<AuthInner>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the authenticator; `None` if it is gone (it never is while the resource
    /// lives, but a poisoned path must not panic).
    fn with<T>(&self, f: impl FnOnce(&mut Authenticator) -> T) -> Option<T> {
        self.lock().as_mut().map(|inner| f(&mut inner.auth))
    }
}

/// `auth_start(Ctx) -> {ok, Auth} | {error, Reason}`: a new authenticator for the servers of
/// `Ctx`, started (binds inproc://zeromq.zap.01: `eaddrinuse` if another handler has it).
#[rustler::nif(schedule = "DirtyIo")]
fn auth_start(env: Env<'_>, ctx: ResourceArc<CtxRes>) -> Term<'_> {
    if ctx.terminated.load(Ordering::SeqCst) {
        return error_tuple(env, &Error::from_kind(ErrorKind::Term));
    }
    let Some(context) = ctx.context() else {
        return error_tuple(env, &Error::from_kind(ErrorKind::Term));
    };
    let mut auth = Authenticator::new(&context);
    drop(context);
    if let Err(e) = auth.start() {
        // Not started: nothing to stop, but the context clone goes on the reactor thread.
        ctx.reactor.reap(Box::new(auth));
        return error_tuple(env, &e);
    }
    ctx.reactor.open_sockets.fetch_add(1, Ordering::SeqCst);
    let res = ResourceArc::new(AuthRes {
        inner: Mutex::new(Some(AuthInner {
            auth,
            reactor: ctx.reactor.clone(),
        })),
    });
    ok_tuple(env, res)
}

/// `auth_stop(Auth) -> ok`: stops answering and frees the ZAP endpoint (waits for the
/// handler's thread, hence a dirty scheduler). Again after a stop: nothing.
#[rustler::nif(schedule = "DirtyIo")]
fn auth_stop(env: Env<'_>, auth: ResourceArc<AuthRes>) -> Term<'_> {
    auth.with(|a| a.stop());
    atoms::ok().encode(env)
}

/// `auth_is_running(Auth) -> boolean()`.
#[rustler::nif]
fn auth_is_running(auth: ResourceArc<AuthRes>) -> bool {
    auth.with(|a| a.is_running()).unwrap_or(false)
}

/// `auth_allow(Auth, [Address])`: only these addresses get in (added to the allow list).
#[rustler::nif]
fn auth_allow(env: Env<'_>, auth: ResourceArc<AuthRes>, addresses: Vec<String>) -> Term<'_> {
    auth.with(|a| a.policy().allow(addresses));
    atoms::ok().encode(env)
}

/// `auth_deny(Auth, [Address])`: these addresses are kept out (added to the deny list).
#[rustler::nif]
fn auth_deny(env: Env<'_>, auth: ResourceArc<AuthRes>, addresses: Vec<String>) -> Term<'_> {
    auth.with(|a| a.policy().deny(addresses));
    atoms::ok().encode(env)
}

/// `auth_configure_plain(Auth, Domain, [{Username, Password}])`: the PLAIN users of
/// `Domain` (`"*"`: servers without a ZAP domain), replacing those set for it before.
#[rustler::nif]
fn auth_configure_plain(
    env: Env<'_>,
    auth: ResourceArc<AuthRes>,
    domain: String,
    users: Vec<(String, String)>,
) -> Term<'_> {
    let passwords: HashMap<String, String> = users.into_iter().collect();
    auth.with(|a| a.policy().configure_plain(&domain, passwords));
    atoms::ok().encode(env)
}

/// `auth_configure_curve(Auth, Domain, Directory)`: the CURVE clients of `Domain` are those
/// whose public certificates (`*.key`, czmq's zcert format) are in `Directory`, read now
/// (replacing the keys given for that domain before). Reads files: a dirty scheduler.
#[rustler::nif(schedule = "DirtyIo")]
fn auth_configure_curve(
    env: Env<'_>,
    auth: ResourceArc<AuthRes>,
    domain: String,
    directory: String,
) -> Term<'_> {
    match ferromq::certs::load_public_keys(Path::new(&directory)) {
        Ok(keys) => {
            auth.with(|a| a.policy().configure_curve(&domain, keys));
            atoms::ok().encode(env)
        }
        Err(e) => error_tuple(env, &e),
    }
}

/// `auth_allow_any_curve(Auth)`: every CURVE client gets in (encryption without
/// authentication), whatever the domain.
#[rustler::nif]
fn auth_allow_any_curve(env: Env<'_>, auth: ResourceArc<AuthRes>) -> Term<'_> {
    auth.with(|a| a.policy().allow_any_curve());
    atoms::ok().encode(env)
}

/// `create_certificates(Directory, Name) -> {ok, PublicFile, SecretFile}`: a new key pair
/// written as `Name.key` and `Name.key_secret` (readable by its owner only).
#[rustler::nif(schedule = "DirtyIo")]
fn create_certificates(env: Env<'_>, directory: String, name: String) -> Term<'_> {
    if name.is_empty() || name.contains('/') {
        let e = Error::new(ErrorKind::Invalid, "a certificate name is a file name");
        return error_tuple(env, &e);
    }
    match ferromq::certs::create_certificates(Path::new(&directory), &name) {
        Ok((public, secret)) => (
            atoms::ok(),
            binary(env, public.as_os_str().as_bytes()),
            binary(env, secret.as_os_str().as_bytes()),
        )
            .encode(env),
        Err(e) => error_tuple(env, &e),
    }
}

/// `load_certificate(File) -> {ok, Public, Secret | undefined}`: a zcert file's keys (Z85).
#[rustler::nif(schedule = "DirtyIo")]
fn load_certificate(env: Env<'_>, file: String) -> Term<'_> {
    match ferromq::certs::load_certificate(Path::new(&file)) {
        Ok(cert) => {
            let secret = match &cert.secret {
                Some(secret) => binary(env, secret.as_bytes()),
                None => atoms::undefined().encode(env),
            };
            (atoms::ok(), binary(env, cert.public.as_bytes()), secret).encode(env)
        }
        Err(e) => error_tuple(env, &e),
    }
}
