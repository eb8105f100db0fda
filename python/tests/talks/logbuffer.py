# The local log aggregator from "ØMQ – messaging made simple" (Ian Barber), on FerroMQ: a
# PULL over ipc (fed by logger.php) that buffers 3 log lines and forwards them as one
# multipart message over tcp (to logserv.erl). Changes: the import line, and print
# statement -> print() for Python 3.
import ferromq as zmq; bufSz = 3; msgs = []
ctx = zmq.Context()
inp = ctx.socket(zmq.PULL)
out = ctx.socket(zmq.PUSH)
inp.bind("ipc:///tmp/logger")
out.connect("tcp://localhost:5555")

while True:
    msgs.append(inp.recv())
    print("Received Log")
    if(len(msgs) == bufSz):
        print("Forwarding Buffer")
        for i, msg in enumerate(msgs):
            out.send( msg,
                      (0, zmq.SNDMORE) [i < bufSz-1])
        msgs = []
