"""A logging.Handler that files log records under the span they were logged in.

    logging.getLogger().addHandler(AgentTraceLogHandler())

Every record emitted while a span is current (in that thread or task) becomes
an event on that span: name = the message (cut to 200 characters),
attributes = level, logger, source location and any exception. Records at
ERROR or above also set the span's status to ``error`` (unless
``error_status=False``). Records outside any span are ignored, so the handler
can sit on the root logger.
"""

from __future__ import annotations

import logging
from typing import Any

from .context import _current

MAX_NAME = 200


class AgentTraceLogHandler(logging.Handler):
    def __init__(self, level: int = logging.INFO, *, error_status: bool = True, include_location: bool = True) -> None:
        super().__init__(level)
        self.error_status = error_status
        self.include_location = include_location

    def emit(self, record: logging.LogRecord) -> None:
        span = _current.get()
        if span is None or span.end_ns is not None:
            return
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = str(record.msg)
        attrs: dict[str, Any] = {"log.level": record.levelname, "log.logger": record.name}
        if len(message) > MAX_NAME:
            attrs["log.message"] = message[:4000]
        if self.include_location:
            attrs["code.function"] = record.funcName
            attrs["code.lineno"] = record.lineno
            attrs["code.filepath"] = record.pathname
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            attrs["exception.type"] = type(exc).__name__
            attrs["exception.message"] = str(exc)[:1000]
        try:
            span.add_event(message[:MAX_NAME] or record.levelname, attrs, time_ns=int(record.created * 1e9))
            if self.error_status and record.levelno >= logging.ERROR:
                span.set_status("error", message[:1000], code=attrs.get("exception.type"))
        except Exception:  # noqa: BLE001 - logging must never raise into the agent
            self.handleError(record)
