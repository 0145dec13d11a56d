"""A model call that reports no tokens: unknown cost, never a silent $0.

An agent that names its model but never reports usage (content capture off,
a stream without usage, a forgotten ``set_tokens``) spent something nobody
knows. Every sum that holds such a call reads ``$0.0081+$?`` and says why;
a call the provider refused (status error) used no tokens and counts $0; a
call still running is not known yet and marks no sum.

Driven as a user runs it: the real monitor (``--headless``, a subprocess
with its own home) fed by the real SDK over UDP on 127.0.0.1, its SQLite
file read back by the real CLI; the detail view in the real app (Pilot) on
a store fed through the real pipeline and cost enricher. The priced call's
figure comes from genai-prices' own ``calc_price``.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from genai_prices import Usage, calc_price

from agenttrace_tui.commands.headless import trace_line
from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.format.numbers import fmt_cost
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import LlmInfo, Span, SpanKind, Status, TokenUsage
from agenttrace_tui.sdk import Tracer
from agenttrace_tui.store.memory import Store
from agenttrace_tui.ui.app import make_app
from test_ui_monitor import _free_port

S = 1_000_000_000
MODEL, PROVIDER = "claude-sonnet-4-5", "anthropic"


def _price(tin: int, tout: int, when_ns: int) -> float:
    ts = datetime.fromtimestamp(when_ns / S, tz=UTC)
    return float(calc_price(Usage(input_tokens=tin, output_tokens=tout), MODEL, provider_id=PROVIDER,
                            genai_request_timestamp=ts).total_price)


def _cli(*argv: str) -> str:
    # The subprocess inherits the test's private home (conftest.private_home).
    out = subprocess.run([sys.executable, "-m", "agenttrace_tui", *argv], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _headless_monitor(db: Path) -> tuple[subprocess.Popen[str], int]:
    """The real monitor, headless, on a free UDP port and ``db``; returns once it listens."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "agenttrace_tui", "--headless", "--udp-port", str(port), "--tcp-port", "off",
         "--socket", "off", "--otlp-port", "off", "--otlp-grpc-port", "off", "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "listening on udp" not in proc.stderr.readline():
        pass
    return proc, port


def test_a_call_without_tokens_is_unpriced_on_every_surface_and_a_failed_one_costs_nothing(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    proc, port = _headless_monitor(db)
    try:
        tracer = Tracer("no-tokens", endpoint=f"udp://127.0.0.1:{port}", set_global=False)
        started = time.time_ns()
        with tracer.span("agent run", kind="agent"):
            with tracer.span("priced", kind="llm_call") as span:
                span.set_llm(model=MODEL, provider=PROVIDER)
                span.set_tokens(input=1200, output=300)
            with tracer.span("no tokens", kind="llm_call") as span:
                span.set_llm(model=MODEL, provider=PROVIDER)
            with tracer.span("refused", kind="llm_call") as span:
                span.set_llm(model=MODEL, provider=PROVIDER)
                span.set_status("error", "429 rate limited")
        assert tracer.flush(5)
        time.sleep(2.5)  # a trace is printed once nothing new arrived for a second
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    priced = _price(1200, 300, started)
    want = fmt_cost(priced, unpriced=1, digits=4)
    lines = [line for line in out.splitlines() if " agent run " in line]
    assert len(lines) == 1, (out, err)
    assert want.endswith("+$?") and f" cost={want} " in lines[0]
    assert lines[0].endswith(' unpriced=1 why="no tokens reported"')  # a $? says why here too

    traces = json.loads(_cli("--db", str(db), "traces", "list", "--json"))
    (row,) = traces if isinstance(traces, list) else traces["traces"]
    assert row["cost"] is None and row["unpriced"] == 1
    assert abs(row["cost_priced"] - priced) < 1e-9

    costs = json.loads(_cli("--db", str(db), "costs", "--json"))
    assert costs["unpriced"] == {"no tokens reported": 1}
    assert costs["total"]["unpriced_calls"] == 1 and costs["total"]["cost_usd"] is None
    text = _cli("--db", str(db), "costs")
    assert "no tokens reported" in text and "+$?" in text


def test_a_call_still_open_when_the_monitor_stops_is_saved_unpriced_with_why(tmp_path: Path) -> None:
    """The agent's process ends inside a model call (no end, no tokens): while the monitor
    ran, the call added nothing to the sums (its tokens may still come); when it stops, the
    file says the cost is unknown and why, where every report read a silent $0 (the
    session 'interrupted', its model call counted at $0 with no footnote)."""
    db = tmp_path / "m.db"
    proc, port = _headless_monitor(db)
    try:
        tracer = Tracer("hanging", endpoint=f"udp://127.0.0.1:{port}", set_global=False)
        started = time.time_ns()
        with tracer.span("priced", kind="llm_call") as span:
            span.set_llm(model=MODEL, provider=PROVIDER)
            span.set_tokens(input=1200, output=300)
        # Started, not entered: entering would make it the parent of every span this test
        # process makes after (the context var), other tests' spans included.
        tracer.span("never ends", kind="llm_call").start().set_llm(model=MODEL, provider=PROVIDER)
        assert tracer.flush(5)
        time.sleep(1.0)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    priced = _price(1200, 300, started)
    (session,) = json.loads(_cli("--db", str(db), "sessions", "list", "--json"))
    assert session["unpriced"] == 1 and session["cost"] is None and abs(session["cost_priced"] - priced) < 1e-9
    costs = json.loads(_cli("--db", str(db), "costs", "--json"))
    assert costs["unpriced"] == {"no end came before the monitor stopped": 1}
    assert costs["total"]["unpriced_calls"] == 1 and costs["total"]["cost_usd"] is None
    text = _cli("--db", str(db), "costs")
    assert "no end came before the monitor stopped" in text and "+$?" in text


def _span(sid: str, *, end: bool = True, status: Status = Status.OK, usage: TokenUsage | None = None, **llm: str) -> Span:
    t0 = time.time_ns() - 60 * S
    return Span(span_id=sid, trace_id="t1", session_id="s1", parent_span_id=None if sid == "root" else "root",
                name=sid, kind=SpanKind.AGENT if sid == "root" else SpanKind.LLM_CALL, start_ns=t0,
                end_ns=t0 + S if end else None, status=status,
                llm=None if sid == "root" else LlmInfo(model=MODEL, provider=PROVIDER, **llm), usage=usage)


async def test_the_detail_and_the_sums_say_the_same_of_each_call() -> None:
    store = Store()
    pipeline = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
    pipeline.apply([_span("root", end=False), _span("no tokens"), _span("refused", status=Status.ERROR),
                    _span("running", end=False), _span("priced", usage=TokenUsage(input=10, output=5)),
                    _span("estimated", prompt_preview="What failed?", response_preview="The checkout test."),
                    # Tokens reported out of range: dropped at the door, so unpriced, saying why (it read
                    # "no tokens reported", which they were).
                    _span("wild tokens", usage=TokenUsage(input=10**12, output=5))])
    t = store.trace("t1")
    assert t is not None and t.totals.cost_unknown == 2 and t.totals.estimated == 1
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(100):
            if app.traces.keys:
                break
            await pilot.pause(0.05)
        assert "$?" in " ".join(c.plain for c in app.traces.row_cells("t1"))
        app.span_tree.focus()
        for sid, text in (("no tokens", "$?  no tokens reported"), ("refused", "$0  the call failed; no tokens reported"),
                          ("running", "not known until the call ends"),
                          ("wild tokens", "$?  its reported tokens were out of range (dropped)")):
            app.span_tree.select_span(sid)
            for _ in range(100):
                if text in app.detail.plain():
                    break
                await pilot.pause(0.05)
            assert text in app.detail.plain(), (sid, app.detail.plain())
        # The filter finds them: cost:? the unknown costs, cost:~ the estimated ones.
        for query, want in (("cost:?", ["root", "no tokens", "wild tokens"]), ("cost:~", ["root", "estimated"])):
            await pilot.press("slash")
            await pilot.press(*query, "enter")
            for _ in range(100):
                if app.span_tree.filter_text == query:
                    break
                await pilot.pause(0.05)
            assert app.span_tree.visible_span_ids == want, (query, app.span_tree.visible_span_ids)
        # The running call ends, still without tokens: now it is unpriced too.
        pipeline.apply([_span("running")])
        store.flush_aggregates()
        assert store.trace("t1").totals.cost_unknown == 3  # type: ignore[union-attr]


def test_a_headless_line_says_why_a_call_is_unpriced_in_clean_text() -> None:
    # A model nobody prices, named by the sender with an escape sequence and quotes: the
    # reason names it, and the line stays one line of plain text a script can split.
    store = Store()
    pipe = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
    evil = 'evil\x1b[31m"model\nx'
    t0 = time.time_ns()
    pipe.apply([
        Span(span_id="root", trace_id="t1", session_id="s", name="agent run", kind=SpanKind.AGENT,
             start_ns=t0, end_ns=t0 + 3_000),
        Span(span_id="c1", trace_id="t1", session_id="s", parent_span_id="root", name="chat",
             kind=SpanKind.LLM_CALL, start_ns=t0 + 1, end_ns=t0 + 2_000, llm=LlmInfo(provider="acme", model=evil),
             usage=TokenUsage(input=10, output=5, total=15)),
    ])
    line = trace_line(store, store.traces["t1"])
    assert "\x1b" not in line and "\n" not in line
    head, why = line.split(' unpriced=1 why="')
    assert " cost=$? " in head and why.endswith('"') and why.count('"') == 1
    assert why.startswith("no price for acme/evil") and "model" in why


def test_a_headless_line_says_a_cancelled_run_is_not_ok() -> None:
    """A trace whose root span was cancelled (the run was stopped) read "ok" in headless and
    replay lines; it reads CANCELLED, as the lists show it, and a failed one ERROR."""
    store = Store()
    t0 = time.time_ns()
    store.apply([
        Span(span_id="r1", trace_id="stopped", session_id="s", name="agent run", kind=SpanKind.AGENT,
             start_ns=t0, end_ns=t0 + 3_000, status=Status.CANCELLED),
        Span(span_id="r2", trace_id="failed", session_id="s", name="agent run", kind=SpanKind.AGENT,
             start_ns=t0, end_ns=t0 + 3_000, status=Status.ERROR),
        Span(span_id="r3", trace_id="fine", session_id="s", name="agent run", kind=SpanKind.AGENT,
             start_ns=t0, end_ns=t0 + 3_000),
    ])
    words = {tid: trace_line(store, store.traces[tid]).split(" dur=")[0].rsplit(" ", 1)[1]
             for tid in ("stopped", "failed", "fine")}
    assert words == {"stopped": "CANCELLED", "failed": "ERROR", "fine": "ok"}
