"""A tool call reported by OpenInference's span and by Claude Code's own events, in two traces, is one call.

OpenInference's Claude Agent SDK instrumentation for TypeScript (``claude_agent_sdk_ts_openinference``)
makes a TOOL span per tool call from the SDK's hooks, naming no call id, under its AGENT span; the
Claude Code CLI the SDK runs reports the same call as a ``tool_result`` event naming its
``tool_use_id``. The CLI is started outside the AGENT span's context, so its events carry no trace
context and the monitor rebuilds the turn as a trace of its own: the session showed two Bash calls
for the one the model asked for. The same tool with the same arguments at the same time, one report
rebuilt from the events and the other naming no call id, is one call, whichever arrives first; the
same reports apart in time stay two calls. Replays of the recording into the real Monitor.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_conformance
from recording import read_body
from test_conformance import FIXTURES, ORDERS, _replay, ok_calls, reported_runs

from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.calls import MERGED_BY, TOOL_ELSEWHERE_RULE

NAME = "claude_agent_sdk_ts_openinference"


def _tools(rp, sid: str) -> list:
    return [s for t in rp.store.traces_of(sid) for s in t.spans.values() if s.kind is SpanKind.TOOL_EXECUTION]


@pytest.mark.parametrize("order", list(ORDERS))
def test_the_tool_call_is_counted_once_whichever_report_comes_first(order: str, tmp_path: Path) -> None:
    rp = asyncio.run(_replay(NAME, tmp_path / "order.db", order))
    run = next(r for r in reported_runs(rp.manifest) if ok_calls(r))
    (sid,) = rp.sessions[run["label"]]
    (asked,) = [c for c in ok_calls(run) if c.get("tool_call_id")]
    (tool,) = _tools(rp, sid)
    assert tool.tool is not None
    assert (tool.tool.name, tool.tool.call_id) == (asked["tool_name"], asked["tool_call_id"])
    assert tool.attributes[MERGED_BY] == TOOL_ELSEWHERE_RULE
    # Each report had a part: the call id the CLI's, the tool's output OpenInference's.
    assert "fakellm-tool-ok" in (tool.tool.output_preview or "")
    assert [(r.name, r.calls, r.errors) for r in rp.store.tool_costs(sid)] == [(asked["tool_name"], 1, 0)]


def test_the_same_tool_at_another_time_is_another_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenInference's span of the call moved 10 s later: nothing says it is the CLI's call."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    folder = tmp_path / "fixtures" / NAME
    shutil.copytree(FIXTURES / NAME, folder)
    moved = 0
    for path in folder.glob("*-traces.pb"):
        req = ExportTraceServiceRequest()
        req.ParseFromString(read_body(path))
        for rs in req.resource_spans:
            for ss in rs.scope_spans:
                for span in ss.spans:
                    if any(a.key == "openinference.span.kind" and a.value.string_value == "TOOL" for a in span.attributes):
                        span.start_time_unix_nano += 10_000_000_000
                        span.end_time_unix_nano += 10_000_000_000
                        moved += 1
        path.write_bytes(req.SerializeToString())
    assert moved == 1
    monkeypatch.setattr(test_conformance, "FIXTURES", tmp_path / "fixtures")
    rp = asyncio.run(_replay(NAME, tmp_path / "apart.db"))
    run = next(r for r in reported_runs(rp.manifest) if ok_calls(r))
    (sid,) = rp.sessions[run["label"]]
    tools = _tools(rp, sid)
    assert sorted(s.tool.call_id or "" for s in tools if s.tool is not None) == ["", "toolu_fake0001"]
    assert not any(MERGED_BY in s.attributes for s in tools)
