"""Metrics on screen and in the CLI: Claude Code-shaped series end to end.

The real OTel SDK MeterProvider exports Claude Code's metrics over OTLP/HTTP
to a real Monitor with a SQLite file in tmp_path; the ``metrics`` command
reads them back (values, rates, per-session), replay plays the samples, and
the ``M`` screen lists them (Pilot and an SVG snapshot). Hostile names and
labels are shown literally.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource

import fixtures
from agenttrace_tui import cli
from agenttrace_tui.analysis.metrics import describe, fmt_value, rate_per_s, sparkline
from agenttrace_tui.config import Config
from agenttrace_tui.history.replay import Player, load_complete
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import Metric
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.sqlite import Reader
from agenttrace_tui.ui.app import make_app
from agenttrace_tui.ui.metrics_view import MetricsScreen
from test_otlp_support import wait_for

S = 1_000_000_000
HOSTILE = "[@click=app.quit]evil[/] \x1b[2J"


def claude_code_metrics(port: int, session: str) -> None:
    """What Claude Code exports: counters with session.id and type on every point."""
    exporter = OTLPMetricExporter(endpoint=f"http://127.0.0.1:{port}/v1/metrics")
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    mp = MeterProvider(metric_readers=[reader],
                       resource=Resource.create({"service.name": "claude-code", "service.version": "2.0.14"}))
    meter = mp.get_meter("com.anthropic.claude_code")
    base = {"session.id": session, "user.account_uuid": "u-1", "terminal.type": "tmux"}
    cost = meter.create_counter("claude_code.cost.usage", unit="USD")
    tokens = meter.create_counter("claude_code.token.usage", unit="tokens")
    lines = meter.create_counter("claude_code.lines_of_code.count")
    commits = meter.create_counter("claude_code.commit.count")
    prs = meter.create_counter("claude_code.pull_request.count")
    active = meter.create_counter("claude_code.active_time.total", unit="s")
    sessions = meter.create_counter("claude_code.session.count")
    sessions.add(1, base)
    cost.add(0.0421, {**base, "model": "claude-sonnet-4-5"})
    tokens.add(1200, {**base, "type": "input", "model": "claude-sonnet-4-5"})
    tokens.add(340, {**base, "type": "output", "model": "claude-sonnet-4-5"})
    tokens.add(20000, {**base, "type": "cacheRead", "model": "claude-sonnet-4-5"})
    lines.add(42, {**base, "type": "added"})
    lines.add(7, {**base, "type": "removed"})
    active.add(12.5, {**base, "type": "cli"})
    mp.force_flush()
    cost.add(0.0123, {**base, "model": "claude-sonnet-4-5"})
    tokens.add(800, {**base, "type": "input", "model": "claude-sonnet-4-5"})
    commits.add(1, base)
    prs.add(1, base)
    lines.add(8, {**base, "type": "added"})
    mp.force_flush()
    mp.shutdown()


@pytest.fixture()
def db(tmp_path):
    """A real monitor fed by the OTel SDK; the file it flushed."""
    path = tmp_path / "metrics.db"

    async def feed() -> None:
        monitor = Monitor(Config(udp_port=None, tcp_port=None, socket="", otlp_port=0, otlp_grpc_port=None,
                                 db=str(path)))
        await monitor.start()
        try:
            await asyncio.to_thread(claude_code_metrics, monitor.otlp.address[1], "cc-sess-1")
            assert await wait_for(lambda: ("claude_code.pull_request.count", (("service", "claude-code"),
                                   ("session.id", "cc-sess-1"), ("terminal.type", "tmux"), ("user.account_uuid", "u-1")))
                                  in monitor.store.metrics)
        finally:
            await monitor.stop()

    asyncio.run(feed())
    return path


def _cli_json(capsys, *argv):
    capsys.readouterr()
    code = cli.main(list(argv) + ["--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def _find(series, name, **labels):
    hits = [s for s in series if s["name"] == name and all(s["labels"].get(k) == v for k, v in labels.items())]
    assert len(hits) == 1, (name, labels, [s["labels"] for s in series if s["name"] == name])
    return hits[0]


def test_cli_shows_claude_code_metrics_with_the_right_values(db, capsys):
    out = _cli_json(capsys, "metrics", "--db", str(db))
    series = out["series"]
    cost = _find(series, "claude_code.cost.usage")
    assert cost["value"] == pytest.approx(0.0544) and cost["description"] == "cost (USD)" and cost["kind"] == "counter"
    assert _find(series, "claude_code.token.usage", type="input")["value"] == 2000
    assert _find(series, "claude_code.token.usage", type="cacheRead")["description"] == "tokens: cache read"
    added = _find(series, "claude_code.lines_of_code.count", type="added")
    assert added["value"] == 50 and added["description"] == "lines: added"
    assert _find(series, "claude_code.lines_of_code.count", type="removed")["value"] == 7
    assert _find(series, "claude_code.commit.count")["value"] == 1
    assert _find(series, "claude_code.pull_request.count")["description"] == "pull requests"
    assert _find(series, "claude_code.active_time.total")["value"] == pytest.approx(12.5)
    assert _find(series, "claude_code.session.count")["value"] == 1
    # Three exports (two flushes and the shutdown's): samples 1200, +800, +0; a three-step sparkline.
    inp = _find(series, "claude_code.token.usage", type="input")
    assert inp["count"] == 3 and len(inp["spark"]) == 3 and inp["spark"][0] != inp["spark"][1]
    # Per session: the same numbers from that session's samples; another session has none.
    mine = _cli_json(capsys, "metrics", "--db", str(db), "--session", "cc-sess-1")
    assert mine["session_id"] == "cc-sess-1"
    assert _find(mine["series"], "claude_code.cost.usage")["value"] == pytest.approx(0.0544)
    assert _cli_json(capsys, "metrics", "--db", str(db), "--session", "nobody")["series"] == []
    capsys.readouterr()
    assert cli.main(["metrics", "--db", str(db)]) == 0
    table = capsys.readouterr().out
    assert "cost (USD)" in table and "tokens: cache read" in table and "$0.05" in table and "lines: added" in table


def test_saved_metrics_come_back_in_history_and_replay(db):
    with Reader(db) as reader:
        store = load_complete(reader, "cc-sess-1")
        player = Player(reader, "cc-sess-1", clock=lambda: 0)
        player.seek(0)  # before the first sample: nothing yet
        assert not player.store.metrics
        player._advance_to(None)  # to the end
        replayed = player.store
    for st in (store, replayed):
        tot = {k: s.sum for k, s in st.metrics.items() if k[0] == "claude_code.cost.usage"}
        assert list(tot.values()) == [pytest.approx(0.0544)]


def test_words_rate_and_sparkline():
    assert describe("claude_code.token.usage", {"type": "cacheCreation"}) == "tokens: cache write"
    # A conversation resumed in a new process is counted as started again, under its session.id.
    assert describe("claude_code.session.count", {"start_type": "fresh"}) == "sessions started: new"
    assert describe("claude_code.session.count", {"start_type": "resume"}) == "sessions started: resumed"
    assert describe("claude_code.session.count", {}) == "sessions started"
    assert describe("codex.tool.call", {"tool": "shell"}) == "tool calls: shell"
    assert describe("my.metric", {}) is None
    # The Continue CLI's counters: Claude Code's under its own names, its cost shown as money.
    assert describe("continue_cli_token_usage", {"type": "cacheRead", "model": "gpt-4o-mini"}) == "tokens: cache read"
    assert describe("continue_cli_cost_usage", {"model": "gpt-4o-mini"}) == "cost (USD)"
    assert fmt_value("continue_cli_cost_usage", 0.0004755) == fmt_value("claude_code.cost.usage", 0.0004755)
    assert fmt_value("continue_cli_cost_usage", 0.0004755) != fmt_value("my.metric", 0.0004755)
    pts = [(0, 10.0), (10 * S, 20.0), (20 * S, 30.0)]
    assert rate_per_s(pts, "counter") == pytest.approx(2.5)  # 50 added over 20 s
    assert rate_per_s(pts, "gauge") is None
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█"


def metric_store() -> Store:
    store = fixtures.build_store()
    pipeline = Pipeline(store)
    t0 = fixtures.NOW_NS - 60 * S
    base = {"session.id": "s1", "service": "claude-code"}
    updates = []
    for i in range(8):
        t = t0 + i * 5 * S
        updates += [
            Metric(name="claude_code.cost.usage", value=0.01 * (i + 1), labels={**base, "model": "claude-sonnet-4-5"},
                   time_ns=t, kind="counter", session_id="s1"),
            Metric(name="claude_code.token.usage", value=100.0 * (i % 3 + 1), labels={**base, "type": "output"},
                   time_ns=t, kind="counter", session_id="s1"),
            Metric(name="agent.context.fill", value=0.1 * i, labels={"service": "svc"}, time_ns=t, kind="gauge"),
        ]
    updates.append(Metric(name=HOSTILE, value=1.0, labels={"k": HOSTILE}, time_ns=t0, kind="gauge"))
    updates.append(Metric(name="claude_code.lines_of_code.count", value=42.0, labels={**base, "type": "added"},
                          time_ns=t0, kind="counter", session_id="s1"))
    pipeline.apply(updates)
    return store


async def test_metrics_screen_lists_series_and_goes_back():
    app = make_app(store=metric_store(), now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("M")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        lst = screen.list
        assert len(lst.keys) == 5 and app.is_running
        first = lst.cursor_key
        await pilot.press("j")
        assert lst.cursor_key != first
        text = "\n".join(
            "".join(seg.text for seg in lst.render_line(y)) for y in range(lst.size.height))
        assert "cost" in text and "tokens: output" in text and "lines: added" in text
        assert "[@click=app.quit]evil[/]" in text and "\x1b" not in text  # literal, never markup or escapes
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, MetricsScreen) and app.is_running


async def test_metrics_is_in_the_palette():
    from agenttrace_tui.ui.palette import app_commands

    app = make_app(store=metric_store(), now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)):
        titles = [c.help for c in app_commands(app)]
        assert any("app.metrics" in h for h in titles)


def test_metrics_screen_snapshot(snap_compare):
    app = make_app(store=metric_store(), now_ns=fixtures.clock)
    assert snap_compare(app, press=["M"], terminal_size=(120, 24))
