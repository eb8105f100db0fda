//! ZMTP heartbeats (RFC 37, libzmq's HEARTBEAT_IVL / HEARTBEAT_TTL / HEARTBEAT_TIMEOUT):
//! the timers that detect a silent peer, for example one whose network vanished without a
//! FIN. Pure bookkeeping; the engine sends the PINGs and closes the connection.

use std::time::Duration;

use tokio::time::Instant;

use crate::options::SocketOptions;

/// What the engine should do when the heartbeat timer fires.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HeartbeatAction {
    Nothing,
    /// Send a PING carrying this TTL (deciseconds).
    SendPing {
        ttl_deciseconds: u16,
    },
    /// The peer has been silent too long: close the connection.
    Expired,
}

pub(crate) struct Heartbeat {
    /// HEARTBEAT_IVL; `None`: we send no PINGs.
    interval: Option<Duration>,
    /// How long to wait for any traffic after a PING (HEARTBEAT_TIMEOUT, default the interval).
    timeout: Duration,
    /// HEARTBEAT_TTL, sent in our PINGs for the peer to apply.
    ttl_to_send: u16,
    /// When anything last arrived from the peer.
    last_input: Instant,
    /// When we sent the PING still unanswered (no input since), if any.
    ping_outstanding: Option<Instant>,
    next_ping: Option<Instant>,
    /// The TTL the peer asked us to apply in its PINGs.
    peer_ttl: Option<Duration>,
    /// Set when `peer_ttl` changes, until the engine has rearmed its timer.
    ttl_changed: bool,
}

impl Heartbeat {
    pub(crate) fn new(options: &SocketOptions, now: Instant) -> Heartbeat {
        let interval = (options.heartbeat_ivl_ms > 0)
            .then(|| Duration::from_millis(options.heartbeat_ivl_ms as u64));
        let timeout = match options.heartbeat_timeout_ms {
            ms if ms > 0 => Duration::from_millis(ms as u64),
            _ => interval.unwrap_or_default(),
        };
        Heartbeat {
            interval,
            timeout,
            ttl_to_send: (options.heartbeat_ttl_ms / 100).min(u16::MAX as i32) as u16,
            last_input: now,
            ping_outstanding: None,
            next_ping: None,
            peer_ttl: None,
            ttl_changed: false,
        }
    }

    /// The handshake completed: start sending PINGs. As libzmq does, whatever ZMTP 3.x
    /// minor version the peer announced: a silent peer is found either way.
    pub(crate) fn start(&mut self, now: Instant) {
        self.next_ping = self.interval.map(|ivl| now + ivl);
    }

    /// Any bytes from the peer prove it alive.
    pub(crate) fn on_input(&mut self, now: Instant) {
        self.last_input = now;
        self.ping_outstanding = None;
    }

    /// The peer sent a PING with a TTL: if it then stays silent that long, it is gone.
    pub(crate) fn on_peer_ping(&mut self, ttl_deciseconds: u16) {
        let ttl =
            (ttl_deciseconds > 0).then(|| Duration::from_millis(ttl_deciseconds as u64 * 100));
        self.ttl_changed |= ttl != self.peer_ttl;
        self.peer_ttl = ttl;
    }

    /// Whether the peer's TTL changed since the last call: the engine's timer, set from
    /// [`Heartbeat::deadline`] before it started waiting, must then be set again.
    pub(crate) fn take_ttl_changed(&mut self) -> bool {
        std::mem::take(&mut self.ttl_changed)
    }

    /// The earliest instant at which [`Heartbeat::fire`] has something to do.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        let timeout = self.ping_outstanding.map(|sent| sent + self.timeout);
        let ttl = self.peer_ttl.map(|ttl| self.last_input + ttl);
        [self.next_ping, timeout, ttl].into_iter().flatten().min()
    }

    pub(crate) fn fire(&mut self, now: Instant) -> HeartbeatAction {
        if let Some(sent) = self.ping_outstanding {
            if now >= sent + self.timeout {
                return HeartbeatAction::Expired;
            }
        }
        if let Some(ttl) = self.peer_ttl {
            if now >= self.last_input + ttl {
                return HeartbeatAction::Expired;
            }
        }
        match (self.next_ping, self.interval) {
            (Some(due), Some(interval)) if now >= due => {
                self.next_ping = Some(now + interval);
                if self.ping_outstanding.is_none() {
                    self.ping_outstanding = Some(now);
                }
                HeartbeatAction::SendPing {
                    ttl_deciseconds: self.ttl_to_send,
                }
            }
            _ => HeartbeatAction::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(ivl: i32, timeout: i32, ttl: i32) -> SocketOptions {
        SocketOptions {
            heartbeat_ivl_ms: ivl,
            heartbeat_timeout_ms: timeout,
            heartbeat_ttl_ms: ttl,
            ..SocketOptions::default()
        }
    }

    #[test]
    fn pings_every_interval_and_expires_without_input() {
        let t0 = Instant::now();
        let mut hb = Heartbeat::new(&options(100, 300, 2000), t0);
        hb.start(t0);
        let ms = |n| t0 + Duration::from_millis(n);
        assert_eq!(hb.deadline(), Some(ms(100)));
        assert_eq!(
            hb.fire(ms(100)),
            HeartbeatAction::SendPing {
                ttl_deciseconds: 20
            }
        );
        hb.on_input(ms(150));
        assert_eq!(
            hb.fire(ms(200)),
            HeartbeatAction::SendPing {
                ttl_deciseconds: 20
            }
        );
        assert_eq!(
            hb.fire(ms(300)),
            HeartbeatAction::SendPing {
                ttl_deciseconds: 20
            }
        );
        // No input since the PING at 200: expired at 200 + 300.
        assert_eq!(hb.fire(ms(500)), HeartbeatAction::Expired);
    }

    #[test]
    fn no_pings_when_disabled() {
        let t0 = Instant::now();
        let mut off = Heartbeat::new(&SocketOptions::default(), t0);
        off.start(t0);
        assert_eq!(off.deadline(), None);
    }

    #[test]
    fn the_peers_ttl_applies_even_without_our_own_pings() {
        let t0 = Instant::now();
        let mut hb = Heartbeat::new(&SocketOptions::default(), t0);
        hb.start(t0);
        hb.on_peer_ping(5);
        assert_eq!(hb.deadline(), Some(t0 + Duration::from_millis(500)));
        hb.on_input(t0 + Duration::from_millis(400));
        assert_eq!(
            hb.fire(t0 + Duration::from_millis(600)),
            HeartbeatAction::Nothing
        );
        assert_eq!(
            hb.fire(t0 + Duration::from_millis(900)),
            HeartbeatAction::Expired
        );
    }
}
