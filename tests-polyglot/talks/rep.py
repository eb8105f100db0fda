# rep.py from "ØMQ – messaging made simple" (Ian Barber), the request/response server.
# Changes to run unattended (the talk's code is otherwise as shown):
#  - Python 3: print() with flush=True, and bytes (message + b" World"; the talk is Python 2);
#  - the endpoint is argv[1] (default the talk's "tcp://*:5454"): bound when it has a "*",
#    connected otherwise (the queue scenario's workers connect to the device's back end);
#  - argv[2] requests are served (default: forever, like the talk's loop), then the socket
#    is closed and the context terminated, which waits until the last reply is sent.
import sys

import zmq

endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://*:5454"
limit = int(sys.argv[2]) if len(sys.argv) > 2 else None

context = zmq.Context()
server = context.socket(zmq.REP)
if "*" in endpoint:
    server.bind(endpoint)
else:
    server.connect(endpoint)

served = 0
while limit is None or served < limit:
    message = server.recv()
    print("Sending", message.decode(), "World\n", flush=True)
    server.send(message + b" World")
    served += 1

server.close()
context.term()
