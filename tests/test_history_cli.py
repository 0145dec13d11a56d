"""Query commands on the fixture DB: sessions, traces, spans, stats, prune, replay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agenttrace_tui import cli
from agenttrace_tui.commands.stats import percentile
from agenttrace_tui.model import Session, SpanKind
from agenttrace_tui.store.maintenance import apply_retention
from agenttrace_tui.store.sqlite import Reader
from fixtures import _span, write_db
from test_history_fixture import S, build_db


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "history.db"
    build_db(path)
    return path


def run(capsys, *argv):
    capsys.readouterr()
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_sessions_list_json_and_filters(db, capsys):
    rows = run_json(capsys, "sessions", "list", "--db", str(db))
    assert [r["id"] for r in rows] == ["sess-v2", "sess-v1"]  # most recently active first
    v1 = rows[1]
    assert v1["name"] == "agent v1" and v1["framework"] == "langgraph"
    assert (v1["traces"], v1["spans"], v1["errors"], v1["status"]) == (2, 19, 1, "error")
    assert v1["input_tokens"] == 450 + 2048 + 2300 + 1000 and v1["output_tokens"] == 120 + 150 + 50 + 10
    assert v1["cost"] == pytest.approx(0.002 + 0.01 + 0.008 + 0.0011)
    assert [r["id"] for r in run_json(capsys, "sessions", "list", "--db", str(db), "--since", "1d")] == ["sess-v2"]
    assert [r["id"] for r in run_json(capsys, "sessions", "list", "--db", str(db), "--framework", "langgraph")] == ["sess-v1"]
    assert [r["id"] for r in run_json(capsys, "sessions", "list", "--db", str(db), "--status", "done")] == ["sess-v2"]
    assert len(run_json(capsys, "sessions", "list", "--db", str(db), "--limit", "1")) == 1


@pytest.mark.parametrize(("command", "action"), [("sessions", "list"), ("traces", "list"), ("spans", "query")])
def test_a_command_given_no_action_runs_its_default_one(db, capsys, command, action):
    whole = run_json(capsys, command, action, "--db", str(db))
    assert len(whole) > 1
    assert run_json(capsys, command, "--db", str(db)) == whole
    assert run_json(capsys, "--db", str(db), command) == whole
    assert run_json(capsys, command, "--limit", "1", "--db", str(db)) == whole[:1]
    # A word that is no action is refused with the actions named, not taken for the default's argument.
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "bogus", "--db", str(db)])
    assert exc.value.code == 2
    assert f"invalid choice: 'bogus' (choose from '{action}'" in capsys.readouterr().err


def test_a_database_file_named_like_a_command_is_no_command(db, capsys, tmp_path, monkeypatch):
    (tmp_path / "sessions").write_bytes(db.read_bytes())
    monkeypatch.chdir(tmp_path)
    assert run_json(capsys, "--db", "sessions", "sessions") == run_json(capsys, "sessions", "list", "--db", str(db))


def test_sessions_list_table_is_plain_when_piped(db, capsys):
    code, out, _ = run(capsys, "sessions", "list", "--db", str(db))
    assert code == 0
    assert "\x1b" not in out  # no colour codes when stdout is not a terminal
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["ID", "NAME", "FRAMEWORK"]
    assert any(line.startswith("sess-v1") and "agent v1" in line and "error" in line for line in lines)


def test_sessions_show_and_latest(db, capsys):
    d = run_json(capsys, "sessions", "show", "sess-v1", "--db", str(db))
    assert d["id"] == "sess-v1" and d["hostname"] == "box"
    assert sorted(t["trace_id"] for t in d["trace_list"]) == ["trace-v1", "trace-v1b"]
    assert run_json(capsys, "sessions", "show", "latest", "--db", str(db))["id"] == "sess-v2"
    code, out, _ = run(capsys, "sessions", "show", "sess-v1", "--db", str(db))
    assert code == 0 and "quick_check" in out and "execute_query" in out
    # The version our SDK was given for the framework stays the framework's (an export does not
    # make it the service's).
    assert "framework: langgraph 0.2\n" in out and "   service: -\n" in out
    exported = db.parent / "sess-v1.json"
    assert run(capsys, "export", "--session", "sess-v1", "--format", "otlp-json", "-o", str(exported), "--db", str(db))[0] == 0
    (rs,) = json.loads(exported.read_text())["resourceSpans"]
    assert "service.version" not in {a["key"] for a in rs["resource"]["attributes"]}
    code, _, err = run(capsys, "sessions", "show", "nope", "--db", str(db))
    assert code == 1 and "no session 'nope'" in err


def test_sessions_show_reads_an_older_files_service_version_as_the_services(tmp_path, capsys):
    """Files written before the service's version was kept apart hold an OTLP sender's
    ``service.version`` as the framework's, its resource's attribute beside it."""
    path = write_db(tmp_path / "older.db", [
        Session(id="old", service="weather-bot", framework="langchain", framework_version="1.2.0",
                attributes={"service.name": "weather-bot", "service.version": "1.2.0"}),
        _span("t-old", "old", "s-old", "ChatOpenAI", SpanKind.LLM_CALL, 5, 1),
    ])
    code, out, _ = run(capsys, "sessions", "show", "old", "--db", str(path))
    assert code == 0 and "   service: weather-bot 1.2.0\n" in out and " framework: langchain\n" in out
    d = run_json(capsys, "sessions", "show", "old", "--db", str(path))
    assert (d["service_version"], d["framework_version"]) == ("1.2.0", None)
    out = tmp_path / "older.json"
    assert run(capsys, "export", "--session", "old", "--format", "otlp-json", "-o", str(out), "--db", str(path))[0] == 0
    (rs,) = json.loads(out.read_text())["resourceSpans"]
    assert {"key": "service.version", "value": {"stringValue": "1.2.0"}} in rs["resource"]["attributes"]


def test_sessions_delete(db, capsys):
    assert run_json(capsys, "sessions", "delete", "sess-v2", "--db", str(db)) == {"deleted": True, "session_id": "sess-v2"}
    assert [r["id"] for r in run_json(capsys, "sessions", "list", "--db", str(db))] == ["sess-v1"]
    with Reader(db) as r:
        assert r.spans_of_trace("trace-v2") == []
    code, _, err = run(capsys, "sessions", "delete", "sess-v2", "--db", str(db))
    assert code == 1 and "no session" in err


def test_sessions_delete_takes_latest_and_a_unique_prefix(db, capsys):
    # Was: "no session 'latest'" and "no session 'sess'" (delete took only a whole id).
    code, _, err = run(capsys, "sessions", "delete", "sess-v", "--db", str(db))
    assert code == 1 and "session id 'sess-v' is ambiguous: sess-v1, sess-v2" in err  # nothing deleted
    assert len(run_json(capsys, "sessions", "list", "--db", str(db))) == 2
    assert run_json(capsys, "sessions", "delete", "latest", "--db", str(db)) == {"deleted": True, "session_id": "sess-v2"}
    code, out, _ = run(capsys, "sessions", "delete", "sess", "--db", str(db))  # unique now
    assert code == 0 and out == "deleted session sess-v1\n"
    assert run_json(capsys, "sessions", "list", "--db", str(db)) == []
    with Reader(db) as r:
        assert r.spans_of_trace("trace-v1") == [] and r.spans_of_trace("trace-v2") == []
    code, _, err = run(capsys, "sessions", "delete", "latest", "--db", str(db))
    assert code == 1 and err == "agenttrace-tui: the database holds no sessions\n"
    code, _, err = run(capsys, "sessions", "delete", "", "--db", str(db))
    assert code == 1 and "give a session id" in err


def test_traces_list(db, capsys):
    rows = run_json(capsys, "traces", "list", "--session", "sess-v1", "--db", str(db))
    assert [(r["trace_id"], r["name"], r["spans"]) for r in rows] == [("trace-v1b", "quick_check", 2), ("trace-v1", "execute_query", 17)]
    assert rows[1]["errors"] == 1 and rows[1]["models"] == ["gpt-4o", "llama3.1", "minilm"]
    assert len(run_json(capsys, "traces", "list", "--db", str(db))) == 3


def test_traces_tree_ascii(db, capsys):
    code, out, _ = run(capsys, "traces", "tree", "trace-v1", "--db", str(db))
    assert code == 0 and "\x1b" not in out
    lines = out.splitlines()
    assert lines[0].startswith("[Trace: execute_query] (Total: 2m05s, Spans: 17")
    assert len(lines) == 17  # the root is the trace line, then one line per other span
    rag = next(line for line in lines if "rag_context_retrieval" in line)
    assert rag.startswith("│       ├── [Span: rag_context_retrieval] (Duration: 30.0s") and rag.endswith("<--- HOTSPOT")
    tool = next(line for line in lines if "tool_execute" in line and "ERROR" in line)
    assert 'Status: ERROR "permission denied"' in tool and 'Tool: "filesystem"' in tool
    assert any('Tokens: ≈2300/50' in line for line in lines)  # estimated tokens are marked
    assert lines[-1].startswith("└── [Span: synthesize_results]")
    # "show", as for a session, is the same command.
    assert run(capsys, "traces", "show", "trace-v1", "--db", str(db)) == (code, out, "")


def test_traces_tree_sanitises_and_json(db, capsys):
    code, out, _ = run(capsys, "traces", "tree", "trace-v1b", "--db", str(db))
    assert code == 0 and "\x1b" not in out and "␛[2J=evil[bold]name" in out
    d = run_json(capsys, "traces", "tree", "trace-v1", "--db", str(db))
    by_name = {s["name"]: s for s in d["spans"]}
    assert by_name["rag_context_retrieval"]["hotspot"] is True
    assert by_name["synthesize_results"]["hotspot"] is False
    assert d["spans"][0]["depth"] == 0 and d["duration_ns"] == 125 * S
    # The trace's own figures, as `traces list --json` gives them.
    (listed,) = [r for r in run_json(capsys, "traces", "list", "--db", str(db)) if r["trace_id"] == "trace-v1"]
    assert d["span_count"] == listed["spans"] == len(d["spans"])
    for key in ("name", "errors", "tokens", "input_tokens", "output_tokens", "cost", "cost_priced", "unpriced"):
        assert d[key] == listed[key], key
    code, _, err = run(capsys, "traces", "tree", "missing", "--db", str(db))
    assert code == 1 and "no trace" in err


def test_spans_query_filters(db, capsys):
    llm = run_json(capsys, "spans", "query", "--kind", "llm_call", "--db", str(db))
    assert len(llm) == 7
    est = [s for s in llm if s["tokens_estimated"]]
    assert [(s["trace_id"], s["span_id"]) for s in est] == [("trace-v1", "v1-llm2"), ("trace-v2", "v2-llm2")]
    assert est[0]["usage"]["estimated"] is True
    errs = run_json(capsys, "spans", "query", "--status", "error", "--db", str(db))
    assert [(s["span_id"], s["status_message"]) for s in errs] == [("v1-tool1", "permission denied")]
    gpt = run_json(capsys, "spans", "query", "--model", "gpt-4o", "--session", "sess-v2", "--db", str(db))
    assert sorted(s["span_id"] for s in gpt) == ["v2-llm1", "v2-llm2"]
    recent = run_json(capsys, "spans", "query", "--since", "1d", "--db", str(db), "--limit", "1000")
    assert {s["session_id"] for s in recent} == {"sess-v2"} and len(recent) == 17
    old = run_json(capsys, "spans", "query", "--until", "1d", "--trace", "trace-v1", "--db", str(db), "--limit", "5")
    assert len(old) == 5 and old[0]["span_id"] == "v1-root"  # by start time
    code, out, _ = run(capsys, "spans", "query", "--kind", "llm_call", "--db", str(db))
    assert code == 0 and "≈2,300/50" in out and "\x1b" not in out


def test_stats(db, capsys):
    d = run_json(capsys, "stats", "--db", str(db))
    assert (d["spans"], d["traces"], d["sessions"], d["errors"]) == (36, 3, 2, 1)
    assert d["error_rate"] == pytest.approx(1 / 36)
    assert d["tokens_estimated"] is True and d["estimated_spans"] == 2
    kinds = {r["kind"]: r for r in d["by_kind"]}
    llm = kinds["llm_call"]
    # llm durations: 3.9, 14, 20, 0.8 (v1 + hostile) and 3.9, 20, 20 (v2)
    durs = sorted(int(x * S) for x in (3.9, 14, 20, 0.8, 3.9, 20, 20))
    assert (llm["p50_ns"], llm["p90_ns"], llm["p99_ns"]) == (percentile(durs, 50), percentile(durs, 90), percentile(durs, 99))
    assert llm["p50_ns"] == 14 * S
    assert kinds["tool_execution"]["error_rate"] == pytest.approx(0.25)
    models = {r["model"]: r for r in d["by_model"]}
    assert models["gpt-4o"]["spans"] == 4 and models["gpt-4o"]["cost"] == pytest.approx(0.056)
    one = run_json(capsys, "stats", "--session", "sess-v2", "--db", str(db))
    assert one["spans"] == 17 and one["errors"] == 0 and one["session_id"] == "sess-v2"
    code, out, _ = run(capsys, "stats", "--db", str(db))
    assert code == 0 and "by kind" in out and "P99" in out


def test_percentile_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([5], 99) == 5
    assert percentile(list(range(1, 101)), 90) == 90


def test_prune_and_retention(db, capsys, tmp_path):
    dry = run_json(capsys, "prune", "--before", "1d", "--dry-run", "--db", str(db))
    assert dry["sessions"] == ["sess-v1"]
    d = run_json(capsys, "prune", "--before", "1d", "--vacuum", "--db", str(db))
    assert d["deleted"] == 1 and d["vacuumed"] is True
    assert [r["id"] for r in run_json(capsys, "sessions", "list", "--db", str(db))] == ["sess-v2"]
    # --retain DAYS: sessions inactive for longer go at start
    assert apply_retention(db, None) == 0
    assert apply_retention(tmp_path / "absent.db", 1) == 0
    assert apply_retention(db, 1) == 0  # v2 is 3 h old
    assert apply_retention(db, 1, now_ns=time.time_ns() + 2 * 86400 * S) == 1
    with Reader(db) as r:
        assert r.sessions() == []


def test_bad_arguments_are_clear_errors(db, capsys, tmp_path):
    code, _, err = run(capsys, "sessions", "list", "--db", str(db), "--since", "last tuesday")
    assert code == 1 and "--since" in err and "1h" in err
    code, _, err = run(capsys, "sessions", "list", "--db", str(tmp_path / "none.db"))
    assert code == 1 and "no database at" in err
    with pytest.raises(SystemExit):
        cli.main(["replay", "--speed", "fast", "--db", str(db)])
    # A negative or endless idle gap means nothing: refused, saying what it takes (-5 was accepted).
    for bad, says in (("-5", "must be zero or more seconds (got '-5')"), ("inf", "zero or more"),
                      ("soon", "give seconds")):
        capsys.readouterr()
        with pytest.raises(SystemExit):
            cli.main(["replay", "sess-v1", "--headless", "--max-idle", bad, "--db", str(db)])
        assert says in capsys.readouterr().err, bad


def test_replay_headless_subprocess_prints_traces_in_replay_order(db):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    proc = subprocess.run(
        [sys.executable, "-m", "agenttrace_tui", "replay", "sess-v1", "--headless", "--speed", "instant", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 2
    assert " agent v1 execute_query ERROR " in lines[0] and "spans=17" in lines[0] and "tokens=≈5118" in lines[0]
    assert " quick_check ok " in lines[1] and "trace=trace-v1b" in lines[1]
    assert "\x1b" not in proc.stdout


def test_db_flag_before_the_subcommand_counts(db, capsys):
    code, out, err = run(capsys, "--db", str(db), "sessions", "list", "--json")
    assert code == 0, err
    assert [r["id"] for r in json.loads(out)] == ["sess-v2", "sess-v1"]


def test_a_broken_config_file_is_named_once_and_the_query_goes_on(db, capsys, tmp_path):
    # The monitor refuses it; a read-only query runs on without its settings, but says so
    # (its database or prices may not be the monitor's).
    bad = tmp_path / "config.toml"
    bad.write_text('db = "/elsewhere.db"\nprices = [\n')
    code, out, err = run(capsys, "--config", str(bad), "costs", "--db", str(db), "--json")
    assert code == 0 and json.loads(out)["total"]["spans"] > 0
    assert err.count(str(bad)) == 1 and "not valid TOML" in err and "without the config file's settings" in err
    code, _, err = run(capsys, "--config", str(bad), "sessions", "list", "--db", str(db))
    assert code == 0 and err == ""  # --db given: the config file was never needed



def test_a_typo_in_the_config_file_costs_only_itself(db, capsys, tmp_path):
    # Before: "unknown setting 'max_spanz'; going on without the config file's settings": the
    # file's db (and prices) were dropped with it, and the query read the default database.
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'db = "{db}"\nmax_spanz = 5\nbudget = -1\n')
    code, out, err = run(capsys, "sessions", "list", "--config", str(cfg), "--json")
    assert code == 0, err
    assert {r["id"] for r in json.loads(out)} == {"sess-v1", "sess-v2"}  # the file's db
    assert err.count("warning:") == 2 and "'max_spanz'" in err and "invalid budget" in err, err
    assert "the other settings used" in err and "without the config file's settings" not in err


def test_a_root_with_its_own_cost_keeps_its_own_line(tmp_path, capsys):
    """A trace whose root is a model call with a call under it: the trace line carries the
    trace's figures alone, and the root its own on a line of its own (one Tokens and one
    Cost per line, never the trace's total beside the root's model)."""
    from agenttrace_tui.model import Cost, LlmInfo, Span, SpanKind, TokenUsage
    from fixtures import write_db

    def call(span_id: str, parent: str | None, model: str, tokens: tuple[int, int], usd: float) -> Span:
        return Span(span_id=span_id, trace_id="t-own", session_id="s-own", name=f"chat {model}",
                    kind=SpanKind.LLM_CALL, start_ns=10 * S, end_ns=12 * S, parent_span_id=parent,
                    llm=LlmInfo(provider="anthropic", model=model),
                    usage=TokenUsage(input=tokens[0], output=tokens[1]), cost=Cost(total=usd, source="reported"))

    db = write_db(tmp_path / "own.db", [call("root", None, "claude-sonnet-4-5", (3000, 400), 0.01),
                                        call("child", "root", "gpt-4o", (20000, 2000), 0.08)])
    code, out, _ = run(capsys, "traces", "show", "t-own", "--db", str(db))
    head, *rest = out.splitlines()
    assert code == 0 and "Tokens: 25k" in head and "Cost: $0.09" in head, head
    assert "Model:" not in head and head.count("Tokens:") == 1, head
    (own,) = [line for line in rest if "[Span: chat claude-sonnet-4-5]" in line]
    assert "Tokens: 3000/400" in own and "Cost: $0.01)" in own, own
    assert any("[Span: chat gpt-4o]" in line and "Cost: $0.08" in line for line in rest), rest


def test_replay_headless_prints_a_trace_left_open_as_unfinished(tmp_path, capsys):
    """A trace whose span never ended (its agent died inside it; the session's end came) is
    printed at the recording's end, UNFINISHED, as the monitor prints it live: it never was."""
    from agenttrace_tui.model import Session, Span
    from fixtures import write_db

    t = 1_760_000_000 * S
    db = write_db(tmp_path / "open.db", [
        Session(id="cut", name="cut short", started_ns=t, ended_ns=t + 5 * S),
        Span(span_id="root", trace_id="t-cut", session_id="cut", name="agent run", start_ns=t),
        Span(span_id="done", trace_id="t-cut", session_id="cut", name="plan", parent_span_id="root",
             start_ns=t + S, end_ns=t + 2 * S),
        Span(span_id="whole", trace_id="t-ok", session_id="cut", name="warmup", start_ns=t, end_ns=t + S),
    ])
    code, out, err = run(capsys, "replay", "cut", "--headless", "--speed", "instant", "--db", str(db))
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 2 and " warmup ok " in lines[0], lines
    assert " agent run UNFINISHED " in lines[1] and "trace=t-cut" in lines[1], lines
