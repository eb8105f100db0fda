# queue.py: the talk's queue.erl ("ØMQ – messaging made simple", Ian Barber) translated
# line by line to Python, to stand in for it where no Erlang implementation is available
# (erlzmq2 can't be installed here; FerroMQ's Erlang package needs OTP and rebar3). Same
# device: XREP in front, XREQ behind, every part forwarded with SNDMORE while RCVMORE is
# set, and the same "Sending Back: ..." / "Sending Front: ..." line per part (Erlang's ~p
# of a binary).
# Erlang's active sockets deliver each part as a message to the process mailbox; here one
# poll over both sockets plays the mailbox's `receive`.
# Endpoints: argv[1] front (the talk's "tcp://*:5454"), argv[2] back ("tcp://*:5455").
import sys

import zmq


def erl(part):
    """Erlang's ~p of a binary: <<"text">> when printable, else <<0,107,139,69,103>>."""
    if all(32 <= b < 127 for b in part):
        return '<<"%s">>' % part.decode("ascii").replace("\\", "\\\\").replace('"', '\\"') if part else "<<>>"
    return "<<%s>>" % ",".join(str(b) for b in part)


def run(front_endpoint="tcp://*:5454", back_endpoint="tcp://*:5455"):
    ctx = zmq.Context()
    front = ctx.socket(zmq.XREP)
    back = ctx.socket(zmq.XREQ)
    front.bind(front_endpoint)
    back.bind(back_endpoint)

    loop(front, back)
    front.close()
    back.close()
    ctx.term()


def loop(front, back):
    poller = zmq.Poller()
    poller.register(front, zmq.POLLIN)
    poller.register(back, zmq.POLLIN)
    while True:
        for sock, _ in poller.poll():
            if sock is front:
                msg = front.recv()
                print("Sending Back: %s" % erl(msg), flush=True)
                sendall(back, msg, front.getsockopt(zmq.RCVMORE))
            else:
                msg = back.recv()
                print("Sending Front: %s" % erl(msg), flush=True)
                sendall(front, msg, back.getsockopt(zmq.RCVMORE))


def sendall(to, part, rcvmore):
    if rcvmore:
        to.send(part, zmq.SNDMORE)
    else:
        to.send(part)


if __name__ == "__main__":
    run(*sys.argv[1:3])
