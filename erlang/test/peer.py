"""The real libzmq as a peer for erlzmq_interop_tests: pyzmq from Debian's python3-zmq
(libzmq 4.3.4), run by /usr/bin/python3 through open_port.

Usage: peer.py ROLE bind|connect ENDPOINT COUNT [OPTION...]
  Prints "ready ENDPOINT" once bound or connected (the resolved endpoint when binding
  tcp://...:*), "got F1|F2|..." for every message received (frames joined by "|"), and
  "done" at the end; exits 0. Roles:
    rep     echoes COUNT requests, every frame prefixed by "echo "
    req     sends COUNT requests [b"req", b"<i>"], expects the reply [b"echo req", b"echo <i>"]
    push    sends COUNT messages [b"part", b"", b"<i>"]
    pull    receives COUNT messages
    pub     publishes b"a <i>" and b"b <i>" every 10 ms until stdin closes (at most 20 s)
    sub     subscribes to b"b", receives COUNT messages
    router  answers COUNT messages [id, payload] with [id, b"re " + payload]
    dealer  sends COUNT messages b"d <i>", then receives COUNT replies
    pair    receives COUNT messages and sends each back
    seqpush sends COUNT messages b"<i>" (0, 1, ...) and closes; "got sendtimeout <i>" if
            SNDTIMEO (2 s) expires
    seqpull receives COUNT messages, each b"<i>" in order, then says "got COUNT USER-ID"
            (the first message's User-Id property); "got timeout after <n>" if RCVTIMEO
            expires first
  Options (before bind/connect):
    plain-server          PLAIN_SERVER, with pyzmq's ThreadAuthenticator (libzmq's ZAP)
                          knowing admin/secret for servers without a ZAP domain
    plain-client=USER:PW  PLAIN_USERNAME and PLAIN_PASSWORD
    curve-server=PUB,SEC  CURVE_SERVER with this key pair (Z85), with pyzmq's
                          ThreadAuthenticator letting in the clients whose certificates
                          are in the directory of curve-clients=DIR ("*": any client)
    curve-client=SERVERKEY,PUB,SEC
                          CURVE_SERVERKEY, CURVE_PUBLICKEY and CURVE_SECRETKEY (Z85)
    linger=MS, rcvtimeo=MS
"""
import select
import sys
import time

import zmq


def say(*words):
    print(*words, flush=True)


def got(frames):
    say("got " + "|".join(f.decode("latin-1") for f in frames))


def main():
    role, how, endpoint, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    kinds = {"rep": zmq.REP, "req": zmq.REQ, "push": zmq.PUSH, "pull": zmq.PULL,
             "pub": zmq.PUB, "sub": zmq.SUB, "router": zmq.ROUTER, "dealer": zmq.DEALER,
             "pair": zmq.PAIR}
    kinds.update({"seqpush": zmq.PUSH, "seqpull": zmq.PULL})
    ctx = zmq.Context()
    s = ctx.socket(kinds[role])
    s.setsockopt(zmq.LINGER, 5000)
    s.setsockopt(zmq.RCVTIMEO, 10000)
    s.setsockopt(zmq.SNDTIMEO, 2000 if role == "seqpush" else -1)
    auth = None
    curve_clients = None
    for option in sys.argv[5:]:
        name, _, value = option.partition("=")
        if name == "plain-server":
            from zmq.auth.thread import ThreadAuthenticator

            auth = ThreadAuthenticator(ctx)
            auth.start()
            auth.configure_plain(domain="*", passwords={"admin": "secret"})
            s.setsockopt(zmq.PLAIN_SERVER, 1)
        elif name == "plain-client":
            username, _, password = value.partition(":")
            s.setsockopt(zmq.PLAIN_USERNAME, username.encode())
            s.setsockopt(zmq.PLAIN_PASSWORD, password.encode())
        elif name == "curve-server":
            public, secret = value.split(",")
            s.setsockopt(zmq.CURVE_SERVER, 1)
            s.setsockopt(zmq.CURVE_PUBLICKEY, public.encode())
            s.setsockopt(zmq.CURVE_SECRETKEY, secret.encode())
        elif name == "curve-clients":
            curve_clients = value
        elif name == "curve-client":
            server, public, secret = value.split(",")
            s.setsockopt(zmq.CURVE_SERVERKEY, server.encode())
            s.setsockopt(zmq.CURVE_PUBLICKEY, public.encode())
            s.setsockopt(zmq.CURVE_SECRETKEY, secret.encode())
        elif name == "linger":
            s.setsockopt(zmq.LINGER, int(value))
        elif name == "rcvtimeo":
            s.setsockopt(zmq.RCVTIMEO, int(value))
        else:
            raise SystemExit(f"unknown option {option}")
    if curve_clients is not None:
        from zmq.auth import CURVE_ALLOW_ANY
        from zmq.auth.thread import ThreadAuthenticator

        auth = ThreadAuthenticator(ctx)
        auth.start()
        location = CURVE_ALLOW_ANY if curve_clients == "*" else curve_clients
        auth.configure_curve(domain="*", location=location)
    if role == "sub":
        s.setsockopt(zmq.SUBSCRIBE, b"b")
    if how == "bind":
        s.bind(endpoint)
        endpoint = s.getsockopt(zmq.LAST_ENDPOINT).decode()
    else:
        s.connect(endpoint)
    say("ready", endpoint)

    if role == "rep":
        for _ in range(count):
            frames = s.recv_multipart()
            got(frames)
            s.send_multipart([b"echo " + f for f in frames])
    elif role == "req":
        for i in range(count):
            s.send_multipart([b"req", str(i).encode()])
            frames = s.recv_multipart()
            got(frames)
            assert frames == [b"echo req", b"echo %d" % i], frames
    elif role == "push":
        for i in range(count):
            s.send_multipart([b"part", b"", str(i).encode()])
    elif role in ("pull", "sub"):
        for _ in range(count):
            got(s.recv_multipart())
    elif role == "pub":
        i, end = 0, time.time() + 20
        while time.time() < end:
            s.send(b"a %d" % i)
            s.send(b"b %d" % i)
            i += 1
            if select.select([sys.stdin], [], [], 0.01)[0] and not sys.stdin.readline():
                break
    elif role == "router":
        for _ in range(count):
            ident, payload = s.recv_multipart()
            got([payload])
            s.send_multipart([ident, b"re " + payload])
    elif role == "dealer":
        for i in range(count):
            s.send(b"d %d" % i)
        for _ in range(count):
            got(s.recv_multipart())
    elif role == "pair":
        for _ in range(count):
            frames = s.recv_multipart()
            got(frames)
            s.send_multipart(frames)
    elif role == "seqpush":
        for i in range(count):
            try:
                s.send(b"%d" % i)
            except zmq.Again:
                say("got sendtimeout %d" % i)
                break
    elif role == "seqpull":
        user_id = None
        for i in range(count):
            try:
                frame = s.recv(copy=False)
            except zmq.Again:
                say("got timeout after %d" % i)
                break
            assert frame.bytes == b"%d" % i, (i, frame.bytes)
            if user_id is None:
                user_id = frame.get("User-Id")
        else:
            say("got %d %s" % (count, user_id))
    say("done")
    s.close()
    if auth is not None:
        auth.stop()
    ctx.term()


if __name__ == "__main__":
    main()
