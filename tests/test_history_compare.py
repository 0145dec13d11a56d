"""compare A B on the two fixture traces and sessions; the pure diff rules."""

from __future__ import annotations

import json

import pytest

from agenttrace_tui import cli
from agenttrace_tui.analysis.compare import compare_spans
from test_history_fixture import S, agent_spans, build_db


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "cmp.db"
    build_db(path)
    return path


def cmp_json(capsys, db, a, b):
    capsys.readouterr()
    assert cli.main(["compare", a, b, "--db", str(db), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_compare_two_traces(db, capsys):
    d = cmp_json(capsys, db, "trace-v1", "trace-v2")
    assert d["compared"] == "trace"
    assert (d["a"]["spans"], d["b"]["spans"]) == (17, 17)
    assert (d["a"]["errors"], d["b"]["errors"], d["delta"]["errors"]) == (1, 0, -1)
    assert d["delta"]["cost"] == pytest.approx(0.02)
    assert d["delta"]["spans_by_kind"] == {"custom": -1, "memory_retrieval": 1}
    rows = {r["name"]: r for r in d["spans"]}
    assert rows["rag_context_retrieval"]["changes"] == ["faster"]
    assert rows["rag_context_retrieval"]["duration_delta_ns"] == -20 * S
    assert rows["llm_inference"]["changes"] == ["slower", "more_expensive"]
    assert rows["cache_lookup"]["changes"] == ["added"] and rows["cache_lookup"]["count_a"] == 0
    assert rows["parse_plan"]["changes"] == ["removed"] and rows["parse_plan"]["count_b"] == 0
    assert rows["tool_execute"]["changes"] == ["faster", "fewer_errors"]
    assert rows["synthesize_results"]["changes"] == ["same"]
    # biggest differences first
    deltas = [abs(r["duration_delta_ns"]) for r in d["spans"]]
    assert deltas == sorted(deltas, reverse=True)
    assert d["spans"][0]["name"] == "rag_context_retrieval"


def test_compare_two_sessions_and_table(db, capsys):
    d = cmp_json(capsys, db, "sess-v1", "latest")
    assert d["compared"] == "session" and d["b"]["label"] == "latest"
    assert (d["a"]["spans"], d["b"]["spans"]) == (19, 17)
    assert "quick_check" in {r["name"] for r in d["spans"] if r["changes"] == ["removed"]}
    capsys.readouterr()
    assert cli.main(["compare", "trace-v1", "trace-v2", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "by span name" in out and "rag_context_retrieval" in out and "slower, more expensive" in out
    assert "\x1b" not in out
    # A span with nothing to price (a tool) reads "—" on both sides, never a $0; a model call its cost.
    tool = next(ln for ln in out.splitlines() if ln.startswith("tool_execute "))
    assert tool.split()[-2:] == ["—", "—"], tool
    llm = next(ln for ln in out.splitlines() if ln.startswith("llm_inference "))
    assert all(cell.lstrip("≈").startswith("$") for cell in llm.split()[-2:]), llm


def test_compare_rejects_mixed_or_unknown_ids(db, capsys):
    assert cli.main(["compare", "trace-v1", "sess-v2", "--db", str(db)]) == 1
    assert "two trace ids or two session ids" in capsys.readouterr().err
    assert cli.main(["compare", "trace-v1", "nope", "--db", str(db)]) == 1
    assert "neither a trace nor a session" in capsys.readouterr().err


def test_small_changes_are_the_same():
    a = agent_spans(1, 0)
    b = agent_spans(1, 5 * S)  # the same run, later
    d = compare_spans(a, b)
    assert all(r["changes"] == ["same"] for r in d["spans"])
    assert d["delta"]["duration_ns"] == 0 and d["delta"]["spans"] == 0


def test_a_rows_cost_says_estimated_and_unpriced_as_every_sum(db, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    d = cmp_json(capsys, db, "trace-v1", "trace-v2")
    est = [r for r in d["spans"] if r["estimated_a"]]
    assert est and d["a"]["tokens_estimated"]  # the fixture's estimated model call
    capsys.readouterr()
    assert cli.main(["compare", "trace-v1", "trace-v2", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    for r in est:
        line = next(ln for ln in out.splitlines() if ln.startswith(r["name"] + " "))
        assert line.split()[-2].startswith("≈$") and line.split()[-1].startswith("≈$")


def test_a_row_partly_priced_keeps_its_priced_part():
    from agenttrace_tui.model import Cost, LlmInfo, Span, SpanKind, TokenUsage

    def call(sid: str, cost: float | None) -> Span:
        return Span(span_id=sid, trace_id="t", session_id="s", name="chat", kind=SpanKind.LLM_CALL, start_ns=S, end_ns=2 * S,
                    llm=LlmInfo(model="m"), usage=TokenUsage(input=10, output=5),
                    cost=Cost(total=cost, source="computed" if cost is not None else "unknown"))

    d = compare_spans([call("a", 0.25), call("b", None)], [call("c", 0.25)])
    (row,) = d["spans"]
    assert (row["cost_a"], row["cost_priced_a"], row["unpriced_a"]) == (None, 0.25, 1)  # never a silent total
    assert (row["cost_b"], row["cost_priced_b"], row["unpriced_b"]) == (0.25, 0.25, 0)
    assert row["cost_delta"] is None and "cheaper" not in row["changes"]


def test_a_span_with_no_end_took_a_time_nobody_knows(tmp_path, capsys, monkeypatch):
    # B's run was cut off (its agent killed): its open spans are not "0ns" and "faster";
    # their time is unknown, the difference too, and the row says why.
    from agenttrace_tui.model import Span
    from agenttrace_tui.store.memory import Store
    from agenttrace_tui.store.sqlite import Writer

    def run(trace: str, end_of_last: int | None) -> list[Span]:
        return [Span(span_id=f"{trace}-root", trace_id=trace, session_id="s-" + trace, name="agent run", start_ns=S,
                     end_ns=None if end_of_last is None else 10 * S),
                Span(span_id=f"{trace}-1", trace_id=trace, session_id="s-" + trace, name="step", start_ns=S,
                     parent_span_id=f"{trace}-root", end_ns=3 * S),
                Span(span_id=f"{trace}-2", trace_id=trace, session_id="s-" + trace, name="step", start_ns=4 * S,
                     parent_span_id=f"{trace}-root", end_ns=end_of_last)]

    d = compare_spans(run("a", 9 * S), run("b", None))
    rows = {r["name"]: r for r in d["spans"]}
    assert rows["agent run"]["changes"] == ["unfinished"] and rows["agent run"]["duration_delta_ns"] is None
    assert (rows["agent run"]["duration_b_ns"], rows["agent run"]["unfinished_b"]) == (0, 1)
    step = rows["step"]
    assert step["changes"] == ["unfinished"] and (step["duration_a_ns"], step["duration_b_ns"]) == (7 * S, 2 * S)
    assert (step["unfinished_a"], step["unfinished_b"]) == (0, 1)
    assert (d["b"]["unfinished"], d["delta"]["duration_ns"]) == (2, None)

    # The same through the CLI on a real file: "?" and "+?", never 0ns.
    db = tmp_path / "cut.db"

    async def write() -> None:
        store = Store()
        w = Writer(store, db, interval_s=3600)
        await w.start()
        store.apply(run("a", 9 * S) + run("b", None))
        await w.close()

    import asyncio

    asyncio.run(write())
    monkeypatch.setenv("COLUMNS", "200")
    capsys.readouterr()
    assert cli.main(["compare", "a", "b", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    duration = next(ln for ln in out.splitlines() if ln.startswith("duration"))
    assert duration.split()[1:] == ["9.00s", "3.00s+?", "?"], duration
    step_line = next(ln for ln in out.splitlines() if ln.startswith("step "))
    assert step_line.split()[1:6] == ["unfinished", "2→2", "7.00s", "2.00s+?", "?"], step_line
    root_line = next(ln for ln in out.splitlines() if ln.startswith("agent run "))
    assert "0ns" not in root_line and " ? " in root_line, root_line
