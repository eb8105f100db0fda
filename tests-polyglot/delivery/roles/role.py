# Delivery-at-close role, pyzmq's API: runs on pyzmq (python-libzmq) and on FerroMQ's Python
# package (python-ferromq, via the shim that maps `import zmq` to `ferromq`).
# Usage: role.py send|receive PATTERN ENDPOINT bind|connect SIZE COUNT  (see ../README.md)
import sys
import threading
import time

import zmq

RECEIVER_OF = {"push": zmq.PULL, "dealer": zmq.ROUTER, "pub": zmq.SUB,
               "req": zmq.REP, "rep": zmq.REQ, "router": zmq.DEALER}
SENDER_OF = {"push": zmq.PUSH, "dealer": zmq.DEALER, "pub": zmq.PUB,
             "req": zmq.REQ, "rep": zmq.REP, "router": zmq.ROUTER}
FIRST_WAIT_MS = 15000
NEXT_WAIT_MS = 5000


def payload(i, size):
    return b"%08d" % i + b"x" * (size - 8)


def say(line):
    print(line, flush=True)


def attach(sock, endpoint, how):
    if how == "bind":
        sock.bind(endpoint)
    else:
        sock.connect(endpoint)
    say("ready")


def send(ctx, pattern, endpoint, how, size, count):
    s = ctx.socket(SENDER_OF[pattern])
    if pattern == "pub":
        s.setsockopt(zmq.SNDHWM, 0)
    if pattern == "router":
        s.setsockopt(zmq.ROUTER_MANDATORY, 1)
    attach(s, endpoint, how)
    if pattern == "pub":
        time.sleep(1.0)
    if pattern in ("push", "dealer", "pub"):
        for i in range(count):
            s.send(payload(i, size))
    elif pattern == "req":
        for i in range(count):
            s.send(payload(i, size))
            if i < count - 1:
                s.recv()
    elif pattern == "rep":
        for i in range(count):
            s.recv()
            s.send(payload(i, size))
    elif pattern == "router":
        ident, _hello = s.recv_multipart()
        for i in range(count):
            s.send_multipart([ident, payload(i, size)])
    s.close()


def receive(ctx, pattern, endpoint, how, size, count):
    """Returns True when every message arrived, in order and intact."""
    s = ctx.socket(RECEIVER_OF[pattern])
    if pattern == "pub":
        s.setsockopt(zmq.SUBSCRIBE, b"")
    attach(s, endpoint, how)
    if pattern == "router":
        s.send(b"hello")
    received, errors, expected = 0, 0, 0
    try:
        while received < count:
            s.setsockopt(zmq.RCVTIMEO, FIRST_WAIT_MS if received == 0 else NEXT_WAIT_MS)
            if pattern == "rep":
                s.send(b"next")
            try:
                frames = s.recv_multipart()
            except zmq.Again:
                break
            if pattern == "req":
                s.send(b"ok")
            body = frames[-1]
            problem = None
            if len(frames) != (2 if pattern == "dealer" else 1):
                problem = "%d frames" % len(frames)
            elif len(body) != size:
                problem = "%d bytes, expected %d" % (len(body), size)
            else:
                seq = int(body[:8])
                if seq != expected:
                    problem = "sequence number %d, expected %d" % (seq, expected)
                expected = seq
            if problem:
                errors += 1
                if errors <= 5:
                    say("error: message %d: %s" % (received, problem))
            received += 1
            expected += 1
    finally:
        say("received %d of %d" % (received, count))
        s.close(linger=0)
    return received == count and errors == 0


def main():
    mode, pattern, endpoint, how = sys.argv[1:5]
    size, count = int(sys.argv[5]), int(sys.argv[6])
    ctx = zmq.Context()
    ok = True
    if mode == "send" and endpoint.startswith("inproc://"):
        other = "connect" if how == "bind" else "bind"
        result = []
        t = threading.Thread(target=lambda: result.append(
            receive(ctx, pattern, endpoint, other, size, count)))
        t.start()
        send(ctx, pattern, endpoint, how, size, count)
        t.join()
        ok = bool(result and result[0])
    elif mode == "send":
        send(ctx, pattern, endpoint, how, size, count)
    else:
        ok = receive(ctx, pattern, endpoint, how, size, count)
    ctx.term()
    if mode == "send":
        say("sent %d" % count)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
