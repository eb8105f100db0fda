"""JSON to and from UTF-8 bytes (pyzmq's ``zmq.utils.jsonapi``), with the standard library's
``json``; keyword arguments go to ``json.dumps`` / ``json.loads``."""

from __future__ import annotations

import json
from typing import Any

#: pyzmq keeps this name for old code that picked a JSON library through it.
jsonmod = json


def dumps(o: object, **kwargs: Any) -> bytes:
    """``o`` as JSON, encoded in UTF-8."""
    return json.dumps(o, **kwargs).encode("utf-8")


def loads(s: bytes | str, **kwargs: Any) -> Any:
    """The object in the JSON text ``s`` (bytes are decoded as UTF-8)."""
    return json.loads(s.decode("utf-8") if isinstance(s, (bytes, bytearray)) else s, **kwargs)


__all__ = ["dumps", "loads"]
