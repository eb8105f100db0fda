"""Logging over ØMQ (pyzmq's ``zmq.log``): see ``handlers``."""
