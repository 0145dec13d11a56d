"""One word, one meaning, in every command: ``latest`` and unique id prefixes
(git-like; ambiguous names the candidates), not found is one line and exit 1,
kind names and model matching as in the monitor's filter, a bad flag shows the
subcommand's usage, and ``--limit`` must be at least 1.

The CLI runs as a subprocess on a real SQLite file, at 80 and 120 columns."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from agenttrace_tui.analysis.filter import parse_filter
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import LlmInfo, Session, Span, SpanKind
from agenttrace_tui.store.memory import Store
from fixtures import write_db

S = 1_000_000_000
T0 = 1_760_000_000 * S
TRACES = ("d9a67d4dae2fa86334c0ffee01", "d9a6aaaa00000000000000ff02", "ab12cd34ef56ab12cd34ef5603")


def _updates() -> list:
    out: list = [Session(id="s-alpha-1", name="alpha", started_ns=T0), Session(id="s-alpha-2", name="beta", started_ns=T0 + S)]
    models = ("gpt-4o", "gpt-4o-mini", "claude-sonnet-4")
    for i, tid in enumerate(TRACES):
        sid = "s-alpha-1" if i < 2 else "s-alpha-2"
        t = T0 + i * 10 * S
        out.append(Span(span_id=f"r{i}", trace_id=tid, session_id=sid, name=f"root{i}", start_ns=t, end_ns=t + 5 * S,
                        kind=SpanKind.AGENT))
        out.append(Span(span_id=f"l{i}", trace_id=tid, session_id=sid, name=f"call{i}", start_ns=t + S, end_ns=t + 2 * S,
                        parent_span_id=f"r{i}", kind=SpanKind.LLM_CALL, llm=LlmInfo(model=models[i])))
        out.append(Span(span_id=f"f{i}", trace_id=tid, session_id=sid, name=f"read{i}", start_ns=t + 3 * S,
                        end_ns=t + 4 * S, parent_span_id=f"r{i}", kind=SpanKind.FILE_READ))
    return out


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("words") / "w.db"
    return write_db(path, _updates())


def cli(db, *args: str, columns: int = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS=str(columns))
    return subprocess.run([sys.executable, "-m", "agenttrace_tui", *args, "--db", str(db)],
                          capture_output=True, text=True, env=env, timeout=60)


def one_line_error(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 1, (out.stdout, out.stderr)
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, out.stderr
    return lines[0]


@pytest.mark.parametrize("columns", [80, 120])
def test_a_unique_prefix_names_a_trace_and_a_session(db, columns):
    out = cli(db, "traces", "tree", "d9a67", "--json", columns=columns)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["trace_id"] == TRACES[0]
    out = cli(db, "sessions", "show", "s-alpha-2", "--json", columns=columns)
    assert out.returncode == 0 and "s-alpha-2" in out.stdout
    out = cli(db, "traces", "list", "--session", "latest", "--json", columns=columns)
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("columns", [80, 120])
def test_an_ambiguous_prefix_lists_the_candidates(db, columns):
    line = one_line_error(cli(db, "traces", "tree", "d9a6", columns=columns))
    assert "ambiguous" in line and TRACES[0] in line and TRACES[1] in line
    line = one_line_error(cli(db, "sessions", "show", "s-alpha", columns=columns))
    assert "ambiguous" in line and "s-alpha-1" in line and "s-alpha-2" in line


@pytest.mark.parametrize(
    "args",
    [
        ("sessions", "show", "nope"),
        ("traces", "tree", "nope"),
        ("traces", "list", "--session", "nope"),
        ("stats", "--session", "nope"),
        ("spans", "query", "--session", "nope"),
        ("spans", "query", "--trace", "nope"),
        ("costs", "--session", "nope"),
        ("export", "--trace", "nope"),
    ],
)
def test_not_found_is_one_line_and_exit_1_everywhere(db, args):
    line = one_line_error(cli(db, *args))
    assert "nope" in line


def test_costs_takes_latest_like_every_command(db):
    out = cli(db, "costs", "--session", "latest", "--json")
    assert out.returncode == 0, out.stderr


def _ui_filter_ids(query: str) -> set[str]:
    store = Store()
    Pipeline(store).apply(_updates())
    flt = parse_filter(query)
    return {s.span_id for t in store.traces.values() for s in t.spans.values() if flt.matches(s, T0)}


@pytest.mark.parametrize(
    ("cli_args", "ui_query"),
    [
        (("--kind", "llm"), "kind:llm"),
        (("--kind", "file"), "kind:file"),
        (("--kind", "llm_call"), "kind:llm_call"),
        (("--model", "gpt-4o"), "model:gpt-4o"),
        (("--model", "gpt-4o*"), "model:gpt-4o*"),
        (("--model", "GPT-4O-MINI"), "model:GPT-4O-MINI"),
    ],
)
def test_kinds_and_models_mean_the_same_in_the_cli_and_the_ui_filter(db, cli_args, ui_query):
    out = cli(db, "spans", "query", *cli_args, "--json")
    assert out.returncode == 0, out.stderr
    from_cli = {s["span_id"] for s in json.loads(out.stdout)}
    assert from_cli == _ui_filter_ids(ui_query)
    assert from_cli  # each matches something


def test_model_is_exact_unless_it_ends_with_a_star(db):
    exact = {s["span_id"] for s in json.loads(cli(db, "spans", "query", "--model", "gpt-4o", "--json").stdout)}
    prefix = {s["span_id"] for s in json.loads(cli(db, "spans", "query", "--model", "gpt-4o*", "--json").stdout)}
    assert exact == {"l0"} and prefix == {"l0", "l1"}


def test_an_unknown_kind_says_which_exist(db):
    line = one_line_error(cli(db, "spans", "query", "--kind", "llamas"))
    assert "unknown kind" in line and "llm" in line


@pytest.mark.parametrize("columns", [80, 120])
def test_a_bad_flag_shows_the_subcommands_usage(db, columns):
    out = cli(db, "sessions", "list", "--bogus", columns=columns)
    assert out.returncode == 2
    assert out.stderr.startswith("usage: agenttrace-tui sessions list")
    assert "unrecognized arguments: --bogus" in out.stderr


@pytest.mark.parametrize("command", [("traces", "list"), ("sessions", "list"), ("spans", "query")])
def test_limit_below_one_is_refused(db, command):
    out = cli(db, *command, "--limit", "-1")
    assert out.returncode == 2
    assert "--limit" in out.stderr and "at least 1" in out.stderr
