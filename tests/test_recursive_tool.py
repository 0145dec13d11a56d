"""A tool that calls itself, traced with our SDK, is a call per span: live, saved and read back.

The store folds a tool span nested directly in a span of the same tool, with no
call ids telling them apart, into one call: that is how two instrumentations
report one call (AutoGen's runtime inside OpenInference). Our SDK sets no call
id unless the code gives one, so a recursive tool traced with it (a directory
walk that lists each subdirectory with itself) was shown as one call whatever
its depth. Driven for real: our SDK in this process sends live spans (start,
then end) over UDP on 127.0.0.1 to the monitor, which keeps them in its SQLite
file, read back with the reader the history commands use.
"""

from __future__ import annotations

import time
from pathlib import Path

from agenttrace_tui.config import Config
from agenttrace_tui.ingest.hold import HOLD_S
from agenttrace_tui.model import SpanKind
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.sdk import Tracer
from agenttrace_tui.store.calls import MERGED_BY
from agenttrace_tui.store.sqlite import Reader
from test_otlp_support import wait_for

DIRS = ["src", "src/app", "src/app/models"]


def _list_dir(tracer: Tracer, depth: int) -> None:
    path = DIRS[depth]
    with tracer.span("list_dir", kind="tool_execution") as span:
        span.set_tool(name="list_dir", input={"path": path}, output=DIRS[depth + 1:depth + 2])
        if depth + 1 < len(DIRS):
            # Longer than the monitor holds a span_start for its end: each caller is stored running
            # before the call it makes arrives, as an agent's slow tool is.
            time.sleep(HOLD_S * 2)
            _list_dir(tracer, depth + 1)


async def test_a_tool_that_calls_itself_through_our_sdk_is_a_call_per_span(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    monitor = Monitor(Config(udp_port=0, tcp_port=None, socket="", otlp_port=None, otlp_grpc_port=None, db=str(db)))
    await monitor.start()
    try:
        assert monitor.receivers is not None and monitor.receivers.udp_address is not None
        tracer = Tracer("walker", endpoint=f"udp://127.0.0.1:{monitor.receivers.udp_address[1]}", set_global=False)
        with tracer.span("walk the tree", kind="agent"):
            _list_dir(tracer, 0)
        assert tracer.flush(5)
        store = monitor.store
        sid = tracer.session_id

        def walked() -> bool:  # the agent's span ended, and no span of it still running
            spans = [s for t in store.traces_of(sid) for s in t.spans.values()] if sid in store.sessions else []
            return any(s.name == "walk the tree" and not s.running for s in spans) and not any(s.running for s in spans)

        assert await wait_for(walked)
        assert store.sessions[sid].totals.spans == 4
        (trace,) = store.traces_of(sid)
        tools = sorted((s for s in trace.spans.values() if s.kind is SpanKind.TOOL_EXECUTION), key=lambda s: s.start_ns)
        assert [s.tool.input_preview for s in tools] == [f'{{"path": "{d}"}}' for d in DIRS]
        assert [s.parent_span_id for s in tools[1:]] == [s.span_id for s in tools[:-1]]
        assert not [s for s in tools if MERGED_BY in s.attributes]
        assert [(r.name, r.calls) for r in store.tool_costs(sid)] == [("list_dir", 3)]
        tid = trace.trace_id
    finally:
        await monitor.stop()
    with Reader(db) as reader:
        saved = [s for s in reader.spans_of_trace(tid) if s.kind is SpanKind.TOOL_EXECUTION]
    assert [(s.span_id, s.parent_span_id, s.tool.input_preview) for s in saved] == [
        (s.span_id, s.parent_span_id, s.tool.input_preview) for s in tools]
