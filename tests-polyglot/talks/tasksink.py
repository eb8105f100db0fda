# tasksink.py: the sink of "Divide and Conquer" in "Introduction to ØMQ" (the zguide's
# Python code for the talk's diagram): wait for the start of batch, collect the results.
# Changes to run unattended: it binds argv[1] (the zguide's "tcp://*:5558") and collects
# argv[2] results (default 100); a ":" every 10 results, on its own line; flush=True.
import sys
import time

import zmq

tasks = int(sys.argv[2]) if len(sys.argv) > 2 else 100

context = zmq.Context()

# Socket to receive messages on
receiver = context.socket(zmq.PULL)
receiver.bind(sys.argv[1] if len(sys.argv) > 1 else "tcp://*:5558")

# Wait for start of batch
s = receiver.recv()

# Start our clock now
tstart = time.time()

# Process the confirmations
for task_nbr in range(tasks):
    s = receiver.recv()
    if task_nbr % 10 == 0:
        print(":", flush=True)

# Calculate and report duration of batch
tend = time.time()
print("Total elapsed time: %d msec" % ((tend - tstart) * 1000), flush=True)
