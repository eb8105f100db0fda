"""Helpers (pyzmq's ``zmq.utils``): ``monitor`` decodes socket monitor events."""
