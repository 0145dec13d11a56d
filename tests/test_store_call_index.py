"""The store's indexes of calls (``store.calls``: a trace's calls by response id, usage and tool
call id; model calls by response id across traces) hold nothing Python's collector tracks, so a
stored span leaves it no more to walk; and a model call's id and a tool call's id never share a
key, whatever their text."""

from __future__ import annotations

import gc

from agenttrace_tui.model import LlmInfo, Span, SpanKind, TokenUsage, ToolInfo
from agenttrace_tui.store.calls import ToolCallKey, UsageKey
from agenttrace_tui.store.memory import Store

TID = "t" * 32


def _spans(tid: str, same_id: str = "") -> list[Span]:
    """An agent, a model call naming its response with usage, and the tool call it asked for."""
    return [
        Span(span_id="agent", trace_id=tid, session_id="s1", name="invoke_agent", kind=SpanKind.AGENT,
             start_ns=1_000, end_ns=9_000),
        Span(span_id="call", trace_id=tid, session_id="s1", parent_span_id="agent", name="chat gpt-4o",
             kind=SpanKind.LLM_CALL, start_ns=2_000, end_ns=3_000, llm=LlmInfo(model="gpt-4o"),
             usage=TokenUsage(input=1200, output=80, cache_read=1024),
             attributes={"gen_ai.response.id": same_id or "chatcmpl-1"}),
        Span(span_id="tool", trace_id=tid, session_id="s1", parent_span_id="agent", name="execute_tool grep",
             kind=SpanKind.TOOL_EXECUTION, start_ns=4_000, end_ns=5_000,
             tool=ToolInfo(name="grep", call_id=same_id or "call_1")),
    ]


def test_the_call_indexes_hold_nothing_the_collector_tracks() -> None:
    store = Store()
    store.apply(_spans(TID))
    trace = store.traces[TID]
    assert trace.calls == {"chatcmpl-1": "call", UsageKey(1200, 80, 1024): "call", ToolCallKey("call_1"): "tool"}
    assert [gc.is_tracked(k) for k in trace.calls] == [False, False, False]
    assert not gc.is_tracked(trace.calls)
    # Across traces: the nested model call by its response id, noted by its trace alone.
    assert store._nested_calls == {"chatcmpl-1": TID}
    assert not gc.is_tracked(store._nested_calls)


def test_a_model_call_and_a_tool_call_with_the_same_id_are_each_found_by_it() -> None:
    store = Store()
    store.apply(_spans(TID, same_id="id-1"))
    calls = store.traces[TID].calls
    assert calls is not None
    assert (calls["id-1"], calls[ToolCallKey("id-1")]) == ("call", "tool")
