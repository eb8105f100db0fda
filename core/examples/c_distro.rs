//! The event hub's distro.c ("ØMQ – messaging made simple", tests-polyglot/talks/distro.c)
//! on FerroMQ: SUB (everything) from the hub's feed -> FORWARDER device -> PUB for the
//! local clients. The talk's feed is epgm multicast; this connects over tcp.
//! Usage: c_distro FEED_ENDPOINT LOCAL_ENDPOINT

use ferromq::{device, Context, DeviceKind, SocketType};

fn main() -> ferromq::Result<()> {
    let mut args = std::env::args().skip(1);
    let feed = args.next().unwrap_or_else(|| "tcp://localhost:7601".into());
    let local = args.next().unwrap_or_else(|| "ipc:///tmp/events".into());

    let ctx = Context::new();
    let input = ctx.socket(SocketType::Sub)?;
    let output = ctx.socket(SocketType::Pub)?;
    input.subscribe("")?;
    input.connect(&feed)?;
    output.bind(&local)?;
    println!("distro: forwarding {feed} -> {local}");
    device(DeviceKind::Forwarder, &input, &output)
}
