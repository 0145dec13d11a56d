"""Gemini CLI's tool call, charged to the model calls that asked for it and read its result.

Gemini CLI sends each model call and each tool call as a trace of its own, so no rule within a
trace found the model call that decided its tool call or the one that consumed its result: the
cost pane and ``costs --group-by tool`` read ``—`` for both. Across the session's traces the
call whose answer asks for the tool decided it and the next one consumed it. Replays of the
real recordings into the real Monitor, and the CLI over the file it wrote.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_conformance import _replay, cli_json

from agenttrace_tui.model import SpanKind


@pytest.mark.parametrize("name", ["gemini-cli", "gemini-cli-run"])
def test_the_tool_call_is_charged_to_the_calls_that_asked_for_it_and_read_it(name: str, tmp_path: Path) -> None:
    rp = asyncio.run(_replay(name, tmp_path / "gemini.db"))
    (sid,) = rp.sessions["ok"]
    traces = rp.store.traces_of(sid)
    spans = [s for t in traces for s in t.spans.values()]
    (tool,) = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
    calls = sorted((s for s in spans if s.kind is SpanKind.LLM_CALL), key=lambda s: s.start_ns)
    assert all(c.trace_id != tool.trace_id for c in calls)  # each in a trace of its own
    asked = [c for c in calls if f"[tool_call {tool.tool.name}(" in (c.llm.response_preview or "")]
    (asker,) = asked
    reader = next(c for c in calls if c.start_ns >= tool.end_ns)
    assert asker.end_ns <= tool.start_ns
    (row,) = rp.store.tool_costs(sid)
    assert (row.name, row.calls, row.decided_calls, row.consumed_calls) == (tool.tool.name, 1, 1, 1)
    assert (row.decided_cost, row.consumed_cost) == (asker.cost.total, reader.cost.total)
    (on_file,) = [r for r in cli_json(rp.db, "costs", "--group-by", "tool", "--session", sid)["rows"]
                  if r["tool"] == tool.tool.name]
    assert on_file["decided_cost_usd"] == pytest.approx(asker.cost.total)
    assert on_file["consumed_cost_usd"] == pytest.approx(reader.cost.total)
