"""An agent killed in the middle of a span: its open spans stop ticking.

``agenttrace-tui run`` marks a session ended when its command exits. A span
the agent had open then will never get its end (the process is gone), so
the live UI shows it "unfinished" as of the session's end, not "running"
with a duration that grows for as long as the monitor runs; the session reads
"interrupted", and so do the history commands; an error span says the process
was killed by signal 9. Driven for real: ``run``'s
own ``start_command`` starts a child that reports with our SDK over UDP on
127.0.0.1 and kills itself (SIGKILL) inside a span; the real app under
Pilot, the monitor's SQLite file read back by the CLI.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from agenttrace_tui.commands.run import new_session_id, start_command
from agenttrace_tui.config import Config
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.ui.app import make_app

KILLED_AGENT = textwrap.dedent('''
    import os, signal, time
    from agenttrace_tui.sdk import Tracer

    tracer = Tracer(session_name=None, set_global=False)
    root = tracer.span("agent run", kind="agent").start()
    with tracer.span("plan", kind="llm_call", parent=root) as span:
        span.set_llm(model="gpt-4o-mini", provider="openai")
        span.set_tokens(input=100, output=20)
    tracer.span("long call", kind="llm_call", parent=root).start().set_llm(model="gpt-4o-mini", provider="openai")
    tracer.flush(5)
    os.kill(os.getpid(), signal.SIGKILL)
''')


async def test_spans_open_when_the_agent_was_killed_read_unfinished_and_stop_ticking(tmp_path: Path) -> None:
    script = tmp_path / "killed_agent.py"
    script.write_text(KILLED_AGENT)
    db = tmp_path / "m.db"
    monitor = Monitor(Config(udp_port=0, tcp_port=None, socket="", otlp_port=0, otlp_grpc_port=None, db=str(db)))
    await monitor.start()
    sid = new_session_id("killed")
    handle = await start_command(monitor, [sys.executable, str(script)], "killed", sid, log_path=tmp_path / "agent.log")
    codes: list[int] = []
    waiter = asyncio.create_task(handle.wait(codes.append))
    clock = [0]
    app = make_app(monitor, now_ns=lambda: clock[0])
    app.follow = True
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            async def until(cond, timeout: float = 30.0) -> bool:
                deadline = asyncio.get_running_loop().time() + timeout
                while not cond() and asyncio.get_running_loop().time() < deadline:
                    clock[0] = time.time_ns()
                    await pilot.pause(0.05)
                return bool(cond())

            store = monitor.store
            assert await until(lambda: codes == [137])
            entry = store.sessions[sid]
            # The agent's three spans, and the one saying how its process ended (run's end_records).
            assert await until(lambda: entry.totals.spans == 4 and len(app.traces.keys) == 2)
            ended = entry.session.ended_ns
            assert ended is not None and entry.status() == "interrupted"
            (tid,) = [k for k in app.traces.keys if any(s.name == "long call" for s in store.trace(k).spans.values())]
            (exit_tid,) = [k for k in app.traces.keys if k != tid]
            exit_row = " ".join(c.plain for c in app.traces.row_cells(exit_tid))
            assert exit_row.startswith("✗") and "killed killed by signal 9" in exit_row, exit_row
            trace = store.trace(tid)
            assert trace is not None and trace.status() == "unfinished" and trace.cut_ns == ended
            # Time goes on; what is shown of the open spans does not.
            clock[0] = ended + 3_600 * 10**9
            assert trace.duration_ns(clock[0]) == ended - trace.start_ns
            session_row = " ".join(c.plain for c in app.sessions.row_cells(sid))
            trace_row = " ".join(c.plain for c in app.traces.row_cells(tid))
            assert session_row.startswith("⊗") and trace_row.startswith("◌"), (session_row, trace_row)
            assert "1h" not in trace_row
            long_call = next(s.span_id for s in trace.spans.values() if s.name == "long call")
            app.span_tree.focus()
            app.span_tree.select_span(long_call)
            assert await until(lambda: "when its session ended" in app.detail.plain(), 10)
            detail = app.detail.plain()
            assert "◌ unfinished" in detail and "and counting" not in detail and "not known: no end came" in detail
            tree = app.span_tree.render_line(0).text + "\n" + "\n".join(
                app.span_tree.render_line(y).text for y in range(1, 5))
            assert "long call" in tree and "…" not in tree.split("long call", 1)[1].splitlines()[0], tree
            await pilot.press("q")
    finally:
        await waiter
        await monitor.stop()

    env = {**os.environ, "AGENTTRACE_DB": str(db)}
    listed = subprocess.run([sys.executable, "-m", "agenttrace_tui", "sessions", "list", "--json"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    (row,) = [r for r in (rows if isinstance(rows, list) else rows["sessions"]) if r["id"] == sid]
    assert row["status"] == "interrupted"
    shown = subprocess.run([sys.executable, "-m", "agenttrace_tui", "traces", "show", tid],
                           capture_output=True, text=True, env=env, timeout=60)
    assert shown.returncode == 0, shown.stderr
    line = next(ln for ln in shown.stdout.splitlines() if "long call" in ln)
    assert "Unfinished: no end recorded" in line and "Running" not in line
    # The trace's total is not known ("+?"), in the tree's head line as in the list of traces.
    head = shown.stdout.splitlines()[0]
    assert "+?," in head and "Unfinished: no end recorded" in head, head
    traces = subprocess.run([sys.executable, "-m", "agenttrace_tui", "traces", "list", "--session", sid, "--wide"],
                            capture_output=True, text=True, env=env, timeout=60)
    listed_row = next(ln for ln in traces.stdout.splitlines() if ln.startswith(tid))
    assert "+? " in listed_row, listed_row
    as_json = subprocess.run([sys.executable, "-m", "agenttrace_tui", "traces", "list", "--session", sid, "--json"],
                             capture_output=True, text=True, env=env, timeout=60)
    (listed,) = [t for t in json.loads(as_json.stdout) if t["trace_id"] == tid]
    # Not known while a span is open, as the table's "+?" says: null, never a length of 0.
    assert (listed["duration_ns"], listed["end_ns"]) == (None, None) and listed["running"] == 2, listed  # (root, call)
    queried = subprocess.run([sys.executable, "-m", "agenttrace_tui", "spans", "query", "--session", sid, "--wide"],
                             capture_output=True, text=True, env=env, timeout=60)
    assert queried.returncode == 0, queried.stderr
    row = next(ln for ln in queried.stdout.splitlines() if "long call" in ln)
    assert " unfinished " in row and " running " not in row, row
    for argv in (["spans", "query", "--session", sid, "--json"], ["traces", "show", tid, "--json"]):
        got = subprocess.run([sys.executable, "-m", "agenttrace_tui", *argv], capture_output=True, text=True,
                             env=env, timeout=60)
        assert got.returncode == 0, got.stderr
        doc = json.loads(got.stdout)
        (open_span,) = [sp for sp in (doc if isinstance(doc, list) else doc["spans"]) if sp["name"] == "long call"]
        assert open_span["state"] == "unfinished" and open_span.get("end_ns") is None, argv

    # Replayed from the file: the play runs on to the session's end, and there the tree,
    # the trace list and the detail read the same duration, the one the live view stopped at.
    from agenttrace_tui.format.numbers import fmt_duration
    from agenttrace_tui.ui.replay import make_replay_app

    replay = make_replay_app(str(db), sid, speed=10.0)
    async with replay.run_test(size=(160, 40)) as pilot:
        for _ in range(200):
            if replay.player is not None and replay.player.finished:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.3)
        assert replay.player is not None and replay.player.finished
        replayed = replay.store.trace(tid)
        assert replayed is not None and replayed.status() == "unfinished"
        replayed_row = " ".join(c.plain for c in replay.traces.row_cells(tid))
        assert fmt_duration(ended - trace.start_ns) in replayed_row
        # The open call's cost as the file has it (unknown, and why), as the commands read it: not $0.
        call = replayed.spans[long_call]
        assert call.cost is not None and call.cost.total is None and call.cost.reason == "no end came before the monitor stopped"
        assert "+$?" in replayed_row and "+$?" in listed_row, (replayed_row, listed_row)
        want = fmt_duration(ended - trace.spans[long_call].start_ns)  # the open span's own, as live
        rows = [replay.span_tree.render_line(y).text for y in range(1, 6)]
        (row,) = [r for r in rows if "long call" in r]
        assert row.startswith("◌") and f" {want} " in row, (want, row)


def test_a_session_reporting_again_after_its_end_is_running_not_interrupted() -> None:
    """Something still reporting under the session's id after its end (a child the agent left
    behind): the session is alive, so nothing is cut; a span_end that still comes ends it."""
    from agenttrace_tui.ingest.pipeline import Pipeline
    from agenttrace_tui.model import Session, Span
    from agenttrace_tui.store.memory import Store

    s = 1_000_000_000
    t0 = time.time_ns() - 100 * s
    store = Store()
    pipe = Pipeline(store)
    pipe.apply([Session(id="s1", started_ns=t0), Span(span_id="a", trace_id="t1", session_id="s1", name="open", start_ns=t0)])
    pipe.apply([Session(id="s1", ended_ns=t0 + 5 * s)])
    entry, t1 = store.sessions["s1"], store.trace("t1")
    assert t1 is not None and entry.status() == "interrupted" and t1.status() == "unfinished" and t1.cut_ns == t0 + 5 * s
    # Nothing that can still end is open: the app's clock need not tick for it.
    assert store.totals.running == 1 and store.running_live() == 0
    pipe.apply([Span(span_id="b", trace_id="t2", session_id="s1", name="late", start_ns=t0 + 9 * s)])
    t2 = store.trace("t2")
    assert t2 is not None and entry.status() == "running" and t1.cut_ns is None and t2.status() == "running"
    assert store.running_live() == 2
    pipe.apply([Span(span_id="a", trace_id="t1", session_id="s1", name="", start_ns=0, end_ns=t0 + 10 * s),
                Span(span_id="b", trace_id="t2", session_id="s1", name="", start_ns=0, end_ns=t0 + 10 * s)])
    assert t1.status() == "ok" and entry.status() == "done" and store.running_live() == 0


async def test_follow_goes_to_the_session_still_running_not_to_one_whose_agent_was_killed() -> None:
    from agenttrace_tui.ingest.pipeline import Pipeline
    from agenttrace_tui.model import Session, Span
    from agenttrace_tui.store.memory import Store

    s = 1_000_000_000
    t0 = time.time_ns() - 100 * s
    store = Store()
    Pipeline(store).apply([
        Session(id="alive", name="alive", started_ns=t0),
        Span(span_id="a", trace_id="ta", session_id="alive", name="working", start_ns=t0),
        Session(id="killed", name="killed", started_ns=t0 + 10 * s),
        Span(span_id="k", trace_id="tk", session_id="killed", name="was working", start_ns=t0 + 10 * s),
        Session(id="killed", ended_ns=t0 + 20 * s),
    ])
    app = make_app(store=store)
    app.follow = True
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(100):
            if app.selected_session_id is not None:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.3)
        assert app.selected_session_id == "alive"


async def test_traces_show_reads_running_while_the_session_runs(tmp_path: Path, capsys) -> None:
    # The counterpart of the killed agent's "Unfinished": a span whose session still runs
    # (no end, no monitor's mark, a span open) reads "Running" in `traces show`.
    from agenttrace_tui import cli
    from agenttrace_tui.model import Span, SpanKind
    from agenttrace_tui.store.memory import Store
    from agenttrace_tui.store.sqlite import Writer

    db = tmp_path / "live.db"
    store = Store()
    writer = Writer(store, db, interval_s=3600)
    await writer.start()
    now = time.time_ns()
    store.apply([
        Span(span_id="root", trace_id="t-open", session_id="s-open", name="agent run", kind=SpanKind.AGENT,
             start_ns=now - 2_000_000_000),
        Span(span_id="c1", trace_id="t-open", session_id="s-open", parent_span_id="root", name="thinking",
             kind=SpanKind.LLM_CALL, start_ns=now - 1_000_000_000),
    ])
    await writer.close()
    capsys.readouterr()
    assert cli.main(["traces", "show", "t-open", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if "thinking" in ln)
    assert "Running" in line and "Unfinished" not in line, out
    # The root is the head line: its total is not known yet ("+?", as traces list and compare say)
    # and it says the root runs (it said nothing of it).
    head = out.splitlines()[0]
    assert "Total: 1.00s+?" in head and "Running" in head and "Unfinished" not in head, head
    assert cli.main(["traces", "show", "t-open", "--db", str(db), "--json"]) == 0
    states = {sp["name"]: sp["state"] for sp in json.loads(capsys.readouterr().out)["spans"]}
    assert states == {"agent run": "running", "thinking": "running"}
