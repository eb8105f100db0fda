//! Randomised robustness tests: hostile or corrupted input must produce errors, never
//! panics, and a valid stream must decode the same however it is chunked.

use std::ops::ControlFlow;

use bytes::{Bytes, BytesMut};

use super::{Command, Connection, ConnectionConfig, Event, ProtocolError};
use crate::message::Message;
use crate::socket_type::SocketType;

/// xorshift64*: tiny, deterministic, good enough to shake a parser.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// Up to `max - 1` random bytes.
    fn bytes_below(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max);
        self.bytes(len)
    }

    /// Sizes skewed small but crossing the inline (30), short (255) and long boundaries.
    fn size(&mut self) -> usize {
        match self.below(10) {
            0..=5 => self.below(32),
            6..=7 => self.below(300),
            8 => 250 + self.below(10),
            _ => self.below(5000),
        }
    }
}

/// What a well-behaved PUSH peer would put on the wire: greeting, READY, then a random
/// mix of messages and post-handshake commands.
fn valid_stream(rng: &mut Rng) -> Vec<u8> {
    let mut config = ConnectionConfig::new(SocketType::Push);
    if rng.chance(2) {
        config.routing_id = Some(Bytes::from(rng.bytes_below(8)));
    }
    let mut peer = Connection::new(config);
    let mut wire = peer.outbound().split().to_vec();
    // Let the peer see our greeting and READY so it queues its own READY. Each side keeps
    // what it has not decoded yet (the greeting goes out in parts, each answering the
    // other side's).
    let mut ours = Connection::new(ConnectionConfig::new(SocketType::Pull));
    let mut to_peer = BytesMut::new();
    let mut from_peer = BytesMut::from(&wire[..]);
    for _ in 0..4 {
        to_peer.extend_from_slice(&ours.outbound().split());
        peer.receive(&mut to_peer, &mut |_| ControlFlow::Continue(()))
            .unwrap();
        let sent = peer.outbound().split();
        wire.extend_from_slice(&sent);
        from_peer.extend_from_slice(&sent);
        ours.receive(&mut from_peer, &mut |_| ControlFlow::Continue(()))
            .unwrap();
    }
    assert!(peer.is_ready());

    for _ in 0..rng.below(40) {
        match rng.below(8) {
            0 => peer.send_command(&Command::Ping {
                ttl_deciseconds: rng.next() as u16,
                context: Bytes::from(rng.bytes_below(20)),
            }),
            1 => peer.send_command(&Command::Pong {
                context: Bytes::from(rng.bytes_below(16)),
            }),
            2 => {
                let len = rng.size();
                peer.send_command(&Command::Subscribe(Bytes::from(rng.bytes(len))));
            }
            3 => peer.send_command(&Command::Unknown {
                name: Bytes::from_static(b"X-WHATEVER"),
            }),
            _ => {
                let frames: Vec<Vec<u8>> = (0..1 + rng.below(4))
                    .map(|_| {
                        let len = rng.size();
                        rng.bytes(len)
                    })
                    .collect();
                peer.send_message(&Message::from_frames(frames));
            }
        }
    }
    wire.extend_from_slice(&peer.outbound().split());
    wire
}

/// Feeds `wire` to a fresh PULL connection in random chunks, sometimes breaking after
/// an event; returns the events and the outcome. Panics only if the codec does.
fn drive(
    rng: &mut Rng,
    wire: &[u8],
    config: ConnectionConfig,
) -> (Vec<Event<'static>>, Result<(), ProtocolError>) {
    let mut conn = Connection::new(config);
    let mut input = BytesMut::new();
    let mut events = Vec::new();
    let mut fed = 0;
    let break_one_in = 1 + rng.below(4);
    loop {
        let max_chunk = if rng.chance(3) { 8 } else { 2000 };
        let chunk = (1 + rng.below(max_chunk)).min(wire.len() - fed);
        input.extend_from_slice(&wire[fed..fed + chunk]);
        fed += chunk;
        // Call until no progress: with Break, one call may leave complete units behind.
        loop {
            let before = (input.len(), events.len());
            let result = conn.receive(&mut input, &mut |e| {
                events.push(e.into_static());
                if rng.chance(break_one_in) {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            });
            if let Err(err) = result {
                // Errors are sticky and the connection never becomes ready again.
                assert_eq!(
                    conn.receive(&mut input, &mut |_| unreachable!()),
                    Err(err.clone())
                );
                assert!(!conn.is_ready());
                return (events, Err(err));
            }
            assert!(input.len() <= before.0, "receive grew its input");
            if (input.len(), events.len()) == before {
                break;
            }
        }
        if fed == wire.len() {
            return (events, Ok(()));
        }
        // Whatever we queued (READY, PONGs) stays well-formed and bounded.
        let out = conn.outbound().len();
        assert!(
            out <= 64 + 256 + 64 * (events.len() + 1),
            "outbound grew to {out}"
        );
    }
}

#[test]
fn valid_streams_decode_identically_however_chunked() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..300 {
        let wire = valid_stream(&mut rng);
        let config = ConnectionConfig::new(SocketType::Pull);
        // Reference: the whole stream in one go, never breaking.
        let mut conn = Connection::new(config.clone());
        let mut input = BytesMut::from(&wire[..]);
        let mut reference = Vec::new();
        conn.receive(&mut input, &mut |e| {
            reference.push(e.into_static());
            ControlFlow::Continue(())
        })
        .unwrap();
        assert!(input.is_empty());
        assert!(matches!(reference.first(), Some(Event::Ready(_))));

        let (events, result) = drive(&mut rng, &wire, config);
        result.unwrap();
        assert_eq!(events, reference);
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
    let good_prefix = valid_stream(&mut Rng(7));
    let ready_len = {
        // Greeting plus READY: receive stops right after the Ready event.
        let mut conn = Connection::new(ConnectionConfig::new(SocketType::Pull));
        let mut input = BytesMut::from(&good_prefix[..]);
        conn.receive(&mut input, &mut |_| ControlFlow::Break(()))
            .unwrap();
        good_prefix.len() - input.len()
    };
    for i in 0..4000 {
        // Random garbage after no prefix, a greeting, or a whole handshake, so the
        // fuzzing reaches every state.
        let mut wire = match i % 3 {
            0 => Vec::new(),
            1 => good_prefix[..64].to_vec(),
            _ => good_prefix[..ready_len].to_vec(),
        };
        let len = rng.below(600);
        wire.extend(rng.bytes(len));
        let mut config = ConnectionConfig::new(SocketType::Pull);
        if rng.chance(2) {
            config.max_msg_size = Some(rng.below(1000) as u64);
        }
        let _ = drive(&mut rng, &wire, config);
    }
}

#[test]
fn mutated_streams_never_panic() {
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    for _ in 0..3000 {
        let mut wire = valid_stream(&mut rng);
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(wire.len());
            match rng.below(6) {
                0 => wire[at] ^= 1 << rng.below(8),
                1 => wire[at] = rng.next() as u8,
                2 => {
                    let extra = rng.bytes_below(17);
                    wire.splice(at..at, extra);
                }
                3 => {
                    let end = (at + 1 + rng.below(64)).min(wire.len());
                    wire.drain(at..end);
                }
                4 => {
                    let end = (at + 1 + rng.below(64)).min(wire.len());
                    let copy = wire[at..end].to_vec();
                    wire.splice(at..at, copy);
                }
                _ => wire.truncate(at),
            }
            if wire.is_empty() {
                break;
            }
        }
        let mut config = ConnectionConfig::new(SocketType::Pull);
        if rng.chance(3) {
            config.max_msg_size = Some(rng.below(6000) as u64);
        }
        let _ = drive(&mut rng, &wire, config);
    }
}

#[test]
fn hostile_sizes_are_refused_without_buffering() {
    // Announce an exabyte frame after a valid handshake: with no limit the codec just
    // waits (holding nothing beyond what arrived); with a limit it fails at once.
    let wire = valid_stream(&mut Rng(11));
    let mut conn = Connection::new(ConnectionConfig::new(SocketType::Pull));
    let mut input = BytesMut::from(&wire[..]);
    conn.receive(&mut input, &mut |_| ControlFlow::Continue(()))
        .unwrap();
    input.extend_from_slice(&[
        0x02, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3,
    ]);
    conn.receive(&mut input, &mut |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!(input.len(), 12);
    assert!(input.capacity() < 1 << 20);

    let mut config = ConnectionConfig::new(SocketType::Pull);
    config.max_msg_size = Some(1 << 20);
    let mut conn = Connection::new(config);
    let mut input = BytesMut::from(&wire[..]);
    let mut events = 0;
    conn.receive(&mut input, &mut |_| {
        events += 1;
        ControlFlow::Continue(())
    })
    .unwrap_or_else(|e| panic!("valid stream failed after {events} events: {e}"));
    input.extend_from_slice(&[0x02, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
    assert!(matches!(
        conn.receive(&mut input, &mut |_| ControlFlow::Continue(())),
        Err(ProtocolError::FrameTooLarge { max: 1048576, .. })
    ));
}
