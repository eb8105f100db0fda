# hwserver.py from "Introduction to ØMQ" (zguide), as in the talk; runs on pyzmq.
# Changes to run unattended: it serves argv[1] requests (default: forever), then closes the
# socket and terminates the context, which waits until the last reply is sent (pyzmq skips
# that at interpreter exit); binds argv[2] (default the talk's "tcp://*:5555"); sleeps 0.1 s
# per request instead of 1 s; flush=True.
import sys
import time

import zmq

limit = int(sys.argv[1]) if len(sys.argv) > 1 else None
endpoint = sys.argv[2] if len(sys.argv) > 2 else "tcp://*:5555"

context = zmq.Context()
socket = context.socket(zmq.REP)
socket.bind(endpoint)

served = 0
while limit is None or served < limit:
    message = socket.recv()
    print("Received request: %s" % message, flush=True)

    time.sleep(0.1)

    socket.send(b"World")
    served += 1

socket.close()
context.term()
