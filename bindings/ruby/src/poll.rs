//! `FerroMQ.poll(sockets, events, timeout_ms)`: zmq_poll over FerroMQ sockets, without the
//! GVL, in slices of `ferromq::INTERRUPT_CHECK` so that Ruby can interrupt it. Returns each
//! socket's revents.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ferromq::{PollItem, Socket, INTERRUPT_CHECK};
use std::sync::Arc;

use magnus::{typed_data::Obj, Error, RArray, Ruby, TryConvert};

use crate::errors::{argument_error, zmq_error};
use crate::gvl::{check_interrupts, without_gvl};
use crate::socket::NativeSocket;

pub fn poll(
    ruby: &Ruby,
    sockets: RArray,
    events: Vec<i32>,
    timeout_ms: i64,
) -> Result<Vec<i32>, Error> {
    let sockets: Vec<Arc<Socket>> = sockets
        .into_iter()
        .map(|value| {
            <Obj<NativeSocket>>::try_convert(value)
                .map(|socket| socket.handle())
                .map_err(|_| argument_error(ruby, "poll takes FerroMQ sockets"))
        })
        .collect::<Result<_, _>>()?;
    if sockets.len() != events.len() {
        return Err(argument_error(
            ruby,
            "poll needs one events mask per socket",
        ));
    }
    let deadline =
        (timeout_ms >= 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
    loop {
        let slice = match deadline {
            Some(deadline) => deadline
                .saturating_duration_since(Instant::now())
                .min(INTERRUPT_CHECK),
            None => INTERRUPT_CHECK,
        };
        let outcome = without_gvl(ruby, |stop| {
            let mut items: Vec<PollItem<'_>> = sockets
                .iter()
                .zip(&events)
                .map(|(socket, &mask)| PollItem::socket(socket, mask))
                .collect();
            if stop.load(Ordering::SeqCst) {
                return Ok(None);
            }
            ferromq::poll(&mut items, Some(slice))
                .map(|ready| (ready > 0).then(|| items.iter().map(|item| item.revents).collect()))
        })?;
        match outcome {
            Some(Ok(Some(revents))) => return Ok(revents),
            Some(Err(e)) if e.kind() != ferromq::ErrorKind::Interrupted => {
                return Err(zmq_error(ruby, &e))
            }
            _ => {}
        }
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            return Ok(vec![0; sockets.len()]);
        }
        check_interrupts(ruby)?;
    }
}
