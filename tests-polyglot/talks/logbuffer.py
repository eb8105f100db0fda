# The log aggregator from "ØMQ – messaging made simple" (Ian Barber): PULL over ipc from the
# logging processes, and every bufSz = 3 logs forwarded as ONE multipart message (SNDMORE on
# all parts but the last) over tcp to the log writer (logserv.erl).
# Changes to run unattended: Python 3 print() with flush=True (the talk is Python 2); the
# endpoints are argv[1] (the talk's "ipc:///tmp/logger") and argv[2] (the talk's
# "tcp://localhost:5555"); one statement per line.
import sys

import zmq

bufSz = 3
msgs = []
ctx = zmq.Context()
inp = ctx.socket(zmq.PULL)
out = ctx.socket(zmq.PUSH)
inp.bind(sys.argv[1] if len(sys.argv) > 1 else "ipc:///tmp/logger")
out.connect(sys.argv[2] if len(sys.argv) > 2 else "tcp://localhost:5555")

while True:
    msgs.append(inp.recv())
    print("Received Log", flush=True)
    if len(msgs) == bufSz:
        print("Forwarding Buffer", flush=True)
        for i, msg in enumerate(msgs):
            out.send(msg,
                     (0, zmq.SNDMORE)[i < bufSz - 1])
        msgs = []
