# The event hub from "ØMQ – messaging made simple" (Ian Barber), on FerroMQ: a STREAMER
# ProcessDevice from PULL (events in) to PUB (out onto PGM multicast for distro.c).
# Changes: the import lines. PGM (epgm://, RATE) exists neither in FerroMQ nor in PyPI's
# libzmq: the test runs this file with the epgm endpoint replaced by a tcp one and the RATE
# line dropped (see test_talks.py).
import ferromq as zmq
from ferromq.devices.basedevice import ProcessDevice

pd = ProcessDevice(zmq.STREAMER,
                  zmq.PULL, zmq.PUB)
pd.bind_in("tcp://*:6767")
pd.connect_out("epgm://eth0;239.192.0.1:7601")
pd.setsockopt_out(zmq.RATE, 10000)
pd.start()

# Do other things here
