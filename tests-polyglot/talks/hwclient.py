# hwclient.py from "Introduction to ØMQ" (zguide), as in the talk; runs on pyzmq.
# Changes to run unattended: it connects to argv[1] (default the talk's
# "tcp://localhost:5555"), flush=True.
import sys

import zmq

endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://localhost:5555"

context = zmq.Context()

print("Connecting to hello world server...", flush=True)
socket = context.socket(zmq.REQ)
socket.connect(endpoint)

for request in range(10):
    print("Sending request %s ..." % request, flush=True)
    socket.send(b"Hello")

    message = socket.recv()
    print("Received reply %s [ %s ]" % (request, message), flush=True)
