//! `FerroMQ.proxy(frontend, backend, capture)`: zmq_proxy without the GVL, for ffi-rzmq's
//! ZMQ::Device. It runs until a socket is closed or the context terminated; Ruby can
//! interrupt it (Thread#kill, Ctrl-C), and then it stops.

use std::sync::atomic::Ordering;

use ferromq::ErrorKind;
use magnus::{typed_data::Obj, Error, Ruby};

use crate::errors::zmq_error;
use crate::gvl::{check_interrupts, without_gvl};
use crate::socket::NativeSocket;

pub fn proxy(
    ruby: &Ruby,
    frontend: Obj<NativeSocket>,
    backend: Obj<NativeSocket>,
    capture: Option<Obj<NativeSocket>>,
) -> Result<(), Error> {
    let (frontend, backend) = (frontend.handle(), backend.handle());
    let capture = capture.map(|socket| socket.handle());
    loop {
        let outcome = without_gvl(ruby, |stop| {
            let mut hook = || {
                if stop.load(Ordering::SeqCst) {
                    Err(ferromq::Error::from_kind(ErrorKind::Interrupted))
                } else {
                    Ok(())
                }
            };
            ferromq::proxy_steerable_interruptible(
                &frontend,
                &backend,
                capture.as_deref(),
                None,
                Some(&mut hook),
            )
        })?;
        match outcome {
            Some(Err(e)) if e.kind() == ErrorKind::Interrupted => {}
            Some(result) => return result.map_err(|e| zmq_error(ruby, &e)),
            None => {}
        }
        check_interrupts(ruby)?;
    }
}
