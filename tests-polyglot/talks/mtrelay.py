# mtrelay.py: PAIR over inproc, from "Introduction to ØMQ" (the talk's "Pair Pattern"
# slides; this is the zguide's Python example of it): three threads of one process
# signalling each other in a chain, step1 -> step2 -> step3, over inproc PAIR sockets.
# Changes to run unattended: flush=True, and each step says what it got.
import threading

import zmq


def step1(context=None):
    """Step 1"""
    context = context or zmq.Context.instance()
    # Signal downstream to step 2
    sender = context.socket(zmq.PAIR)
    sender.connect("inproc://step2")

    sender.send(b"")


def step2(context=None):
    """Step 2"""
    context = context or zmq.Context.instance()
    # Bind to inproc: endpoint, then start upstream thread
    receiver = context.socket(zmq.PAIR)
    receiver.bind("inproc://step2")

    thread = threading.Thread(target=step1)
    thread.start()

    # Wait for signal
    msg = receiver.recv()
    print("Step 2 got the signal from step 1", flush=True)

    # Signal downstream to step 3
    sender = context.socket(zmq.PAIR)
    sender.connect("inproc://step3")
    sender.send(b"")


def main():
    """ server routine """
    # Prepare our context and sockets
    context = zmq.Context.instance()

    # Bind to inproc: endpoint, then start upstream thread
    receiver = context.socket(zmq.PAIR)
    receiver.bind("inproc://step3")

    thread = threading.Thread(target=step2)
    thread.start()

    # Wait for signal
    string = receiver.recv()
    print("Step 3 got the signal from step 2", flush=True)

    print("Test successful!", flush=True)

    receiver.close()
    context.term()


if __name__ == "__main__":
    main()
