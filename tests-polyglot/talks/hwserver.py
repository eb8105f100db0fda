# hwserver.py from "Introduction to ØMQ" (zguide), as in the talk; runs on pyzmq.
# The only change: it serves a given number of requests (argv[1]) so the demo ends.
import sys
import time
import zmq

context = zmq.Context()
socket = context.socket(zmq.REP)
socket.bind("tcp://*:5555")

for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 10**9):
    message = socket.recv()
    print("Received request: %s" % message, flush=True)

    time.sleep(0.1)

    socket.send(b"World")
