# taskwork.py: a worker of "Divide and Conquer" in "Introduction to ØMQ" (the zguide's
# Python code for the talk's diagram): PULL a task, "do" it (sleep), PUSH a result to the
# sink.
# Changes to run unattended: endpoints from argv[1] (the ventilator, the zguide's
# "tcp://localhost:5557") and argv[2] (the sink, "tcp://localhost:5558"); one line per
# task ("task <ms> msec") instead of a bare "." so every process's output reads line by line.
import sys
import time

import zmq

context = zmq.Context()

# Socket to receive messages on
receiver = context.socket(zmq.PULL)
receiver.connect(sys.argv[1] if len(sys.argv) > 1 else "tcp://localhost:5557")

# Socket to send messages to
sender = context.socket(zmq.PUSH)
sender.connect(sys.argv[2] if len(sys.argv) > 2 else "tcp://localhost:5558")

# Process tasks forever
while True:
    s = receiver.recv()

    # Simple progress indicator for the viewer
    print("task %s msec" % s.decode(), flush=True)

    # Do the work
    time.sleep(int(s) * 0.001)

    # Send results to sink
    sender.send(b'')
