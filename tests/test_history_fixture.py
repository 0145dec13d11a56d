"""The fixture database of the history tests, written through the real Writer.

Two sessions of a seed-002-shaped agent (v1 two days ago, v2 three hours
ago) so list filters, compare, prune and replay all have something to chew
on. ``build_db`` is imported by the other test_history_* modules.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import (
    AgentInfo,
    Cost,
    FileInfo,
    LlmInfo,
    RagInfo,
    Session,
    Span,
    SpanEvent,
    SpanKind,
    Status,
    TokenUsage,
    ToolInfo,
)
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.sqlite import Reader, Writer

S = 1_000_000_000
HOSTILE = "\x1b[2J=evil[bold]name"


def _mk(trace, session, t0, sid, name, start, end, parent=None, **kw):
    return Span(
        span_id=sid,
        trace_id=trace,
        session_id=session,
        name=name,
        start_ns=t0 + int(start * S),
        end_ns=None if end is None else t0 + int(end * S),
        parent_span_id=parent,
        **kw,
    )


def agent_spans(version: int, t0: int) -> list[Span]:
    """One seed-002 trace; v2 differs: faster RAG, slower and costlier first LLM call,
    no parse_plan, an added cache_lookup, and no tool error."""
    v = f"v{version}"
    tr = f"trace-{v}"
    sess = f"sess-{v}"

    def m(sid, name, start, end, parent=None, **kw):
        return _mk(tr, sess, t0, f"{v}-{sid}", name, start, end, f"{v}-{parent}" if parent else None, **kw)

    rag_end = 36 if version == 1 else 16
    it1_llm_end = 50 if version == 1 else 56
    spans = [
        m("root", "execute_query", 0, 125, kind=SpanKind.AGENT, agent=AgentInfo(name="Orchestrator")),
        m("orch", "orchestrator_decompose", 0, 5, "root", kind=SpanKind.AGENT),
        m(
            "plan",
            "llm_planning_call",
            0.1,
            4,
            "orch",
            kind=SpanKind.LLM_CALL,
            llm=LlmInfo(provider="ollama", model="llama3.1", stop_reason="stop"),
            usage=TokenUsage(input=450, output=120, total=570, cache_read=100),
            cost=Cost(total=0.002, input=0.001, output=0.001),
        ),
        m("dag", "execute_workflow_dag", 5, 120, "root", kind=SpanKind.TASK, attributes={"strategy": "parallel", "tasks": 2}),
        m("task1", "task_execution", 5, 110, "dag", kind=SpanKind.TASK, agent=AgentInfo(name="CodingAgent")),
        m("rag", "rag_context_retrieval", 6, rag_end, "task1", kind=SpanKind.RETRIEVAL, rag=RagInfo(query="binary search")),
        m("emb", "query_embedding", 6, 7.5, "rag", kind=SpanKind.EMBEDDING, llm=LlmInfo(provider="ort", model="minilm")),
        m("vec", "vector_search", 7.5, 8, "rag", kind=SpanKind.RETRIEVAL, rag=RagInfo(sources_found=15, top_score=0.85)),
        m("react", "react_loop", 36, 100, "task1", kind=SpanKind.AGENT, attributes={"max_iter": 10}),
        m("it1", "iteration_1", 36, 60, "react", kind=SpanKind.AGENT, agent=AgentInfo(name="CodingAgent", iteration=1)),
        m(
            "llm1",
            "llm_inference",
            36,
            it1_llm_end,
            "it1",
            kind=SpanKind.LLM_CALL,
            llm=LlmInfo(provider="openai", model="gpt-4o", stop_reason="tool_call", prompt_preview="Implement search"),
            usage=TokenUsage(input=2048, output=150, total=2198),
            cost=Cost(total=0.01 if version == 1 else 0.03, source="computed"),
        ),
        m(
            "tool1",
            "tool_execute",
            it1_llm_end,
            60,
            "it1",
            kind=SpanKind.TOOL_EXECUTION,
            status=Status.ERROR if version == 1 else Status.OK,
            status_message="permission denied" if version == 1 else None,
            tool=ToolInfo(name="filesystem", action="read", target="/src/main.rs", input_preview='{"path": "/src/main.rs"}'),
            file=FileInfo(path="/src/main.rs", operation="read", bytes=1234),
            events=(SpanEvent(name="retry", time_ns=t0 + 55 * S, attributes={"attempt": 1}),),
        ),
        m("it2", "iteration_2", 60, 100, "react", kind=SpanKind.AGENT, agent=AgentInfo(name="CodingAgent", iteration=2)),
        m(
            "llm2",
            "llm_inference",
            60,
            80,
            "it2",
            kind=SpanKind.LLM_CALL,
            llm=LlmInfo(provider="openai", model="gpt-4o", stop_reason="stop"),
            usage=TokenUsage(input=2300, output=50, total=2350, estimated=True),
            cost=Cost(total=0.008),
        ),
        m("tool2", "tool_execute", 80, 100, "it2", kind=SpanKind.TOOL_EXECUTION, tool=ToolInfo(name="filesystem", action="write", target="/src/search.py")),
        m("synth", "synthesize_results", 120, 120.5, "root", kind=SpanKind.TASK),
    ]
    if version == 1:
        spans.append(m("parse", "parse_plan", 4, 5, "orch", kind=SpanKind.CUSTOM, attributes={"tasks": 2}))
    else:
        spans.append(m("cache", "cache_lookup", 5, 6, "task1", kind=SpanKind.MEMORY_RETRIEVAL))
    return spans


def small_trace(t0: int) -> list[Span]:
    tr, sess = "trace-v1b", "sess-v1"
    return [
        _mk(tr, sess, t0, "b-root", "quick_check", 200, 201, kind=SpanKind.AGENT),
        _mk(
            tr,
            sess,
            t0,
            "b-llm",
            HOSTILE,
            200.1,
            200.9,
            "b-root",
            kind=SpanKind.LLM_CALL,
            llm=LlmInfo(provider="anthropic", model="claude-sonnet-4"),
            usage=TokenUsage(input=1000, output=10, total=1010, cache_read=800, cache_write=100),
            cost=Cost(total=0.0011),
        ),
    ]


def fixture_updates(now_ns: int | None = None) -> tuple[list, int, int]:
    now = time.time_ns() if now_ns is None else now_ns
    t1 = now - 2 * 86400 * S
    t2 = now - 3 * 3600 * S
    ups: list = [
        Session(id="sess-v1", name="agent v1", framework="langgraph", framework_version="0.2", hostname="box", started_ns=t1),
        Session(id="sess-v2", name="agent v2", framework="crewai", service="agent", started_ns=t2, tags=("v2",)),
    ]
    ups += agent_spans(1, t1) + small_trace(t1) + agent_spans(2, t2)
    return ups, t1, t2


async def _write(path: Path, updates: list) -> None:
    store = Store()
    Pipeline(store).apply(updates)
    writer = Writer(store, path)
    await writer.start()
    await writer.flush()
    await writer.close()


def build_db(path: Path, now_ns: int | None = None) -> tuple[int, int]:
    """Write the fixture through the real Writer; returns the two sessions' start times."""
    updates, t1, t2 = fixture_updates(now_ns)
    asyncio.run(_write(path, updates))
    return t1, t2


def test_fixture_db_summaries(tmp_path):
    db = tmp_path / "fx.db"
    build_db(db)
    with Reader(db) as r:
        rows = {s.id: s for s in r.sessions()}
        assert set(rows) == {"sess-v1", "sess-v2"}
        assert rows["sess-v1"].spans == 17 + 2 and rows["sess-v1"].traces == 2 and rows["sess-v1"].errors == 1
        assert rows["sess-v2"].spans == 17 and rows["sess-v2"].errors == 0
        assert len(r.spans_of_trace("trace-v1")) == 17
