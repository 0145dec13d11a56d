"""One cost truth: a session with priced, unpriced, estimated and proxy-priced
LLM calls, walked through every surface, shows the same figures everywhere.

The fixture is ingested as the live monitor ingests (pipeline + enrichers on a
real store), shown by the real app (Pilot), written by the real SQLite writer,
read back by every CLI command in text and JSON, exported in each format and
imported again. The expected numbers come from genai-prices' own
``calc_price`` and tiktoken counts, not from the code under test; the expected
text from the one formatting module (``format.numbers.fmt_cost``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from genai_prices import Usage, calc_price

from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.enrich.tokens import TokenEstimator
from agenttrace_tui.format.numbers import fmt_cost, money_digits
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import AgentInfo, LlmInfo, Session, Span, SpanKind, TokenUsage
from agenttrace_tui.store.memory import Store
from agenttrace_tui.ui.app import make_app
from agenttrace_tui.ui.trace_list import COST_WIDTH
from fixtures import cli_out, write_store

S = 1_000_000_000
T0 = (int(datetime.now(UTC).timestamp()) - 600) * S
MIX, PRICED = "s-mix", "s-priced"
PROMPT = "Summarise the three failing tests and say which one to fix first, with a reason."
ANSWER = "Fix test_checkout first: the other two fail because its fixture leaves the cart locked."


def _llm(sid: str, trace: str, session: str, n: int, provider: str, model: str, usage: TokenUsage | None, **llm) -> Span:
    start = T0 + n * S
    return Span(
        span_id=sid,
        trace_id=trace,
        session_id=session,
        parent_span_id="root-" + trace,
        name=f"chat {model}",
        kind=SpanKind.LLM_CALL,
        start_ns=start,
        end_ns=start + S // 2,
        llm=LlmInfo(provider=provider, model=model, **llm),
        usage=usage,
    )


def _root(trace: str, session: str) -> Span:
    return Span(
        span_id="root-" + trace, trace_id=trace, session_id=session, name="agent run", kind=SpanKind.AGENT,
        start_ns=T0, end_ns=T0 + 20 * S, agent=AgentInfo(name="fixer"),
    )


def fixture_updates() -> list:
    return [
        Session(id=MIX, name="mixed run", started_ns=T0, ended_ns=T0 + 20 * S),
        Session(id=PRICED, name="priced run", started_ns=T0, ended_ns=T0 + 20 * S),
        _root("t-mix", MIX),
        _llm("priced", "t-mix", MIX, 1, "openai", "gpt-4o-mini", TokenUsage(input=1000, output=200)),
        _llm("unpriced", "t-mix", MIX, 3, "acme", "llama3.1:8b", TokenUsage(input=500, output=50)),
        _llm("estimated", "t-mix", MIX, 5, "openai", "gpt-4o", None, prompt_preview=PROMPT, response_preview=ANSWER),
        _llm("proxied", "t-mix", MIX, 7, "strands-agents", "gpt-4o-mini", TokenUsage(input=2000, output=100)),
        _root("t-priced", PRICED),
        _llm("only", "t-priced", PRICED, 1, "openai", "gpt-4o-mini", TokenUsage(input=3000, output=300)),
    ]


def price(model: str, provider: str, tin: int, tout: int) -> float:
    ts = datetime.fromtimestamp(T0 / S, tz=UTC)
    return float(calc_price(Usage(input_tokens=tin, output_tokens=tout), model, provider_id=provider, genai_request_timestamp=ts).total_price)


EST = TokenEstimator()
EST_IN, EST_OUT = EST.count(PROMPT, "gpt-4o"), EST.count(ANSWER, "gpt-4o")
SPAN_COST = {
    "priced": price("gpt-4o-mini", "openai", 1000, 200),
    "estimated": price("gpt-4o", "openai", EST_IN, EST_OUT),
    "proxied": price("gpt-4o-mini", "openai", 2000, 100),  # strands-agents: priced by the model alone
}
MIX_PRICED = sum(SPAN_COST.values())
PRICED_TOTAL = price("gpt-4o-mini", "openai", 3000, 300)
#: How the mixed session's cost reads on every surface: priced part, estimated, one unpriced call.
MIX_TEXT = fmt_cost(MIX_PRICED, estimated=True, unpriced=1)
PRICED_TEXT = fmt_cost(PRICED_TOTAL)
SPAN_TEXT = {
    "priced": fmt_cost(SPAN_COST["priced"]),
    "estimated": fmt_cost(SPAN_COST["estimated"], estimated=True),
    "proxied": fmt_cost(SPAN_COST["proxied"]),
    "unpriced": "$?",
}


def test_the_expected_figures_are_what_the_surfaces_should_show() -> None:
    # Every amount is below a cent: one number of decimals in any column, so the texts compare as strings.
    assert {money_digits(v) for v in [*SPAN_COST.values(), MIX_PRICED, PRICED_TOTAL]} == {4}
    assert MIX_TEXT.startswith("≈$0.") and MIX_TEXT.endswith("+$?")
    assert "$0" not in SPAN_TEXT["unpriced"]


@pytest.fixture(scope="module")
def live() -> Store:
    store = Store()
    Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False)).apply(fixture_updates())
    return store


@pytest.fixture(scope="module")
def db(live: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_store(tmp_path_factory.mktemp("truth") / "truth.db", live)


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str):
    return json.loads(cli_out(capsys, *argv, "--json"))


def line_with(text: str, *needles: str) -> str:
    for ln in text.splitlines():
        if all(n in ln for n in needles):
            return ln
    raise AssertionError(f"no line with {needles!r} in:\n{text}")


_ZERO = re.compile(r"\$0(?:\.0+)?(?![.\d])")


def no_zero_for_unpriced(text: str) -> None:
    """No line about the unpriced model or call shows a dollar zero ($0, $0.00, $0.0000)."""
    for ln in text.splitlines():
        if "llama3.1" in ln or "unpriced" in ln.split():
            assert not _ZERO.search(ln), ln


# -- the live store -------------------------------------------------------------------
def test_live_store(live: Store) -> None:
    for sid, usd in SPAN_COST.items():
        assert live.span("t-mix", sid).cost.total == pytest.approx(usd, rel=1e-9)
    assert live.span("t-mix", "unpriced").cost.total is None
    assert live.span("t-mix", "proxied").cost.priced_as == "openai/gpt-4o-mini"
    u = live.span("t-mix", "estimated").usage
    assert (u.input, u.output, u.estimated) == (EST_IN, EST_OUT, True)
    t = live.sessions[MIX].totals
    assert (t.cost, t.cost_unknown, t.estimated) == (pytest.approx(MIX_PRICED, rel=1e-9), 1, 1)
    assert fmt_cost(t.cost, t.estimated > 0, t.cost_unknown) == MIX_TEXT


# -- the UI ---------------------------------------------------------------------------
async def test_ui_lists_cost_panel_and_detail(live: Store) -> None:
    app = make_app(store=live, now_ns=lambda: T0 + 30 * S)
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(100):
            if app.sessions.keys and app.traces.keys:
                break
            await pilot.pause(0.05)
        # The narrow list columns drop the ≈ (the tokens beside it keep it), nothing else.
        listed = fmt_cost(MIX_PRICED, estimated=True, unpriced=1, width=COST_WIDTH)
        assert listed == MIX_TEXT.removeprefix("≈")
        row = {k: " ".join(c.plain for c in app.sessions.row_cells(k)) for k in (MIX, PRICED)}
        assert listed in row[MIX] and "≈3.9k" in row[MIX] and PRICED_TEXT in row[PRICED], row
        app.sessions.select_key(MIX)
        for _ in range(100):
            if app.traces.keys == ["t-mix"]:
                break
            await pilot.pause(0.05)
        assert listed in " ".join(c.plain for c in app.traces.row_cells("t-mix"))
        if app.screen.has_class("-hide-cost") or not app.cost.display:
            await pilot.press("c")
        for _ in range(100):
            if "by model" in app.cost.plain() or "llama3.1" in app.cost.plain():
                break
            await pilot.pause(0.05)
        panel = app.cost.plain()
        assert MIX_TEXT in line_with(panel, "cost"), panel
        assert "1 call unpriced" in panel
        assert "$?" in line_with(panel, "llama3.1")
        no_zero_for_unpriced(panel)
        app.span_tree.focus()
        for sid, text in SPAN_TEXT.items():
            app.span_tree.select_span(sid)
            for _ in range(100):
                if text in app.detail.plain() and sid in app.detail.plain():
                    break
                await pilot.pause(0.05)
            detail = app.detail.plain()
            assert text in line_with(detail, "cost"), (sid, detail)
        app.span_tree.select_span("unpriced")
        for _ in range(100):
            if "no price for acme/llama3.1:8b" in app.detail.plain():
                break
            await pilot.pause(0.05)
        assert "no price for acme/llama3.1:8b" in app.detail.plain()
        app.span_tree.select_span("proxied")
        for _ in range(100):
            if "priced as openai/gpt-4o-mini" in app.detail.plain():
                break
            await pilot.pause(0.05)
        assert "priced as openai/gpt-4o-mini: the span's provider has no price for this model" in app.detail.plain()


# -- SQLite and the CLI ---------------------------------------------------------------
def _check_cost_json(d: dict, priced: float) -> None:
    assert d["cost"] is None and d["cost_priced"] == pytest.approx(priced, rel=1e-9)
    assert d["unpriced"] == 1 and d["estimated"] is True


def test_sessions_and_traces(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = cli_out(capsys, "sessions", "list", "--db", str(db))
    assert MIX_TEXT in line_with(out, MIX) and PRICED_TEXT in line_with(out, PRICED)
    assert "1 LLM call without a price" in out
    rows = {r["id"]: r for r in cli_json(capsys, "sessions", "list", "--db", str(db))}
    _check_cost_json(rows[MIX], MIX_PRICED)
    assert rows[PRICED]["cost"] == pytest.approx(PRICED_TOTAL, rel=1e-9) and rows[PRICED]["unpriced"] == 0

    out = cli_out(capsys, "sessions", "show", MIX, "--db", str(db))
    assert MIX_TEXT in line_with(out, "cost:") and MIX_TEXT in line_with(out, "t-mix")
    shown = cli_json(capsys, "sessions", "show", MIX, "--db", str(db))
    _check_cost_json(shown, MIX_PRICED)
    _check_cost_json(shown["trace_list"][0], MIX_PRICED)

    out = cli_out(capsys, "traces", "list", "--db", str(db))
    assert MIX_TEXT in line_with(out, "t-mix") and PRICED_TEXT in line_with(out, "t-priced")
    traces = {r["trace_id"]: r for r in cli_json(capsys, "traces", "list", "--db", str(db))}
    _check_cost_json(traces["t-mix"], MIX_PRICED)

    out = cli_out(capsys, "traces", "tree", "t-mix", "--db", str(db))
    assert f"Cost: {MIX_TEXT}" in out
    for sid, text in SPAN_TEXT.items():
        model, provider = live_model(sid)
        assert f"Cost: {text}" in line_with(out, f"chat {model}]", f'Provider: "{provider}"'), (sid, out)
    no_zero_for_unpriced(out)


def live_model(sid: str) -> tuple[str, str]:
    return {
        "priced": ("gpt-4o-mini", "openai"),
        "unpriced": ("llama3.1:8b", "acme"),
        "estimated": ("gpt-4o", "openai"),
        "proxied": ("gpt-4o-mini", "strands-agents"),
    }[sid]


def test_spans_query(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = cli_out(capsys, "spans", "query", "--session", MIX, "--kind", "llm_call", "--db", str(db))
    for sid, text in SPAN_TEXT.items():
        assert line_with(out, f" {sid} ").rstrip().endswith(text), (sid, out)
    assert "$? = no price for acme/llama3.1:8b" in out
    no_zero_for_unpriced(out)
    spans = {s["span_id"]: s for s in cli_json(capsys, "spans", "query", "--session", MIX, "--db", str(db))}
    assert spans["unpriced"]["cost"].get("total") is None
    assert spans["unpriced"]["cost"]["reason"] == "no price for acme/llama3.1:8b"
    for sid, usd in SPAN_COST.items():
        assert spans[sid]["cost"]["total"] == pytest.approx(usd, rel=1e-9)
    assert spans["estimated"]["tokens_estimated"] is True


def test_costs_and_stats(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = cli_out(capsys, "costs", "--session", MIX, "--db", str(db))
    assert MIX_TEXT in line_with(out, "total")
    assert "$?" in line_with(out, "llama3.1")
    no_zero_for_unpriced(out)
    got = cli_json(capsys, "costs", "--session", MIX, "--db", str(db))
    assert got["total"]["cost_usd"] is None and got["total"]["cost_priced_usd"] == pytest.approx(MIX_PRICED, rel=1e-9)
    assert got["total"]["unpriced_calls"] == 1

    out = cli_out(capsys, "stats", "--session", MIX, "--db", str(db))
    assert f"cost {MIX_TEXT}" in out
    assert "$?" in line_with(out, "llama3.1")
    no_zero_for_unpriced(out)
    stats = cli_json(capsys, "stats", "--session", MIX, "--db", str(db))
    _check_cost_json(stats, MIX_PRICED)
    by_model = {r["model"]: r for r in stats["by_model"]}
    assert by_model["llama3.1:8b"]["cost"] is None and by_model["llama3.1:8b"]["unpriced"] == 1


def test_compare(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = cli_out(capsys, "compare", PRICED, MIX, "--db", str(db))
    row = line_with(out, "cost")
    assert PRICED_TEXT in row and MIX_TEXT in row and row.rstrip().endswith("$?")  # a difference with an unknown side
    assert "+$0.0000" not in out and "-$0.0000" not in out
    got = cli_json(capsys, "compare", PRICED, MIX, "--db", str(db))
    assert got["a"]["cost"] == pytest.approx(PRICED_TOTAL, rel=1e-9)
    assert got["b"]["cost"] is None and got["b"]["cost_priced"] == pytest.approx(MIX_PRICED, rel=1e-9)
    assert got["delta"]["cost"] is None


# -- exports and imports back ---------------------------------------------------------
def test_exports_and_import_back(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mix.csv"
    cli_out(capsys, "export", "--session", MIX, "--format", "csv", "-o", str(out), "--db", str(db))
    rows = {r["span_id"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert rows["unpriced"]["cost_usd"] == "" and rows["unpriced"]["cost_reason"] == "no price for acme/llama3.1:8b"
    assert rows["proxied"]["cost_reason"] == "priced as openai/gpt-4o-mini"
    for sid, usd in SPAN_COST.items():
        assert float(rows[sid]["cost_usd"]) == pytest.approx(usd, rel=1e-9)
    assert rows["estimated"]["tokens_estimated"] == "true"

    out = tmp_path / "mix.otlp.json"
    cli_out(capsys, "export", "--session", MIX, "--format", "otlp-json", "-o", str(out), "--db", str(db))
    attrs = {}
    for line in out.read_text().splitlines():
        for rs in json.loads(line)["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                for sp in ss["spans"]:
                    attrs[sp["name"] + "/" + str(len(attrs))] = {a["key"]: a["value"] for a in sp["attributes"]}
    unpriced = next(a for a in attrs.values() if a.get("gen_ai.request.model", {}).get("stringValue") == "llama3.1:8b")
    assert unpriced["agenttrace.cost.unpriced"] == {"boolValue": True} and "agenttrace.cost.usd" not in unpriced

    # Native JSON as an agent would send it: usage, no cost. Imported, it is priced as live ingest prices it.
    native = tmp_path / "mix.jsonl"
    cli_out(capsys, "export", "--session", MIX, "--format", "json", "-o", str(native), "--db", str(db))
    stripped = []
    for line in native.read_text().splitlines():
        rec = json.loads(line)
        rec.pop("cost", None)
        stripped.append(json.dumps(rec))
    native.write_text("\n".join(stripped) + "\n")
    for name, src in (("native", native), ("otlp", out)):
        copy = tmp_path / f"copy-{name}.db"
        cli_out(capsys, "import", str(src), "--db", str(copy))
        rows = {r["id"]: r for r in cli_json(capsys, "sessions", "list", "--db", str(copy))}
        _check_cost_json(rows[MIX], MIX_PRICED)
        assert MIX_TEXT in line_with(cli_out(capsys, "sessions", "list", "--db", str(copy)), MIX)


# -- a database written by the previous layout -----------------------------------------
def test_a_version_1_database_is_upgraded_and_then_shows_the_same_figures(
    live: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file from before the unpriced/estimated counts: read as it is while it
    cannot be written, upgraded in place by the first command that may, and
    from then on every surface shows what a new file shows."""
    import sqlite3

    from agenttrace_tui.store.batch import span_row
    from agenttrace_tui.store.reader import Reader
    from agenttrace_tui.store.schema import SCHEMA_VERSION

    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript((Path(__file__).parent / "fixtures" / "schema_v1.sql").read_text())
    conn.execute("INSERT INTO schema_version (version) VALUES (1)")
    spans = [s for t in live.traces.values() for s in t.spans.values()]
    conn.executemany(
        "INSERT INTO spans (trace_id, span_id, session_id, parent, name, kind, status, model, provider,"
        " start_ns, end_ns, input_tokens, output_tokens, cost, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [span_row(s)[:15] for s in spans],  # the version 1 columns, in their order
    )
    conn.execute(  # trace rows as version 1 wrote them; its triggers fill the sessions
        "INSERT INTO traces (trace_id, session_id, name, start_ns, end_ns, spans, errors, running, input_tokens,"
        " output_tokens, cost, models) SELECT trace_id, max(session_id), NULL, min(start_ns), max(end_ns), count(*), 0,"
        " 0, sum(input_tokens), sum(output_tokens), total(cost), group_concat(DISTINCT model) FROM spans GROUP BY trace_id"
    )
    conn.close()

    with Reader(path) as r:  # read-only: reads version 1 as it is (nothing counted yet)
        old = r.session(MIX)
    assert old is not None and old.cost == pytest.approx(MIX_PRICED, rel=1e-9) and old.unpriced == 0

    rows = {r["id"]: r for r in cli_json(capsys, "sessions", "list", "--db", str(path))}
    _check_cost_json(rows[MIX], MIX_PRICED)
    assert rows[PRICED]["unpriced"] == 0 and rows[PRICED]["cost"] == pytest.approx(PRICED_TOTAL, rel=1e-9)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
        flags = dict(conn.execute("SELECT span_id, unpriced + 10 * estimated FROM spans WHERE kind = 'llm_call'").fetchall())
    assert flags == {"priced": 0, "unpriced": 1, "estimated": 10, "proxied": 0, "only": 0}
    assert MIX_TEXT in line_with(cli_out(capsys, "traces", "list", "--db", str(path)), "t-mix")
