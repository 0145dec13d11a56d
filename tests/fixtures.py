"""Deterministic fixture data for the UI tests: a store with fixed times.

Three sessions: a finished code-review run with a failed trace, a running
research run whose newest trace has the shape of seed 002 (orchestrator ->
planning LLM call -> parallel tasks -> RAG -> ReAct iterations with tool calls
-> validate), and a service-only billing bot that ended in an error. Every
time is an offset from ``NOW_NS``; tests pass ``clock`` as the app's clock so
running durations and "ago" columns never move between runs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

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

S = 1_000_000_000
MS = 1_000_000
#: 2026-01-15 12:00:00 UTC: the fixed "now" of every fixture.
NOW_NS = 1_768_478_400 * S

CODE_REVIEW = "sess-code-review"
RESEARCH = "sess-research"
BILLING = "sess-billing"

DEEP_TRACE = "trace-deep"
REVIEW_OK_TRACE = "trace-review-1"
REVIEW_ERR_TRACE = "trace-review-2"
RESEARCH_OLD_TRACE = "trace-research-0"
BILLING_TRACE = "trace-billing"

#: An llm span with everything set (model, tokens, cache, cost, previews, events).
LLM_SPAN = "s-llm-inf-1"
#: The failed tool call inside the deep trace.
ERROR_SPAN = "s-tool-2"
#: The LLM call that is still running in the deep trace.
RUNNING_SPAN = "s-llm-inf-3"


def clock() -> int:
    return NOW_NS


def _span(
    trace: str,
    session: str,
    sid: str,
    name: str,
    kind: SpanKind,
    start_s: float,
    dur_s: float | None,
    parent: str | None = None,
    **kw: Any,
) -> Span:
    """A span starting ``start_s`` seconds before NOW (``dur_s=None``: running)."""
    start = NOW_NS - int(start_s * S)
    end = None if dur_s is None else start + int(dur_s * S)
    status = kw.pop("status", Status.RUNNING if end is None else Status.OK)
    return Span(
        span_id=sid,
        trace_id=trace,
        session_id=session,
        name=name,
        kind=kind,
        start_ns=start,
        end_ns=end,
        parent_span_id=parent,
        status=status,
        **kw,
    )


def _llm(provider: str, model: str, tin: int, tout: int, cost: float | None, **kw: Any) -> dict[str, Any]:
    cache_read = kw.pop("cache_read", 0)
    usage = TokenUsage(input=tin, output=tout, total=tin + tout, cache_read=cache_read)
    c = Cost(total=cost, input=None if cost is None else cost * 0.7, output=None if cost is None else cost * 0.3)
    if cost is None:
        c = Cost(source="unknown", reason=f"no price for {model}")
    return {"llm": LlmInfo(provider=provider, model=model, **kw), "usage": usage, "cost": c}


def deep_trace_spans() -> list[Span]:
    """Seed 002's target tree, still running: iteration 3's LLM call has not returned."""
    t, s = DEEP_TRACE, RESEARCH
    code = {"code.filepath": "agent/react.py", "code.lineno": 88, "thread.id": 140233, "thread.name": "MainThread"}
    return [
        _span(t, s, "s-root", "execute_query", SpanKind.TASK, 125, None,
              attributes={"user.query": "Why does main.rs panic on empty input?", **code}),
        _span(t, s, "s-orch", "orchestrator_decompose", SpanKind.AGENT, 125, 5, "s-root",
              agent=AgentInfo(name="Orchestrator", state="planned")),
        _span(t, s, "s-plan", "llm_planning_call", SpanKind.LLM_CALL, 124.5, 3.8, "s-orch",
              **_llm("ollama", "llama3.1", 450, 120, None, temperature=0.0, stop_reason="stop")),
        _span(t, s, "s-parse", "parse_plan", SpanKind.REASONING, 120.6, 0.4, "s-orch",
              attributes={"plan.tasks": 2}),
        _span(t, s, "s-dag", "execute_workflow_dag", SpanKind.TASK, 120, None, "s-root",
              attributes={"workflow.strategy": "parallel", "workflow.tasks": 2}),
        _span(t, s, "s-task1", "task_execution", SpanKind.AGENT, 119.8, None, "s-dag",
              agent=AgentInfo(name="CodingAgent", state="acting"), attributes={"task.id": "task-1"}),
        _span(t, s, "s-rag", "rag_context_retrieval", SpanKind.RETRIEVAL, 119.5, 30, "s-task1",
              rag=RagInfo(query="panic on empty input main.rs", sources_found=15, top_score=0.85)),
        _span(t, s, "s-embed", "query_embedding", SpanKind.EMBEDDING, 119.4, 1.5, "s-rag",
              **_llm("ort", "all-MiniLM-L6-v2", 12, 0, 0.0)),
        _span(t, s, "s-vec", "vector_search", SpanKind.RETRIEVAL, 117.8, 28, "s-rag",
              rag=RagInfo(query="panic on empty input main.rs", sources_found=15, top_score=0.85)),
        _span(t, s, "s-react", "react_loop", SpanKind.AGENT, 89, None, "s-task1",
              agent=AgentInfo(name="CodingAgent", state="iterating"), attributes={"react.max_iter": 10}),
        _span(t, s, "s-it1", "iteration_1", SpanKind.AGENT, 88.9, 20, "s-react",
              agent=AgentInfo(name="CodingAgent", iteration=1, state="done")),
        _span(t, s, LLM_SPAN, "llm_inference", SpanKind.LLM_CALL, 88.8, 14.2, "s-it1",
              **_llm("openai", "gpt-4o", 2048, 150, 0.00812, cache_read=1024, temperature=0.2,
                     max_tokens=4096, stop_reason="tool_calls", cached=False,
                     prompt_preview="You are CodingAgent. Find why main.rs panics.\n\nContext:\n"
                     + "\n".join(f"  line {i}: let x = input[{i}];" for i in range(1, 13)),
                     response_preview="I will read /src/main.rs to inspect the indexing.\n"
                     "Calling tool filesystem.read(path=\"/src/main.rs\")."),
              events=(SpanEvent(name="first_token", time_ns=NOW_NS - int(88.8 * S) + 412 * MS),
                      SpanEvent(name="tool_call", time_ns=NOW_NS - int(88.8 * S) + 14_100 * MS,
                                attributes={"tool": "filesystem"})),
              attributes={"gen_ai.request.top_p": 0.9, "gen_ai.response.id": "chatcmpl-8xYz",
                          "server.address": "api.openai.com", **code}),
        _span(t, s, "s-tool-1", "tool_execute", SpanKind.FILE_READ, 74.5, 0.6, "s-it1",
              tool=ToolInfo(name="filesystem", action="read", target="/src/main.rs", status="ok",
                            input_preview='{"path": "/src/main.rs"}', output_preview="fn main() {\n    let v = ..."),
              file=FileInfo(path="/src/main.rs", operation="read", bytes=2310)),
        _span(t, s, "s-it2", "iteration_2", SpanKind.AGENT, 68.8, 40, "s-react",
              agent=AgentInfo(name="CodingAgent", iteration=2, state="done")),
        _span(t, s, "s-llm-inf-2", "llm_inference", SpanKind.LLM_CALL, 68.7, 31.5, "s-it2",
              **_llm("anthropic", "claude-sonnet-4", 5120, 410, 0.02151, cache_read=4096,
                     temperature=0.2, max_tokens=4096, stop_reason="tool_use", cached=True)),
        _span(t, s, ERROR_SPAN, "tool_execute", SpanKind.TOOL_EXECUTION, 37, 2.1, "s-it2",
              tool=ToolInfo(name="grep", action="search", target="src/**/*.rs", status="error",
                            input_preview='{"pattern": "unwrap\\\\(\\\\)", "glob": "src/**/*.rs"}',
                            output_preview="grep: invalid regex: unmatched parenthesis"),
              status=Status.ERROR, status_message="invalid regex: unmatched parenthesis",
              status_code="TOOL_ERROR",
              events=(SpanEvent(name="exception", time_ns=NOW_NS - 37 * S + 2_050 * MS,
                                attributes={"exception.type": "RegexError",
                                            "exception.message": "unmatched parenthesis"}),)),
        _span(t, s, "s-it3", "iteration_3", SpanKind.AGENT, 28.5, None, "s-react",
              agent=AgentInfo(name="CodingAgent", iteration=3, state="thinking")),
        _span(t, s, RUNNING_SPAN, "llm_inference", SpanKind.LLM_CALL, 4.2, None, "s-it3",
              llm=LlmInfo(provider="anthropic", model="claude-sonnet-4", temperature=0.2, max_tokens=4096)),
        _span(t, s, "s-task2", "task_execution", SpanKind.AGENT, 119.8, 61, "s-dag",
              agent=AgentInfo(name="DocsAgent", state="done"), attributes={"task.id": "task-2"}),
        _span(t, s, "s-fw", "write_summary", SpanKind.FILE_WRITE, 70, 0.3, "s-task2",
              file=FileInfo(path="/tmp/notes/summary.md", operation="write", bytes=812)),
        _span(t, s, "s-api", "fetch_issue", SpanKind.API_CALL, 110, 1.2, "s-task2",
              attributes={"http.method": "GET", "http.status_code": 200}),
        _span(t, s, "s-llm-doc", "summarize_docs", SpanKind.LLM_CALL, 100, 38, "s-task2",
              **_llm("openai", "gpt-4o-mini", 8000, 900, 0.00174, cache_read=0, stop_reason="stop")),
    ]


def _review_spans() -> list[Span]:
    s = CODE_REVIEW
    ok, err = REVIEW_OK_TRACE, REVIEW_ERR_TRACE
    return [
        _span(ok, s, "r1-root", "review_pull_request", SpanKind.TASK, 3000, 154),
        _span(ok, s, "r1-read", "read_diff", SpanKind.FILE_READ, 2999, 0.2, "r1-root",
              file=FileInfo(path="src/auth/login.ts", operation="read", bytes=10450)),
        _span(ok, s, "r1-llm", "analyze_code", SpanKind.LLM_CALL, 2998, 12.4, "r1-root",
              **_llm("anthropic", "claude-opus-4", 8456, 4000, 0.4268, stop_reason="end_turn")),
        _span(ok, s, "r1-think", "plan_refactor", SpanKind.REASONING, 2985, 5, "r1-root"),
        _span(ok, s, "r1-write", "write_jwt", SpanKind.FILE_WRITE, 2980, 0.1, "r1-root",
              file=FileInfo(path="src/auth/jwt.ts", operation="write", bytes=2200)),
        _span(ok, s, "r1-llm2", "generate_tests", SpanKind.LLM_CALL, 2979, 8.2, "r1-root",
              **_llm("anthropic", "claude-sonnet-4", 6100, 2134, 0.0503, stop_reason="end_turn")),
        _span(ok, s, "r1-verify", "run_tests", SpanKind.VERIFICATION, 2970, 124, "r1-root"),
        _span(err, s, "r2-root", "apply_fixes", SpanKind.TASK, 2800, 40, status=Status.ERROR,
              status_message="tests failed after 2 attempts"),
        _span(err, s, "r2-llm", "propose_patch", SpanKind.LLM_CALL, 2799, 9, "r2-root",
              **_llm("openai", "gpt-4o", 3000, 800, 0.0155, stop_reason="stop")),
        _span(err, s, "r2-code", "run_tests", SpanKind.CODE_EXECUTION, 2789, 28, "r2-root",
              status=Status.ERROR, status_message="3 tests failed: test_login_expired, test_refresh, test_logout",
              tool=ToolInfo(name="pytest", action="run", target="tests/", status="failed")),
    ]


def _research_old_spans() -> list[Span]:
    t, s = RESEARCH_OLD_TRACE, RESEARCH
    return [
        _span(t, s, "o-root", "warmup_index", SpanKind.TASK, 400, 22),
        _span(t, s, "o-emb", "embed_corpus", SpanKind.EMBEDDING, 399, 20, "o-root",
              **_llm("openai", "text-embedding-3-small", 52000, 0, 0.00104)),
    ]


def _billing_spans() -> list[Span]:
    t, s = BILLING_TRACE, BILLING
    return [
        _span(t, s, "b-root", "handle_invoice", SpanKind.AGENT, 900, 7, status=Status.ERROR,
              status_message="upstream timeout", agent=AgentInfo(name="BillingBot", state="failed")),
        _span(t, s, "b-mem", "load_customer", SpanKind.MEMORY_RETRIEVAL, 899.9, 0.3, "b-root"),
        _span(t, s, "b-llm", "classify_invoice", SpanKind.LLM_CALL, 899.5, 1.1, "b-root",
              **_llm("openai", "gpt-4o-mini", 900, 40, 0.00016, stop_reason="stop")),
        _span(t, s, "b-api", "post_to_ledger", SpanKind.API_CALL, 898.3, 5, "b-root",
              status=Status.TIMEOUT, status_message="POST /ledger timed out after 5s"),
    ]


def sessions() -> list[Session]:
    return [
        Session(id=CODE_REVIEW, name="code-review-agent", service="reviewer", framework="langgraph",
                framework_version="0.2.60", hostname="devbox", tags=("ci",),
                started_ns=NOW_NS - 3000 * S, ended_ns=NOW_NS - 2760 * S),
        Session(id=RESEARCH, name="research-assistant", service="researcher", framework="crewai",
                framework_version="0.86", hostname="devbox", started_ns=NOW_NS - 400 * S),
        Session(id=BILLING, service="billing-bot", framework="openai-agents",
                started_ns=NOW_NS - 900 * S, ended_ns=NOW_NS - 890 * S),
    ]


def build_store(max_spans: int = 200_000) -> Store:
    """The fixture store; one batch per trace so versions differ per trace."""
    store = Store(max_spans)
    store.apply(sessions())
    store.apply(_review_spans())
    store.apply(_billing_spans())
    store.apply(_research_old_spans())
    store.apply(deep_trace_spans())
    return store


def extra_spans(trace: str, session: str, n: int, prefix: str, parent: str | None = None, at_s: float = 1.0) -> list[Span]:
    """``n`` small finished spans to apply while a test runs (new data arriving)."""
    return [
        _span(trace, session, f"{prefix}-{i}", f"{prefix}_step_{i}", SpanKind.TOOL_EXECUTION, at_s, 0.1, parent,
              tool=ToolInfo(name="shell", action="run", target=f"step {i}"))
        for i in range(n)
    ]


HOSTILE = [
    "[bold red]markup[/] [@click=app.quit]click me[/]",
    "\x1b[2J\x1b[31mescape\x1b[0m \x07bell \x00nul \x7f del \x9b csi",
    "emoji 🚀🔥👩‍💻 CJK 漢字テスト 한국어 RTL مرحبا بالعالم \u202etxet desrever\u202c",
    "tabs\tand\nnew\r\nlines",
    "combining e\u0301\u0301\u0301 zero\u200bwidth",
]


def hostile_store() -> Store:
    """Every untrusted string slot filled with markup, escapes, huge and wide text."""
    store = build_store()
    big = "N" * 100_000
    store.apply([
        Session(id="hostile", name=HOSTILE[0], service=HOSTILE[1], framework=HOSTILE[2],
                started_ns=NOW_NS - 50 * S),
        Session(id="huge-" + "x" * 100, name=big, started_ns=NOW_NS - 40 * S),
    ])
    spans = [
        _span("t-hostile", "hostile", "h-root", HOSTILE[0], SpanKind.AGENT, 30, 10,
              attributes={HOSTILE[0]: HOSTILE[1], "big": big, "wide": HOSTILE[2], "nested": {"k": [HOSTILE[0]]}},
              status=Status.ERROR, status_message=HOSTILE[1]),
        _span("t-hostile", "hostile", "h-llm", HOSTILE[1], SpanKind.LLM_CALL, 29, 5, "h-root",
              **_llm(HOSTILE[0], HOSTILE[2], 10, 5, 0.001, prompt_preview="\n".join(HOSTILE) + big,
                     response_preview=HOSTILE[0] + "\n" + HOSTILE[1], stop_reason=HOSTILE[0]),
              events=(SpanEvent(name=HOSTILE[0], time_ns=NOW_NS - 29 * S, attributes={"x": HOSTILE[1]}),)),
        _span("t-hostile", "hostile", "h-tool", big, SpanKind.TOOL_EXECUTION, 20, 1, "h-root",
              tool=ToolInfo(name=HOSTILE[2], action=HOSTILE[0], target=HOSTILE[1], input_preview=big,
                            output_preview=HOSTILE[3])),
        _span("t-hostile", "hostile", "h-file", HOSTILE[4], SpanKind.FILE_READ, 19, 1, "h-root",
              file=FileInfo(path=HOSTILE[1], operation=HOSTILE[0])),
        _span("t-huge", "huge-" + "x" * 100, "hg-root", big, SpanKind.TASK, 35, 2),
    ]
    store.apply(spans)
    return store


def write_db(path: Path, updates: list[Any]) -> Path:
    """``updates`` through the real pipeline, store and SQLite writer into ``path``."""
    from agenttrace_tui.ingest.pipeline import Pipeline
    from agenttrace_tui.store.sqlite import Writer

    async def write() -> None:
        store = Store()
        Pipeline(store).apply(updates)
        writer = Writer(store, path)
        await writer.start()
        await writer.flush()
        await writer.close()

    asyncio.run(write())
    return path


def write_store(path: Path, store: Store) -> Path:
    """What ``store`` holds, written by the real SQLite writer into ``path``."""
    from agenttrace_tui.store.sqlite import Writer

    async def write() -> None:
        writer = Writer(store, path)
        await writer.start()
        await writer.close()

    asyncio.run(write())
    return path


def cli_out(capsys: Any, *argv: str) -> str:
    """The real CLI's standard output for ``argv``; it must exit 0."""
    from agenttrace_tui import cli

    capsys.readouterr()
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out
