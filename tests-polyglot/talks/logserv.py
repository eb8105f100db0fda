# logserv.py: the talk's logserv.erl ("ØMQ – messaging made simple", Ian Barber) translated
# line by line to Python, to stand in for it where no Erlang implementation is available
# (erlzmq2 can't be installed here; FerroMQ's Erlang package needs OTP and rebar3). PULL bound
# on tcp; like Erlang's active socket, every part of a multipart message arrives on its own
# ({zmq, In, Msg, _F}); each is decoded from JSON, matched as an object of exactly two
# fields (time, then the log line, as rfc4627:decode's {obj, [{_, Time}, {_, Log}]}), and
# printed as "~B ~s~n".
# Changes to run unattended: the endpoint is argv[1] (the talk's "tcp://*:5555"); it stops
# after argv[2] logs (default: forever, like the talk's loop).
import json
import sys

import zmq


def run(endpoint="tcp://*:5555", limit=None):
    ctx = zmq.Context()
    inp = ctx.socket(zmq.PULL)
    inp.bind(endpoint)
    loop(inp, limit)


def loop(inp, limit):
    seen = 0
    while limit is None or seen < limit:
        msg = inp.recv()
        [(_, time), (_, log)] = json.loads(msg).items()
        print("%d %s" % (time, log), flush=True)
        seen += 1


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else "tcp://*:5555",
        int(sys.argv[2]) if len(sys.argv) > 2 else None)
