"""The demo agent through the real UDP path into the monitor's store: seed-002 shape."""

from __future__ import annotations

from agenttrace_tui.commands.demo import main, run_demo
from agenttrace_tui.model import SpanKind, Status
from agenttrace_tui.runtime.testing import LocalMonitor


def run(seed: int, duration: float = 4.0, sessions: int = 2) -> LocalMonitor:
    mon = LocalMonitor("udp").start()
    run_demo(mon.endpoint, seed=seed, rate=50, duration_s=duration, sessions=sessions)
    # Every session sends its "ended" record last: wait for all of them.
    assert mon.wait_for(lambda s: len(s.sessions) >= sessions and all(e.session.ended_ns for e in s.sessions.values()))
    return mon


def finished_traces(mon: LocalMonitor, session_name: str | None = None) -> list:
    with mon.lock:
        out = []
        for trace in mon.store.traces.values():
            root = trace.spans.get(trace.root_id) if trace.root_id else None
            sess = mon.store.session(trace.session_id)
            if root is None or root.name != "execute_query" or root.status is not Status.OK:
                continue
            if session_name is None or (sess and sess.session.name == session_name):
                out.append(trace)
        return sorted(out, key=lambda t: t.start_ns)


def children(trace, span_id: str) -> list:
    return [trace.spans[c] for c in trace.children.get(span_id, ()) if c in trace.spans]


def test_demo_produces_the_seed_002_shape():
    mon = run(seed=3)
    try:
        with mon.lock:
            spans = list(mon.store.iter_spans())
            sessions = {e.session.name: e.session for e in mon.store.sessions.values()}
            assert mon.pipeline.stats.rejected_total == 0
        assert {"code-review-agent", "research-assistant"} <= set(sessions)
        assert len({s.framework for s in sessions.values()}) >= 2
        kinds = {s.kind for s in spans}
        assert {SpanKind.AGENT, SpanKind.LLM_CALL, SpanKind.TOOL_EXECUTION, SpanKind.RETRIEVAL, SpanKind.EMBEDDING,
                SpanKind.VERIFICATION, SpanKind.TASK, SpanKind.REASONING} <= kinds
        # Two providers, several real model names, tokens with cache reads.
        llm = [s for s in spans if s.kind is SpanKind.LLM_CALL and s.end_ns]
        assert {s.llm.provider for s in llm} == {"anthropic", "openai"}
        assert {"claude-sonnet-4-5", "claude-haiku-4-5", "gpt-4o", "gpt-4o-mini"} <= {s.llm.model for s in llm}
        assert any(s.usage and s.usage.cache_read > 0 and s.usage.input >= s.usage.cache_read for s in llm)
        assert all(s.llm.prompt_preview for s in llm)
        assert {s.llm.stop_reason for s in llm if s.name == "llm_inference"} >= {"tool_use"}
        # Occasional tool errors, with type and message.
        errors = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION and s.status is Status.ERROR]
        assert errors and all(s.status_message for s in errors)
        assert all(s.tool.name == "filesystem" and s.tool.action in ("read", "write") and s.tool.target for s in spans if s.kind is SpanKind.TOOL_EXECUTION)

        # The nesting of one finished trace.
        trace = finished_traces(mon)[0]
        with mon.lock:
            root = trace.spans[trace.root_id]
            top = [c.name for c in children(trace, root.span_id)]
            assert top == ["orchestrator_decompose", "execute_workflow_dag", "synthesize_results"]
            plan = next(c for c in children(trace, root.span_id) if c.name == "orchestrator_decompose")
            assert [c.name for c in children(trace, plan.span_id)] == ["llm_planning_call", "parse_plan"]
            dag = next(c for c in children(trace, root.span_id) if c.name == "execute_workflow_dag")
            tasks = children(trace, dag.span_id)
            assert len(tasks) >= 2 and {t.name for t in tasks} == {"task_execution"}
            for task in tasks:
                parts = [c.name for c in children(trace, task.span_id)]
                assert parts == ["rag_context_retrieval", "react_loop"]
                rag = children(trace, task.span_id)[0]
                assert [c.name for c in children(trace, rag.span_id)] == ["query_embedding", "vector_search"]
                assert rag.rag.sources_found and rag.rag.top_score
                loop = children(trace, task.span_id)[1]
                steps = children(trace, loop.span_id)
                assert steps[-1].name == "validate_result"
                for i, step in enumerate(steps[:-1], start=1):
                    assert step.name == f"iteration_{i}" and step.agent.iteration == i
                    assert [c.name for c in children(trace, step.span_id)] == ["llm_inference", "tool_execute"]
    finally:
        mon.close()


def signature(trace) -> list:
    rows = []
    for s in trace.spans.values():
        rows.append((
            s.name, s.kind.value, s.status.value,
            s.llm.model if s.llm else None,
            (s.usage.input, s.usage.output, s.usage.cache_read) if s.usage else None,
            s.tool.target if s.tool else None,
            s.rag.sources_found if s.rag else None,
        ))
    return sorted(rows, key=repr)


def test_same_seed_same_shape():
    first, second = run(seed=11, sessions=1), run(seed=11, sessions=1)
    try:
        a = finished_traces(first, "code-review-agent")[0]
        b = finished_traces(second, "code-review-agent")[0]
        with first.lock, second.lock:
            assert signature(a) == signature(b)
            assert len(a.spans) > 20
    finally:
        first.close()
        second.close()


def test_main_runs_standalone(capsys):
    with LocalMonitor("udp") as mon:
        assert main(["--endpoint", mon.endpoint, "--seed", "1", "--rate", "100", "--duration", "1", "--sessions", "1"]) == 0
        assert mon.wait_for(lambda s: s.span_count > 0)
    assert "demo: sent for" in capsys.readouterr().out


def test_sigterm_stops_the_demo_cleanly():
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    src = str(Path(__file__).resolve().parent.parent / "src")
    with LocalMonitor("udp") as mon:
        proc = subprocess.Popen([sys.executable, "-m", "agenttrace_tui.commands.demo", "--endpoint", mon.endpoint, "--seed", "5", "--rate", "5"],
                                env={**os.environ, "PYTHONPATH": src}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # Running spans arrive while the demo works.
            assert mon.wait_for(lambda s: any(sp.end_ns is None for sp in s.iter_spans()), timeout=30)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, err
        assert "demo: sent for" in out
        # Every session says it ended; spans cut short by the stop are marked cancelled.
        assert mon.wait_for(lambda s: len(s.sessions) == 3 and all(e.session.ended_ns for e in s.sessions.values()))
        spans = mon.spans()
        assert all(sp.end_ns is not None for sp in spans)
        assert any(sp.status is Status.CANCELLED for sp in spans)
