# The event hub from "ØMQ – messaging made simple" (Ian Barber): a STREAMER device in its
# own process (pyzmq's ProcessDevice), PULL from the applications' events, PUB to the
# distribution nodes (distro.c), with RATE set for the multicast feed.
# Changes to run unattended:
#  - epgm -> tcp: the PUB binds argv[2] over tcp instead of connecting to the talk's
#    "epgm://eth0;239.192.0.1:7601" (no multicast transport in FerroMQ yet; over tcp one
#    side must bind, and the hub is the fixed point the distros connect to); RATE is still
#    set (it only matters to pgm/epgm);
#  - the PULL binds argv[1] (the talk's "tcp://*:6767");
#  - "Do other things here": the main process prints a line and waits for the device, and
#    exits with the device process's exit code.
import sys

import zmq
from zmq.devices.basedevice import ProcessDevice

pd = ProcessDevice(zmq.STREAMER,
                   zmq.PULL, zmq.PUB)
pd.bind_in(sys.argv[1] if len(sys.argv) > 1 else "tcp://*:6767")
pd.bind_out(sys.argv[2] if len(sys.argv) > 2 else "tcp://*:7601")
pd.setsockopt_out(zmq.RATE, 10000)
pd.start()

# Do other things here
print("eventhub: STREAMER device running (pid %d)" % pd.launcher.pid, flush=True)
pd.join()
sys.exit(pd.launcher.exitcode)
