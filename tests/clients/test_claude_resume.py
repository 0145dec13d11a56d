"""A Claude Code conversation resumed in a second process, as a person sees it in the real monitor.

Each run of ``fixtures/claude-code-resume/`` (the traces beta on) and ``claude-code-resume-logs/``
(logs and metrics only, the CLI's default) is ``claude -p <prompt>``, then
``claude -p <prompt 2> --resume <its session id>`` in the same working dir (README: "A resumed
Claude Code session"). Both processes name the same ``session.id``; the resumed turn's calls read
most of their prompt from the cache the first turn wrote (the fake LLM's ``later_turn_usage``).
Replayed into a real Monitor over OTLP/HTTP (``test_conformance._replay``), the conversation is one
session, the CLI's own id, of two turns, each named by its prompt and holding its own calls (the
fake LLM's tokens and cache reads, each counted once, priced by genai-prices) and its Bash call; the
session's figures in the app's session list and cost pane are the ones ``sessions list``,
``sessions show`` and ``costs --session`` print from the file.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from recording import read_body
from test_conformance import (
    CLIENTS,
    FIXTURES,
    _expected_price,
    _post,
    _replay,
    cli_json,
    counted,
    expected_usage,
    usage_of,
)

from agenttrace_tui.config import Config
from agenttrace_tui.format.numbers import fmt_cost
from agenttrace_tui.model import SpanKind, Status
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.ui import fmt
from agenttrace_tui.ui.app import make_app

NAMES = ["claude-code-resume", "claude-code-resume-logs"]


def _turns(store: Any, sid: str) -> list[Any]:
    """The session's turns (its traces holding a model call), first first."""
    return sorted((t for t in store.traces_of(sid) if any(s.kind is SpanKind.LLM_CALL for s in t.spans.values())),
                  key=lambda t: t.start_ns)


def _shown(name: str | None, prompt: str) -> bool:
    """A turn named by its prompt (the name may be cut, ending ``…``)."""
    return name is not None and f"prompt: {prompt}".startswith(name.rstrip("…"))


async def cost_pane_shows_totals(app: Any, pilot: Any, sid: str, totals: Any) -> list[str]:
    """In the real app, the cost pane of session ``sid`` (selected here) shows its cost and its input,
    output and cached tokens as ``totals`` has them, within 10 s; returns its lines."""
    want = [fmt_cost(totals.cost), fmt.tokens(totals.input_tokens), fmt.tokens(totals.output_tokens),
            fmt.tokens(totals.cache_read)]
    got: list[str | None] = []
    lines: list[str] = []
    for _ in range(200):  # the pane follows the selected session on its next draw
        if app.selected_session_id != sid:
            app.jump_to_session(sid)
        lines = app.cost.plain().split("\n")
        tokens = next((ln.split() for ln in lines if ln.strip().startswith("tokens")), [])
        got = [next((ln.split()[1] for ln in lines if ln.strip().startswith("cost")), None),
               *(tokens[i + 1] for i, word in enumerate(tokens[:-1]) if word in ("in", "out", "cache"))]
        if got == want:
            break
        await pilot.pause(0.05)
    assert got == want, "\n".join(lines)
    return lines


@pytest.mark.parametrize("name", NAMES)
async def test_a_resumed_conversation_is_one_session_of_two_turns(name: str, tmp_path: Path) -> None:
    rp = await _replay(name, tmp_path / "resume.db")
    manifest, store, client = rp.manifest, rp.store, CLIENTS[name]
    prompts = manifest["prompts"]
    for run in manifest["runs"]:
        label = run["label"]
        sid = manifest["resumed_sessions"][label]
        # The CLI's own word: the resumed process went on with the first one's session.
        assert [r["session_id"] for r in manifest["cli_results"][label]] == [sid, sid]
        assert rp.sessions[label] == [sid], "the resumed turn is not a session of its own"
        assert store.sessions[sid].session.label == prompts[0]  # named by its first prompt, not the resumed one
        turns = _turns(store, sid)
        assert len(turns) == 2
        total = 0.0
        for n, (trace, prompt) in enumerate(zip(turns, prompts, strict=True), start=1):
            assert _shown(trace.name, prompt), (trace.name, prompt)
            assert not _shown(trace.name, prompts[2 - n])
            calls = [c for c in run["fake_calls"] if c["turn"] == n]
            spans = [s for s in trace.spans.values() if s.kind is SpanKind.LLM_CALL]
            served = [c for c in calls if c["status"] == 200]
            # Each call once, in its own turn, with the tokens and cache reads the fake LLM served.
            assert Counter(tuple(sorted(usage_of(s).items())) for s in spans if counted(s)) == Counter(
                tuple(sorted(expected_usage(c, client).items())) for c in served)
            for span in spans:
                if counted(span):
                    assert span.cost is not None and span.cost.total == pytest.approx(
                        _expected_price(span, served, client), rel=1e-6)
                    total += span.cost.total
            refused = [s for s in spans if s.status is Status.ERROR]
            assert len(refused) == (1 if len(served) < len(calls) else 0)  # the CLI reports a refused turn once
            tools = [s for s in trace.spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
            assert [(t.tool.name, t.tool.call_id) for t in tools if t.tool is not None] == [
                (c["tool_name"], c["tool_call_id"]) for c in served if c["tool_call_id"]]
        # The resumed turn's calls read their prompt from the cache: shown, not lost.
        later = [c for c in run["fake_calls"] if c["turn"] == 2 and c["status"] == 200]
        totals = store.sessions[sid].totals
        assert totals.cache_read == sum(c["usage_normalized"]["cached"] for c in run["fake_calls"] if c["usage"])
        assert all(c["usage_normalized"]["cached"] > c["usage_normalized"]["input"] for c in later)
        assert totals.cost == pytest.approx(total, rel=1e-9)
        # What the CLI itself says the session cost, summed over both processes (its summary after the
        # resumed turn holds the first turn's cost too).
        assert totals.cost == pytest.approx(manifest["cli_results"][label][-1]["total_cost_usd"], rel=1e-6)
        assert totals.errors == (0 if label == "ok" else 1)

        # The file: what `sessions list`, `sessions show` and `costs --session` print is the store's.
        (listed,) = [s for s in cli_json(rp.db, "sessions", "list", "--limit", "1000") if s["id"] == sid]
        assert (listed["input_tokens"], listed["output_tokens"], listed["errors"]) == (
            totals.input_tokens, totals.output_tokens, totals.errors)
        assert listed["cost"] == pytest.approx(totals.cost, rel=1e-9)
        shown = cli_json(rp.db, "sessions", "show", sid)["trace_list"]
        assert {t["trace_id"] for t in shown} >= {t.trace_id for t in turns}
        # The CLI's own counters, as the metrics screen and `metrics` show them: the two processes' starts, the
        # second one a resume, and the tokens (cache reads too) and cost of both turns.
        series = cli_json(rp.db, "metrics", "--session", sid)["series"]
        started = Counter(s["description"] for s in series for _ in range(int(s["sum"]))
                          if s["name"] == "claude_code.session.count")
        assert started == Counter({"sessions started: new": 1, "sessions started: resumed": 1})
        by_type = {s["labels"]["type"]: s["sum"] for s in series if s["name"] == "claude_code.token.usage"}
        assert (by_type["input"] + by_type["cacheRead"] + by_type["cacheCreation"], by_type["output"]) == (
            totals.input_tokens, totals.output_tokens)
        assert (by_type["cacheRead"], by_type["cacheCreation"]) == (totals.cache_read, totals.cache_write)
        assert sum(s["sum"] for s in series if s["name"] == "claude_code.cost.usage") == pytest.approx(totals.cost)
        costs = cli_json(rp.db, "costs", "--session", sid)["total"]
        assert (costs["input_tokens"], costs["output_tokens"], costs["cache_read_tokens"], costs["cache_write_tokens"]) == (
            totals.input_tokens, totals.output_tokens, totals.cache_read, totals.cache_write)
        assert costs["cost_usd"] == pytest.approx(totals.cost, rel=1e-9)

    # The app: one row per conversation, its tokens and cost those figures; its cost pane says its cache reads.
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        for run in manifest["runs"]:
            sid = manifest["resumed_sessions"][run["label"]]
            totals = store.sessions[sid].totals
            await cost_pane_shows_totals(app, pilot, sid, totals)
            row = [c.plain.strip() for c in app.sessions.row_cells(sid)]
            assert fmt.tokens(totals.tokens) in row and fmt.sum_cost(totals, 0, app.sessions.cost_digits, None) in row
        assert sorted(app.sessions.keys) == sorted(manifest["resumed_sessions"].values())


async def test_a_conversation_resumed_after_the_monitor_restarted_is_one_session_in_the_file(tmp_path: Path) -> None:
    """The first turn reached one monitor, the resumed turn a second one started on the same file: the
    second shows live only the turn it received, and the file holds one session of both turns, its
    figures what one monitor that saw both showed (``sessions list``, ``costs``)."""
    name = "claude-code-resume"
    folder = FIXTURES / name
    manifest = json.loads((folder / "manifest.json").read_text())
    (run,) = [r for r in manifest["runs"] if r["label"] == "ok"]
    sid = manifest["resumed_sessions"]["ok"]
    # A file is the resumed turn's when it names one of its calls or prompt, or the resumed start (metrics).
    later = {c["request_id"].encode() for c in run["fake_calls"] if c["turn"] == 2}
    later |= {manifest["prompts"][1].encode(), b"resume"}
    files = [f for f in manifest["files"] if f["run"] == "ok"]
    turn_of = {f["file"]: 2 if any(k in read_body(folder / f["file"]) for k in later) else 1 for f in files}
    assert sorted(set(turn_of.values())) == [1, 2]
    db = tmp_path / "restarted.db"
    live = []
    for turn in (1, 2):
        monitor = Monitor(Config(persist=True, db=str(db), otlp_port=0, otlp_grpc_port=None, udp_port=None,
                                  tcp_port=None, socket=""))
        await monitor.start()
        try:
            for f in files:
                if turn_of[f["file"]] == turn:
                    status = await asyncio.to_thread(_post, monitor.otlp.address[1], f["path"],
                                                     read_body(folder / f["file"]), f["content_type"])
                    assert status == 200
            assert list(monitor.store.sessions) == [sid]
            live.append(monitor.store.sessions[sid].totals.input_tokens)
        finally:
            await monitor.stop()
    whole = await _replay(name, tmp_path / "whole.db")
    want = whole.store.sessions[sid].totals
    assert sum(live) == want.input_tokens  # each monitor its own turn
    (listed,) = cli_json(db, "sessions", "list", "--limit", "1000")
    assert (listed["id"], listed["input_tokens"], listed["output_tokens"]) == (sid, want.input_tokens, want.output_tokens)
    assert listed["cost"] == pytest.approx(want.cost, rel=1e-9)
    costs = cli_json(db, "costs")["total"]
    assert (costs["cache_read_tokens"], costs["cache_write_tokens"]) == (want.cache_read, want.cache_write)
    assert len([t for t in cli_json(db, "traces", "list", "--session", sid) if t["name"].startswith("prompt: ")]) == 2
