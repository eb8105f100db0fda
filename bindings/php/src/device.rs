//! `ZMQDevice`: php-zmq's device, the core proxy between two sockets (and a capture
//! socket), with php-zmq's idle callback (after a time without messages) and timer
//! callback (every so often). A callback gets its `$user_data` and keeps the device
//! running by returning a true value.

use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use ext_php_rs::error::php_error;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::flags::ErrorType;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendCallable, ZendClassObject, Zval};
use ferromq::ProxyTimer;

use crate::errors::{zmq_failure, Class};
use crate::socket::{SharedSocket, ZmqSocket};
use crate::values::arg;

/// A PHP callback, how often it runs (ms; a Cell, as the callback itself may change it
/// through the device while the device runs), and the value it is given.
#[derive(Default)]
struct Callback {
    function: Option<Zval>,
    timeout: Cell<i64>,
    user_data: Option<Zval>,
}

impl Callback {
    fn set(&mut self, function: Zval, timeout: i64, user_data: Option<&Zval>) {
        self.function = Some(function);
        self.timeout.set(timeout);
        self.user_data = user_data.map(|d| d.dereference().shallow_clone());
    }

    fn interval(&self) -> Duration {
        Duration::from_millis(self.timeout.get().max(0) as u64)
    }

    /// Calls it: when it runs next, or `None` to stop the device (php-zmq goes on after a
    /// true value only, so no return value stops it too).
    fn invoke(&self) -> ferromq::Result<Option<Duration>> {
        let callable = self
            .function
            .as_ref()
            .and_then(|f| ZendCallable::new(f).ok());
        let Some(callable) = callable else {
            return Ok(Some(self.interval()));
        };
        let data = self
            .user_data
            .as_ref()
            .map_or_else(Zval::null, Zval::shallow_clone);
        match callable.try_call(vec![&data]) {
            Ok(result) => Ok(result.coerce_to_bool().then(|| self.interval())),
            // The callback's exception stays pending and reaches the caller of run().
            Err(_) => Err(ferromq::Error::new(
                ferromq::ErrorKind::Interrupted,
                "the device callback failed",
            )),
        }
    }
}

#[php_class]
#[php(name = "ZMQDevice")]
pub struct ZmqDevice {
    frontend: Arc<SharedSocket>,
    backend: Arc<SharedSocket>,
    capture: Option<Arc<SharedSocket>>,
    idle: Callback,
    timer: Callback,
}

#[php_impl]
#[php(change_method_case = "none")]
impl ZmqDevice {
    pub fn __construct(
        frontend: &Zval,
        backend: &Zval,
        capture: Option<&Zval>,
    ) -> PhpResult<ZmqDevice> {
        const F: &str = "ZMQDevice::__construct";
        let frontend = arg(F, 1, "frontend").object::<ZmqSocket>(frontend, "ZMQSocket")?;
        let backend = arg(F, 2, "backend").object::<ZmqSocket>(backend, "ZMQSocket")?;
        let capture = arg(F, 3, "capture").nullable_object::<ZmqSocket>(capture, "ZMQSocket")?;
        Ok(ZmqDevice {
            frontend: frontend.shared().clone(),
            backend: backend.shared().clone(),
            capture: capture.map(|c| c.shared().clone()),
            idle: Callback::default(),
            timer: Callback::default(),
        })
    }

    /// Moves messages until a callback returns a false value, or fails.
    pub fn run(&self) -> PhpResult<()> {
        let frontend = self.frontend.core()?;
        let backend = self.backend.core()?;
        let capture = match &self.capture {
            Some(capture) => Some(capture.core()?),
            None => None,
        };
        let mut idle = || self.idle.invoke();
        let mut timer = || self.timer.invoke();
        let mut timers = Vec::with_capacity(2);
        for (callback, when_idle, call) in [
            (
                &self.idle,
                true,
                &mut idle as &mut dyn FnMut() -> ferromq::Result<Option<Duration>>,
            ),
            (&self.timer, false, &mut timer),
        ] {
            if callback.function.is_some() && callback.timeout.get() > 0 {
                timers.push(ProxyTimer {
                    every: callback.interval(),
                    when_idle,
                    callback: call,
                });
            }
        }
        ferromq::proxy_with_timers(frontend, backend, capture, &mut timers)
            .map_err(|e| zmq_failure(Class::Device, "Failed to start the device", &e))
    }

    /// `($callback, $timeout, $user_data = null)`; with two arguments, php-zmq's old
    /// `($callback, $user_data)`, deprecated (the idle timeout then stays as it was).
    pub fn setidlecallback<'a>(
        self_: &'a mut ZendClassObject<ZmqDevice>,
        idle_callback: &Zval,
        timeout: &Zval,
        user_data: Option<&Zval>,
    ) -> PhpResult<&'a mut ZendClassObject<ZmqDevice>> {
        const F: &str = "ZMQDevice::setidlecallback";
        let function = arg(F, 1, "idle_callback").callable(idle_callback)?;
        match user_data {
            Some(user_data) => {
                let timeout = arg(F, 2, "timeout").int(timeout)?;
                self_.idle.set(function, timeout, Some(user_data));
            }
            None => {
                php_error(
                    &ErrorType::Deprecated,
                    "The signature for setIdleCallback has changed, please update your code",
                );
                let kept = self_.idle.timeout.get();
                self_.idle.set(function, kept, Some(timeout));
            }
        }
        Ok(self_)
    }

    pub fn setidletimeout<'a>(
        self_: &'a mut ZendClassObject<ZmqDevice>,
        timeout: &Zval,
    ) -> PhpResult<&'a mut ZendClassObject<ZmqDevice>> {
        let timeout = arg("ZMQDevice::setidletimeout", 1, "timeout").int(timeout)?;
        self_.idle.timeout.set(timeout);
        Ok(self_)
    }

    pub fn getidletimeout(&self) -> i64 {
        self.idle.timeout.get()
    }

    pub fn settimercallback<'a>(
        self_: &'a mut ZendClassObject<ZmqDevice>,
        idle_callback: &Zval,
        timeout: &Zval,
        user_data: Option<&Zval>,
    ) -> PhpResult<&'a mut ZendClassObject<ZmqDevice>> {
        const F: &str = "ZMQDevice::settimercallback";
        let function = arg(F, 1, "idle_callback").callable(idle_callback)?;
        let timeout = arg(F, 2, "timeout").int(timeout)?;
        self_.timer.set(function, timeout, user_data);
        Ok(self_)
    }

    pub fn settimertimeout<'a>(
        self_: &'a mut ZendClassObject<ZmqDevice>,
        timeout: &Zval,
    ) -> PhpResult<&'a mut ZendClassObject<ZmqDevice>> {
        let timeout = arg("ZMQDevice::settimertimeout", 1, "timeout").int(timeout)?;
        self_.timer.timeout.set(timeout);
        Ok(self_)
    }

    pub fn gettimertimeout(&self) -> i64 {
        self.timer.timeout.get()
    }
}
