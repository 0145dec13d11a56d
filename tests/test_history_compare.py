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
