"""A ``logging`` handler that publishes records on a PUB socket (pyzmq's
``zmq.log.handlers``), and a logger whose calls name a topic.

Each record goes out as two frames: the topic, then the formatted text (UTF-8). The topic
is ``root_topic.LEVEL.subtopic``: the handler's root topic if set, the level name, and the
part of the message before ``::`` if there is one (``log.info("db.slow::took %d ms", n)``
publishes on ``INFO.db.slow``). Subscribers filter on it with SUBSCRIBE prefixes. The text
has pyzmq's formats, per level; ``setFormatter(fmt, level)`` replaces one or all.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from ..constants import PUB
from ..context import Context
from ..socket import Socket

#: Separates a message's subtopic from its text.
TOPIC_DELIM = "::"

_WITH_PLACE = "%(levelname)s %(filename)s:%(lineno)d - %(message)s\n"


class PUBHandler(logging.Handler):
    """Publishes log records on a PUB socket: one given (already bound or connected), or one
    made on ``context`` (a new Context if None) and bound to the address given."""

    def __init__(self, interface_or_socket: str | Socket, context: Context | None = None, root_topic: str = "") -> None:
        super().__init__()
        self.root_topic = root_topic
        self.formatters: dict[int, logging.Formatter | None] = {
            logging.DEBUG: logging.Formatter(_WITH_PLACE),
            logging.INFO: logging.Formatter("%(message)s\n"),
            logging.WARNING: logging.Formatter(_WITH_PLACE),
            logging.ERROR: logging.Formatter("%(levelname)s %(filename)s:%(lineno)d - %(message)s - %(exc_info)s\n"),
            logging.CRITICAL: logging.Formatter(_WITH_PLACE),
        }
        if isinstance(interface_or_socket, Socket):
            self.socket = interface_or_socket
            self.ctx = self.socket.context
        else:
            self.ctx = context or Context()
            self.socket = self.ctx.socket(PUB)
            self.socket.bind(interface_or_socket)

    @property
    def root_topic(self) -> str:
        return self._root_topic

    @root_topic.setter
    def root_topic(self, value: str | bytes) -> None:
        self.setRootTopic(value)

    def setRootTopic(self, root_topic: str | bytes) -> None:
        """The first part of every topic published (none when empty: topics start with the
        level name)."""
        self._root_topic = root_topic.decode("utf-8") if isinstance(root_topic, bytes) else root_topic

    def setFormatter(self, fmt: logging.Formatter | None, level: int = logging.NOTSET) -> None:
        """The formatter for records of ``level``, or of every level (NOTSET)."""
        if level == logging.NOTSET:
            for each in self.formatters:
                self.formatters[each] = fmt
        else:
            self.formatters[level] = fmt

    def format(self, record: logging.LogRecord) -> str:
        formatter = self.formatters[record.levelno]
        assert formatter is not None, f"no formatter for level {record.levelname}"
        return formatter.format(record)

    def emit(self, record: logging.LogRecord) -> None:
        subtopic, delim, text = str(record.msg).partition(TOPIC_DELIM)
        if delim:
            record = copy.copy(record)  # the caller's record stays as it was
            record.msg = text
        else:
            subtopic = ""
        try:
            body = self.format(record).encode("utf-8")
        except Exception:
            self.handleError(record)
            return
        parts = [p for p in (self.root_topic, record.levelname, subtopic) if p]
        self.socket.send_multipart([".".join(parts).encode("utf-8", "replace"), body])


class TopicLogger(logging.Logger):
    """A Logger whose ``log`` takes a topic before the message:
    ``logger.log(logging.INFO, "db.slow", "took %d ms", n)`` (for a PUBHandler)."""

    def log(self, level: int, topic: str, msg: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        super().log(level, f"{topic}{TOPIC_DELIM}{msg}", *args, **kwargs)


__all__ = ["PUBHandler", "TopicLogger", "TOPIC_DELIM"]
