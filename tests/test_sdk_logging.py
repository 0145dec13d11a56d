"""Log records inside a span become span events; ERROR sets error status."""

from __future__ import annotations

import logging

from agenttrace_tui.model import Status
from agenttrace_tui.runtime.testing import LocalMonitor
from agenttrace_tui.sdk import AgentTraceLogHandler, Tracer


def test_log_records_become_events_and_errors_set_status():
    log = logging.getLogger("agent.test.logging")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    handler = AgentTraceLogHandler(logging.INFO)
    log.addHandler(handler)
    try:
        with LocalMonitor("udp") as mon:
            tracer = Tracer("logs", endpoint=mon.endpoint, set_global=False)
            log.info("outside any span is ignored")
            with tracer.span("quiet"):
                log.debug("below the handler level")
                log.info("reading %s", "/src/main.rs")
                log.warning("x" * 500)
            with tracer.span("noisy"):
                try:
                    raise FileNotFoundError("/nope")
                except FileNotFoundError:
                    log.exception("tool failed")
            assert tracer.flush(10)
            assert mon.wait_for(lambda s: s.span_count == 2)
            got = {s.name: s for s in mon.spans()}
            quiet = got["quiet"]
            assert [e.name for e in quiet.events] == ["reading /src/main.rs", "x" * 200]
            assert quiet.events[0].attributes["log.level"] == "INFO"
            assert quiet.events[0].attributes["log.logger"] == "agent.test.logging"
            assert quiet.events[1].attributes["log.message"] == "x" * 500
            assert quiet.status is Status.OK
            noisy = got["noisy"]
            assert noisy.status is Status.ERROR and noisy.status_message == "tool failed"
            assert noisy.status_code == "FileNotFoundError"
            assert noisy.events[0].attributes["exception.type"] == "FileNotFoundError"
            tracer.close()
    finally:
        log.removeHandler(handler)
