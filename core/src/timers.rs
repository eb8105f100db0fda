//! A set of repeating timers the application drives itself, as libzmq's `zmq_timers_*`:
//! ask [`Timers::timeout`] how long to sleep (in `zmq_poll`, say), then [`Timers::due`] for
//! the timers whose time has come, which are rearmed for their next interval.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Repeating timers, each with an id and a value of the application's (`T`: what to run).
#[derive(Debug)]
pub struct Timers<T> {
    timers: BTreeMap<i32, Timer<T>>,
    next_id: i32,
}

#[derive(Debug)]
struct Timer<T> {
    interval: Duration,
    deadline: Instant,
    value: T,
}

impl<T> Default for Timers<T> {
    fn default() -> Self {
        Timers {
            timers: BTreeMap::new(),
            next_id: 1,
        }
    }
}

impl<T> Timers<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a timer that fires every `interval`, first `interval` from now; returns its id
    /// (positive, never reused by this set).
    pub fn add(&mut self, interval: Duration, value: T) -> i32 {
        let id = self.next_id;
        self.next_id = self.next_id.checked_add(1).unwrap_or(1);
        self.timers.insert(
            id,
            Timer {
                interval,
                deadline: Instant::now() + interval,
                value,
            },
        );
        id
    }

    /// Removes a timer; EINVAL if there is none with this id.
    pub fn cancel(&mut self, id: i32) -> Result<T> {
        self.timers
            .remove(&id)
            .map(|timer| timer.value)
            .ok_or_else(|| no_timer(id))
    }

    /// Changes a timer's interval; it next fires `interval` from now.
    pub fn set_interval(&mut self, id: i32, interval: Duration) -> Result<()> {
        let timer = self.timers.get_mut(&id).ok_or_else(|| no_timer(id))?;
        timer.interval = interval;
        timer.deadline = Instant::now() + interval;
        Ok(())
    }

    /// Starts a timer's interval again from now.
    pub fn reset(&mut self, id: i32) -> Result<()> {
        let timer = self.timers.get_mut(&id).ok_or_else(|| no_timer(id))?;
        timer.deadline = Instant::now() + timer.interval;
        Ok(())
    }

    /// How long until the next timer fires (zero if one is due); `None` with no timers.
    pub fn timeout(&self) -> Option<Duration> {
        let now = Instant::now();
        self.timers
            .values()
            .map(|timer| timer.deadline.saturating_duration_since(now))
            .min()
    }

    /// The ids of the timers due now, earliest first, each rearmed for its next interval.
    /// The caller runs them, checking [`Timers::get`] first: running one may cancel another.
    pub fn due(&mut self) -> Vec<i32> {
        let now = Instant::now();
        let mut due: Vec<(Instant, i32)> = self
            .timers
            .iter()
            .filter(|(_, timer)| timer.deadline <= now)
            .map(|(&id, timer)| (timer.deadline, id))
            .collect();
        due.sort();
        for (_, id) in &due {
            if let Some(timer) = self.timers.get_mut(id) {
                timer.deadline = now + timer.interval;
            }
        }
        due.into_iter().map(|(_, id)| id).collect()
    }

    /// The value of a timer, if it still exists.
    pub fn get(&self, id: i32) -> Option<&T> {
        self.timers.get(&id).map(|timer| &timer.value)
    }
}

fn no_timer(id: i32) -> Error {
    Error::invalid(format!("no timer with id {id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_fire_in_order_rearm_and_can_be_changed_or_cancelled() {
        let mut timers = Timers::new();
        assert_eq!(timers.timeout(), None);
        let slow = timers.add(Duration::from_millis(40), "slow");
        let fast = timers.add(Duration::from_millis(10), "fast");
        assert!(timers.timeout().unwrap() <= Duration::from_millis(10));
        assert!(timers.due().is_empty());
        std::thread::sleep(Duration::from_millis(15));
        assert_eq!(timers.due(), [fast]);
        assert!(timers.timeout().unwrap() > Duration::ZERO, "rearmed");
        std::thread::sleep(Duration::from_millis(40));
        // Both are due; the one whose time came first is first.
        assert_eq!(timers.due(), [fast, slow]);
        timers.set_interval(slow, Duration::from_secs(60)).unwrap();
        timers.reset(fast).unwrap();
        assert_eq!(timers.cancel(fast).unwrap(), "fast");
        assert_eq!(timers.get(fast), None);
        assert_eq!(timers.get(slow), Some(&"slow"));
        for result in [
            timers.cancel(fast).map(|_| ()),
            timers.reset(fast),
            timers.set_interval(fast, Duration::ZERO),
        ] {
            assert_eq!(result.unwrap_err().kind(), crate::ErrorKind::Invalid);
        }
        assert!(timers.timeout().unwrap() > Duration::from_secs(50));
    }
}
