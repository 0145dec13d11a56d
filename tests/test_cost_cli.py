"""``agenttrace-tui costs``: a table (or JSON) from a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agenttrace_tui.commands.costs import main, parse_since
from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.format.numbers import fmt_attributed, fmt_cost
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import (
    Cost,
    LlmInfo,
    Session,
    Span,
    SpanKind,
    Status,
    TokenUsage,
    ToolInfo,
)
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.sqlite import Writer

S = 1_000_000_000
DAY = 86_400 * S
T0 = 20_000 * DAY  # 2024-10-04 00:00 UTC


def llm(sid: str, tid: str, session: str, start: int, model: str, provider: str, usage: TokenUsage | None = None, **kw) -> Span:
    return Span(
        span_id=sid,
        trace_id=tid,
        session_id=session,
        parent_span_id=kw.pop("parent", "root"),
        name="chat",
        kind=SpanKind.LLM_CALL,
        start_ns=start,
        end_ns=start + S,
        llm=LlmInfo(provider=provider, model=model, **kw.pop("llm_kw", {})),
        usage=usage,
        **kw,
    )


def fixture_spans() -> list:
    return [
        Session(id="s1", name="coder"),
        Span(span_id="root", trace_id="t1", session_id="s1", name="agent", kind=SpanKind.AGENT, start_ns=T0, end_ns=T0 + 60 * S,
             usage=TokenUsage(input=99_999, output=9_999, scope="subtree")),
        llm("a", "t1", "s1", T0 + S, "gpt-4o", "openai", TokenUsage(input=10_000, output=1_000, cache_read=4_000)),
        Span(span_id="tool1", trace_id="t1", session_id="s1", parent_span_id="root", name="tool", kind=SpanKind.TOOL_EXECUTION,
             start_ns=T0 + 3 * S, end_ns=T0 + 4 * S, tool=ToolInfo(name="read_file")),
        llm("b", "t1", "s1", T0 + 5 * S, "claude-sonnet-4-5", "anthropic", TokenUsage(input=2_000, output=300, cache_write=1_000)),
        llm("c", "t1", "s1", T0 + 7 * S, "llama3.1:8b", "acme", TokenUsage(input=50, output=50)),
        # a local model: $0, and why
        llm("f", "t1", "s1", T0 + 8 * S, "qwen3:4b", "ollama", TokenUsage(input=70, output=7)),
        # no usage, previews only: estimated
        llm("d", "t1", "s1", T0 + 9 * S, "gpt-4o", "openai", llm_kw={"prompt_preview": "what is in the file?", "response_preview": "a monitor"}),
        # next day, other session, reported cost
        llm("e", "t2", "s2", T0 + DAY + S, "gpt-4o-mini", "openai", TokenUsage(input=100, output=10), cost=Cost(total=1.25), parent=None),
    ]


@pytest.fixture
async def db(tmp_path: Path) -> Path:
    store = Store()
    Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False)).apply(fixture_spans())
    path = tmp_path / "agenttrace.db"
    writer = Writer(store, path)
    await writer.start()
    await writer.flush()
    await writer.close()
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["costs", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_by_model_matches_the_live_store(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--db", str(db), "--json")
    assert code == 0
    got = json.loads(out)
    rows = {r["model"]: r for r in got["rows"]}
    store = Store()
    Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False)).apply(fixture_spans())
    live = dict(store.totals.breakdown("model"))
    assert set(live) == {"gpt-4o", "claude-sonnet-4-5", "llama3.1:8b", "gpt-4o-mini", "qwen3:4b"}
    # The spans no model names (the agent, the tool) are a row of their own: the rows add up to
    # the total (its spans counted them, the rows not: 8 against 6).
    assert set(rows) == {*live, "(no model)"}
    assert rows["(no model)"]["spans"] == store.totals.spans - sum(b.spans for b in live.values()) > 0
    for field in ("spans", "input_tokens", "output_tokens", "cost_priced_usd"):
        assert sum(r[field] for r in rows.values()) == pytest.approx(got["total"][field]), field
    for model, b in live.items():
        assert rows[model]["cost_priced_usd"] == pytest.approx(b.cost)
        assert rows[model]["cost_usd"] == (None if b.cost_unknown else pytest.approx(b.cost))
        assert rows[model]["input_tokens"] == b.input_tokens
    assert rows["gpt-4o"]["estimated"] is True and rows["claude-sonnet-4-5"]["estimated"] is False
    assert rows["gpt-4o-mini"]["cost_usd"] == 1.25
    assert rows["llama3.1:8b"]["unpriced_calls"] == 1 and rows["llama3.1:8b"]["cost_usd"] is None  # never 0
    assert got["unpriced"] == {"no price for acme/llama3.1:8b": 1}
    assert rows["qwen3:4b"]["cost_usd"] == 0 and got["no_charge"] == {"a local model (ollama): no API charge": 1}
    assert got["total"]["input_tokens"] == store.totals.input_tokens  # the agent's subtree usage is not added
    assert got["total"]["cost_usd"] is None  # one call unpriced: the total is not known
    assert got["total"]["cost_priced_usd"] == pytest.approx(store.totals.cost)


def test_table_shows_estimates_and_unpriced(db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    code, out, _ = run_cli(capsys, "--db", str(db), "--session", "s1", "--group-by", "model")
    assert code == 0
    assert "Costs by model" in out
    line = next(ln for ln in out.splitlines() if ln.startswith("gpt-4o "))
    assert "≈" in line
    assert "unpriced" in out and "$? unpriced: 1 call: no price for acme/llama3.1:8b" in out
    llama = next(ln for ln in out.splitlines() if "llama3.1:8b" in ln and not ln.startswith("$?"))
    assert "$?" in llama and "$0" not in llama
    # A local model's $0 says why, under the table.
    assert "$0 no charge: 1 call: a local model (ollama): no API charge" in out
    assert "gpt-4o-mini" not in out  # other session
    # The agent and the tool: nothing to price, a dash (as in the cost pane), never a $0.
    rest = next(ln for ln in out.splitlines() if ln.startswith("(no model)"))
    assert "—" in rest and "$0" not in rest


async def _tool_row(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], tool: str) -> tuple[list[str], dict]:
    """``costs --group-by tool`` over the store written to a file by the real writer: the table
    row's cells of ``tool`` and its JSON row."""
    path = tmp_path / "agenttrace.db"
    writer = Writer(store, path)
    await writer.start()
    await writer.flush()
    await writer.close()
    _, out, _ = run_cli(capsys, "--db", str(path), "--group-by", "tool")
    cells = next(ln for ln in out.splitlines() if ln.startswith(tool)).split()
    _, out, _ = run_cli(capsys, "--db", str(path), "--group-by", "tool", "--json")
    return cells, next(r for r in json.loads(out)["rows"] if r["tool"] == tool)


async def test_a_tool_no_model_call_consumed_reads_a_dash_not_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One model span wrapping the agent's whole loop (VoltAgent's), the tool run inside it: the
    call decided it, none consumed it. The consuming column read `$0`, a share nobody paid."""
    store = Store()
    Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False)).apply([
        Session(id="s1", name="weather agent"),
        Span(span_id="root", trace_id="t1", session_id="s1", name="agent", kind=SpanKind.AGENT, start_ns=T0,
             end_ns=T0 + 10 * S),
        llm("loop", "t1", "s1", T0 + S, "gpt-4o", "openai", TokenUsage(input=1_000, output=100)),
        Span(span_id="tool1", trace_id="t1", session_id="s1", parent_span_id="root", name="tool",
             kind=SpanKind.TOOL_EXECUTION, start_ns=T0 + S + S // 4, end_ns=T0 + S + S // 2,
             tool=ToolInfo(name="get_weather")),
    ])
    cells, got = await _tool_row(store, tmp_path, capsys, "get_weather")
    (decided_tool,) = store.tool_costs()
    assert cells[2] == fmt_cost(decided_tool.decided_cost) and cells[3] == "—", cells
    assert got["consumed_cost_usd"] is None and (got["decided_calls"], got["consumed_calls"]) == (1, 0)
    assert decided_tool.decided_cost > 0 and got["decided_cost_usd"] == pytest.approx(decided_tool.decided_cost)


async def test_a_tools_share_of_an_unpriced_or_running_model_call_is_not_a_zero(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A tool decided by a model call with no price, its result read by a call still running with
    nothing counted: its shares are not known, and read `$?` and `$…` (null in the JSON, the calls
    counted), in the cost pane's figures and the CLI's, not the `$0` they read."""
    store = Store()
    Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False)).apply([
        Session(id="s1", name="agent on a custom model"),
        Span(span_id="root", trace_id="t1", session_id="s1", name="agent", kind=SpanKind.AGENT, start_ns=T0,
             end_ns=None, status=Status.RUNNING),
        llm("ask", "t1", "s1", T0, "my-finetune-v3", "acme", TokenUsage(input=1_000, output=100)),
        Span(span_id="tool1", trace_id="t1", session_id="s1", parent_span_id="root", name="tool",
             kind=SpanKind.TOOL_EXECUTION, start_ns=T0 + 2 * S, end_ns=T0 + 3 * S, tool=ToolInfo(name="get_weather")),
        Span(span_id="read", trace_id="t1", session_id="s1", parent_span_id="root", name="chat",
             kind=SpanKind.LLM_CALL, start_ns=T0 + 4 * S, end_ns=None, status=Status.RUNNING,
             llm=LlmInfo(provider="openai", model="gpt-4o")),
    ])
    (tool,) = store.tool_costs()
    assert (tool.decided_calls, tool.decided_unpriced, tool.consumed_calls, tool.consumed_waiting) == (1, 1, 1, 1)
    assert fmt_attributed(tool.decided_cost, tool.decided_calls, unpriced=tool.decided_unpriced) == "$?"
    assert fmt_attributed(tool.consumed_cost, tool.consumed_calls, waiting=tool.consumed_waiting) == "$…"
    cells, got = await _tool_row(store, tmp_path, capsys, "get_weather")
    assert cells[2:4] == ["$?", "$…"], cells  # (its session still runs in the file: the call's cost is to come)
    assert got["decided_cost_usd"] is None and got["consumed_cost_usd"] is None and got["cost_usd"] is None
    assert (got["decided_unpriced_calls"], got["decided_calls"], got["consumed_calls"]) == (1, 1, 1)


@pytest.mark.parametrize("group", ["provider", "kind", "tool", "day"])
def test_group_by(db: Path, capsys: pytest.CaptureFixture[str], group: str) -> None:
    code, out, _ = run_cli(capsys, "--db", str(db), "--json", "--group-by", group)
    assert code == 0
    rows = {r[group]: r for r in json.loads(out)["rows"]}
    if group == "provider":
        assert set(rows) == {"openai", "anthropic", "acme", "ollama", "(no provider)"}
        assert rows["ollama"]["cost_usd"] == 0 and rows["acme"]["cost_usd"] is None
    elif group == "kind":
        assert rows["agent"]["cost_usd"] == 0 and rows["llm_call"]["spans"] == 6
    elif group == "tool":
        # read_file was decided by "a" and its result consumed by "b"
        r = rows["read_file"]
        assert r["calls"] == 1 and r["decided_cost_usd"] > 0 and r["consumed_cost_usd"] > 0
    else:
        assert list(rows) == ["2024-10-04", "2024-10-05"]
        assert rows["2024-10-05"]["cost_usd"] == 1.25


def test_since_filters_by_start_time(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--db", str(db), "--json", "--since", "2024-10-05")
    assert code == 0
    got = json.loads(out)
    assert [r["model"] for r in got["rows"]] == ["gpt-4o-mini"] and got["sessions"] == 1


def test_parse_since() -> None:
    now = T0
    assert parse_since("30m", now) == now - 30 * 60 * S
    assert parse_since("2d", now) == now - 2 * DAY
    assert parse_since("2024-10-04T00:00:00+00:00") == T0
    with pytest.raises(ValueError, match="--since"):
        parse_since("yesterday-ish")


def test_errors_are_messages_not_tracebacks(tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "--db", str(tmp_path / "missing.db"))
    assert code == 1 and "no database at" in err
    code, _, err = run_cli(capsys, "--db", str(db), "--since", "soon")
    assert code == 2 and "--since" in err
    code, _, err = run_cli(capsys, "--db", str(db), "--session", "nope")
    assert code == 1 and "no session 'nope'" in err
    bad = tmp_path / "p.toml"
    bad.write_text("[x\n")
    code, _, err = run_cli(capsys, "--db", str(db), "--prices", str(bad))
    assert code == 2 and "not valid TOML" in err


def test_runs_as_a_program(db: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "src"), "COLUMNS": "160"}
    out = subprocess.run(
        [sys.executable, "-m", "agenttrace_tui.commands.costs", "costs", "--db", str(db), "--group-by", "tool"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "read_file" in out.stdout and "Costs by tool" in out.stdout


async def test_untrusted_names_are_shown_literally(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    store = Store()
    evil = "[bold red]evil\x1b[2J"
    Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False)).apply([llm("x", "t9", "s9", T0, evil, "openai", TokenUsage(input=1, output=1), parent=None)])
    path = tmp_path / "evil.db"
    writer = Writer(store, path)
    await writer.start()
    await writer.flush()
    await writer.close()
    code, out, _ = run_cli(capsys, "--db", str(path))
    assert code == 0
    assert "[bold red]evil␛[2J" in out and "\x1b" not in out
    assert "no price for openai/[bold red]evil␛[2J" in out


def test_errors_are_one_line_as_every_command_says_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """costs printed its errors bare ('no database at ...'); they read as every history
    command's: 'agenttrace-tui: ...', one line."""
    code, _, err = run_cli(capsys, "--db", str(tmp_path / "none.db"))
    assert code == 1 and err.startswith("agenttrace-tui: no database at ") and err.count("\n") == 1, err
    code, _, err = run_cli(capsys, "--db", str(tmp_path / "none.db"), "--since", "bogus")
    assert code == 2 and err.startswith("agenttrace-tui: --since: ") and err.count("\n") == 1, err


async def test_the_row_of_spans_no_model_names_reads_a_dash_whatever_the_float_sums(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Reported costs whose sum in span order and by model differ in the last bit
    # ((0.1 + 0.3) + 0.7 against (0.1 + 0.7) + 0.3): the row of the rest is their
    # difference, float noise that read "$0" where those spans cost nothing.
    assert (0.1 + 0.3) + 0.7 != (0.1 + 0.7) + 0.3
    root = Span(span_id="root", trace_id="t1", session_id="s1", name="agent", kind=SpanKind.AGENT,
                start_ns=T0, end_ns=T0 + 60 * S)
    spans = [Session(id="s1", name="noise"), root]
    for i, (model, usd) in enumerate([("gpt-4o", 0.1), ("claude-sonnet-4-5", 0.3), ("gpt-4o", 0.7)]):
        spans.append(llm(f"c{i}", "t1", "s1", T0 + (i + 1) * S, model, "openai", TokenUsage(input=10, output=5),
                         cost=Cost(total=usd)))
    store = Store()
    Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False)).apply(spans)
    path = tmp_path / "noise.db"
    writer = Writer(store, path)
    await writer.start()
    await writer.close()
    monkeypatch.setenv("COLUMNS", "160")
    code, out, _ = run_cli(capsys, "--db", str(path))
    assert code == 0
    rest = next(ln for ln in out.splitlines() if ln.startswith("(no model)"))
    assert "—" in rest and "$" not in rest
    code, out, _ = run_cli(capsys, "--db", str(path), "--json")
    rows = {r["model"]: r for r in json.loads(out)["rows"]}
    assert rows["(no model)"]["cost_usd"] == 0 and rows["(no model)"]["spans"] == 1
