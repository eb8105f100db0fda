# rep.py from "ØMQ – messaging made simple" (Ian Barber), as in the talk, on FerroMQ.
# Changes: the import line, and the two Python 2 constructs the talk used (print
# statement -> print(); str + " World" -> bytes + b" World"), since this runs on Python 3.
import ferromq as zmq

context = zmq.Context()
server = context.socket(zmq.REP)
server.bind("tcp://*:5454")

while True:
    message = server.recv()
    print("Sending", message, "World\n")
    server.send(message + b" World")
