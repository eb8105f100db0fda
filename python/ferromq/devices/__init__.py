"""Background devices (pyzmq's ``zmq.devices``): Device, ThreadDevice, ProcessDevice."""

from .basedevice import BackgroundDevice, Device, ProcessDevice, ThreadDevice

__all__ = ["Device", "BackgroundDevice", "ThreadDevice", "ProcessDevice"]
