# Generic role for the cross-language matrix (scenarios/matrix.json), pyzmq's API: runs on
# pyzmq (python-libzmq) and on FerroMQ's Python package (python-ferromq, via the shim).
# Usage: role.py PATTERN ROLE ENDPOINT COUNT TAG
#   rep/router/pull/pub bind, req/dealer/push/sub connect. Every message received is
#   printed as "got <payload>"; payloads are "<role> <i> from <TAG>"; "done <COUNT>" at the end.
#   pub publishes "skip …" and "pub …" every 20 ms until stopped (or 30 s); sub takes "pub".
import sys
import time

import zmq

pattern, role, endpoint, count, tag = sys.argv[1:6]
count = int(count)
ctx = zmq.Context()
kinds = {"rep": zmq.REP, "req": zmq.REQ, "pull": zmq.PULL, "push": zmq.PUSH,
         "pub": zmq.PUB, "sub": zmq.SUB, "router": zmq.ROUTER, "dealer": zmq.DEALER}
s = ctx.socket(kinds[role])
if role in ("rep", "router", "pull", "pub"):
    s.bind(endpoint)
else:
    s.connect(endpoint)


def got(payload):
    print("got %s" % payload.decode(), flush=True)


if role == "rep":
    for i in range(count):
        got(s.recv())
        s.send(b"rep %d from %s" % (i, tag.encode()))
elif role == "req":
    for i in range(count):
        s.send(b"req %d from %s" % (i, tag.encode()))
        got(s.recv())
elif role == "push":
    for i in range(count):
        s.send(b"push %d from %s" % (i, tag.encode()))
elif role == "pull":
    for i in range(count):
        got(s.recv())
elif role == "pub":
    i, end = 0, time.time() + 30
    while time.time() < end:
        s.send(b"skip %d from %s" % (i, tag.encode()))
        s.send(b"pub %d from %s" % (i, tag.encode()))
        i += 1
        time.sleep(0.02)
elif role == "sub":
    s.setsockopt(zmq.SUBSCRIBE, b"pub")
    for i in range(count):
        got(s.recv())
elif role == "router":
    for i in range(count):
        ident, payload = s.recv_multipart()
        got(payload)
        s.send_multipart([ident, b"router %d from %s" % (i, tag.encode())])
elif role == "dealer":
    for i in range(count):
        s.send(b"dealer %d from %s" % (i, tag.encode()))
    for i in range(count):
        got(s.recv())
print("done %d" % count, flush=True)
s.close()
ctx.term()
