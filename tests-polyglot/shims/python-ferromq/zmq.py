"""`import zmq` on FerroMQ: the talks' Python scripts run unchanged on FerroMQ's Python
package, whose API is pyzmq's. Only on the python-ferromq implementation's PYTHONPATH
(impls/python-ferromq.json). Submodules resolve inside `ferromq` (zmq.asyncio ->
ferromq.asyncio); a script that needs one FerroMQ lacks (zmq.devices…) fails to import,
and the runner's `needs` check reports that role as not yet runnable on FerroMQ."""
import sys

import ferromq

sys.modules[__name__] = ferromq
