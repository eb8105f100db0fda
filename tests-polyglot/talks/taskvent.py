# taskvent.py: the ventilator of "Divide and Conquer" in "Introduction to ØMQ" (the talk
# shows the zguide's diagram; this is the zguide's Python code for it): PUSH tasks to the
# workers, after a start-of-batch signal to the sink.
# Changes to run unattended: endpoints from argv[1] (workers, the zguide's "tcp://*:5557")
# and argv[2] (the sink, "tcp://localhost:5558"); argv[3] tasks (default 100) of 1-20 ms
# (the zguide's are 1-100 ms); flush=True. It still waits for Enter (the runner types it
# once the workers are connected).
import random
import sys
import time

import zmq

tasks = int(sys.argv[3]) if len(sys.argv) > 3 else 100

context = zmq.Context()

# Socket to send messages on
sender = context.socket(zmq.PUSH)
sender.bind(sys.argv[1] if len(sys.argv) > 1 else "tcp://*:5557")

# Socket with direct access to the sink: used to synchronize start of batch
sink = context.socket(zmq.PUSH)
sink.connect(sys.argv[2] if len(sys.argv) > 2 else "tcp://localhost:5558")

print("Press Enter when the workers are ready: ", flush=True)
_ = input()
print("Sending tasks to workers...", flush=True)

# The first message is "0" and signals start of batch
sink.send(b'0')

# Initialize random number generator
random.seed()

# Send the tasks
total_msec = 0
for task_nbr in range(tasks):

    # Random workload from 1 to 20 msecs
    workload = random.randint(1, 20)
    total_msec += workload

    sender.send_string(u'%i' % workload)

print("Total expected cost: %s msec" % total_msec, flush=True)

# Give 0MQ time to deliver
time.sleep(1)
