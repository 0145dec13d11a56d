"""A turn rebuilt from Claude Code's log events, logged inside another client's span, adds to that span.

The Claude Agent SDK hands the CLI the trace context of the span around ``query()``
(OpenInference's AGENT span ``ClaudeAgentSDK.query``, in ``claude_agent_sdk_openinference``),
so the CLI logs every event of the turn in it and the monitor rebuilds the turn under that
span's id. Whichever report arrives first (a ``ClaudeSDKClient`` turn's span ends before the
CLI's next log export), the span keeps its own times and status (a failed turn stays failed),
the calls and the tool are counted once, and the span is not marked rebuilt. Claude Code's own
interaction span (``claude-code-traces``) is the same case. The turn is named by its prompt in
either order, in the store and on file.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recording import read_body
from test_conformance import FIXTURES, _replay, ok_calls, reported_runs

from agenttrace_tui.model import SpanKind, Status
from agenttrace_tui.normalize.conventions import cut_head

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


def _logged_prompts(name: str) -> dict[str, str]:
    """The prompt of each run's ``user_prompt`` log event, as recorded."""
    from google.protobuf.json_format import Parse
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    folder = FIXTURES / name
    manifest = json.loads((folder / "manifest.json").read_text())
    out: dict[str, str] = {}
    for f in manifest["files"]:
        if f["signal"] != "logs":
            continue
        req = ExportLogsServiceRequest()
        body = read_body(folder / f["file"])
        if "json" in f["content_type"]:
            Parse(body.decode(), req)
        else:
            req.ParseFromString(body)
        for rl in req.resource_logs:
            for sl in rl.scope_logs:
                for rec in sl.log_records:
                    attrs = {a.key: a.value.string_value for a in rec.attributes}
                    if attrs.get("event.name") == "user_prompt" and attrs.get("prompt"):
                        out[f["run"]] = attrs["prompt"]
    return out


@pytest.mark.parametrize("order", ["spans first", "logs first"])
@pytest.mark.parametrize("name", [NAME, "claude-code-traces"])
def test_the_turn_is_named_by_its_prompt_whichever_report_came_first(name: str, order: str, tmp_path: Path) -> None:
    """The client's own span is named alike on every turn (``claude_code.interaction``,
    ``ClaudeAgentSDK.query``); the rebuilt turn names it by its prompt, which tells them apart."""
    rp = asyncio.run(_replay(name, tmp_path / "order.db", order))
    prompts = _logged_prompts(name)
    with sqlite3.connect(rp.db) as db:
        on_file = {tid: tname for tid, tname in db.execute("SELECT trace_id, name FROM traces")}
    for run in reported_runs(rp.manifest):
        want = f"prompt: {cut_head(prompts[run['label']], 60)}"
        (sid,) = rp.sessions[run["label"]]
        (turn,) = [t for t in rp.store.traces_of(sid) if t.root_id and t.spans[t.root_id].kind is SpanKind.AGENT]
        assert (turn.spans[turn.root_id].name, turn.name, on_file[turn.trace_id]) == (want, want, want)
