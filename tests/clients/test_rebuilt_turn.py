"""A turn rebuilt from Claude Code's log events, logged inside another client's span, adds to that span.

The Claude Agent SDK hands the CLI the trace context of the span around ``query()``
(OpenInference's AGENT span ``ClaudeAgentSDK.query``, in ``claude_agent_sdk_openinference``),
so the CLI logs every event of the turn in it and the monitor rebuilds the turn under that
span's id. Whichever report arrives first (a ``ClaudeSDKClient`` turn's span ends before the
CLI's next log export), the span keeps its own times and status (a failed turn stays failed),
the calls and the tool are counted once, and the span is not marked rebuilt.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recording import read_body
from test_conformance import FIXTURES, _replay, ok_calls, reported_runs

from agenttrace_tui.model import SpanKind, Status

NAME = "claude_agent_sdk_openinference"


def _own_agent_spans() -> dict[str, dict]:
    """OpenInference's AGENT spans as recorded, by span id (hex)."""
    folder = FIXTURES / NAME
    manifest = json.loads((folder / "manifest.json").read_text())
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    out: dict[str, dict] = {}
    for f in manifest["files"]:
        if f["signal"] != "traces":
            continue
        req = ExportTraceServiceRequest()
        req.ParseFromString(read_body(folder / f["file"]))
        for rs in req.resource_spans:
            for ss in rs.scope_spans:
                for s in ss.spans:
                    if s.name == "ClaudeAgentSDK.query":
                        out[s.span_id.hex()] = {"start": s.start_time_unix_nano, "end": s.end_time_unix_nano,
                                                "error": s.status.code == 2, "run": f["run"]}
    return out


@pytest.mark.parametrize("order", ["recorded", "spans first", "logs first"])
def test_the_clients_span_stands_under_its_rebuilt_turn(order: str, tmp_path: Path) -> None:
    rp = asyncio.run(_replay(NAME, tmp_path / "order.db", order))
    own = _own_agent_spans()
    for run in reported_runs(rp.manifest):
        (sid,) = rp.sessions[run["label"]]
        spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
        (agent,) = [s for s in spans if s.kind is SpanKind.AGENT]
        rec = own[agent.span_id]
        assert rec["run"] == run["label"]
        assert (agent.start_ns, agent.end_ns) == (rec["start"], rec["end"])
        assert (agent.status is Status.ERROR) == rec["error"] == (run["mode"] == "error")
        assert "agenttrace.rebuilt_from" not in agent.attributes
        calls = [s for s in spans if s.kind is SpanKind.LLM_CALL and s.usage is not None and s.usage.scope == "span"]
        assert sorted(s.usage.output for s in calls) == sorted(c["usage_normalized"]["output"] for c in ok_calls(run))
        assert all(s.parent_span_id == agent.span_id for s in calls)
        tools = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
        assert [(t.tool.name, t.tool.call_id) for t in tools if t.tool is not None] == [
            (c["tool_name"], c["tool_call_id"]) for c in ok_calls(run) if c.get("tool_call_id")]
