"""Benchmark: what a heavy user hits -- 1M spans in memory, a 10M-span file replayed.

Run: PYTHONPATH=src python bench/bench_scale.py [--quick] [--no-save] [--runs N] [--fresh] [--clean]

1. ``--max-spans 1000000``: the real Store + Pipeline of the monitor (its
   enrichers included) fed through ``Pipeline.feed`` with realistic agent
   traffic (bench_store's ``wire_records``: 20-span traces with LLM calls,
   tools, retrieval, file reads; 10 % sent as span_start + span_end) until
   950k spans, plus one 50k-span agent trace (bench_ui_tree's shape: task ->
   agents -> iterations -> LLM/tool calls). Each in a fresh child process:

   * RSS and bytes per span; baseline in the same run: the same traffic in a
     store at the default budget (200k spans), also in a fresh process;
   * the real app (headless, 120x36, Textual's test driver) on that store:
     first frame; opening the 50k-span trace from its session (tree, rows,
     first frame; its critical path follows a frame later) and the same for
     a 20-span trace (baseline); filtering that tree with the ``/`` queries
     below; and the tree code alone (``TreeBuilder.build``, ``flatten``,
     ``analyze``), CPU time;
   * a filter over all 1M spans (``analysis.filter``: kind:llm_call,
     model:gpt-4o*, status:error, free text), baseline: the same test
     written by hand as a plain loop (free text: the bare loop).

2. ``replay`` of a 10M-span SQLite file (one 5M-span session, the rest in
   1,000-span sessions, as bench_replay_ui lays out its 1M file) to the
   first frame, and the session picker listing it; baselines in the same
   run: the same replay of a 100k-span file built the same way, and the live
   app on an empty store. The file is written with the store's row encoder
   (``span_row`` + ``UPSERT_SPAN``) by executemany in large transactions, the
   secondary indexes dropped during the load and rebuilt from the schema's
   DDL, then ``rebuild_summaries``. Its build dominates the run, so it is
   kept under /tmp/agenttrace-bench-scale between runs, keyed by a hash of
   the generator, the schema, the row encoder and the model (``--fresh``
   rebuilds it, ``--clean`` deletes it at the end); free disk is checked
   first.

``--quick``: 100k spans in memory (10k-span trace; baseline 50k), a 500k-span
file (baseline 50k), 2 runs: a smoke run, not saved. Writes
docs/bench/results/scale.json (then ``python bench/report.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import inspect
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from agenttrace_tui.model import (
    Cost,
    FileInfo,
    LlmInfo,
    RagInfo,
    Session,
    Span,
    SpanKind,
    Status,
    TokenUsage,
    ToolInfo,
)
from agenttrace_tui.store.batch import UPSERT_SESSION_META, UPSERT_SPAN, session_row, span_row
from agenttrace_tui.store.schema import ddl_statements, ensure_schema
from agenttrace_tui.store.sqlite import rebuild_summaries
from machine import describe as machine
from results import row, save

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "agenttrace_tui"
S = 1_000_000_000
SIZE = (120, 36)
CACHE = Path("/tmp/agenttrace-bench-scale")
BIG_SESSION = "big-session"
#: The span tree filters timed, and their hand-written equivalents (baselines).
FILTERS = ("kind:llm_call", "model:gpt-4o*", "status:error", "summarise")


# -- 1. the in-memory store at 1M spans (child process) -------------------------------
def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _cpu(fn, runs: int) -> tuple[float, object]:
    """Median thread CPU seconds of ``fn()`` over ``runs`` calls, and its last result."""
    out = None
    ts = []
    for _ in range(runs):
        t = time.thread_time()
        out = fn()
        ts.append(time.thread_time() - t)
    return statistics.median(ts), out


def fill(n_spans: int, big: int):
    """The monitor's Store + Pipeline (``--max-spans n_spans``) fed ``n_spans - big``
    realistic wire spans, then (``big`` > 0) one ``big``-span agent trace.
    Returns the monitor and the measurements of the fill."""
    from agenttrace_tui.config import Config
    from agenttrace_tui.runtime.monitor import Monitor
    from bench_store import payloads, wire_records

    monitor = Monitor(Config(max_spans=n_spans, persist=False))
    store, pipe = monitor.store, monitor.pipeline
    # Warm-up in its own session: pricing tables and the decoders load on
    # the first spans; that is a fixed cost, not a per-span one.
    warm = [dict(r, session_id="warm-up") if "session_id" in r else r for r in wire_records(200, seed=1, sessions=1)]
    for p in payloads(warm):
        pipe.feed(p, "udp")
    _ = store.totals
    gc.collect()
    rss0, warm_spans = _rss(), store.span_count
    target = n_spans - big
    chunk = 10_000
    feed_cpu = 0.0
    k = 0
    while store.span_count < target:
        want = min(chunk, target - store.span_count)
        # New random trace and span ids per chunk.
        chunks = payloads(wire_records(want, seed=1000 + k), per=100)
        k += 1
        t = time.thread_time()
        for p in chunks:
            pipe.feed(p, "udp")
        _ = store.totals  # the UI's tick reads them: the lazy fold happens here
        feed_cpu += time.thread_time() - t
    gc.collect()
    fed = store.span_count - warm_spans
    rss1 = _rss()
    out = {"spans": store.span_count, "fed": fed, "rss0": rss0, "rss1": rss1,
           "bytes_per_span": (rss1 - rss0) / fed, "feed_us_per_span": feed_cpu / fed * 1e6,
           "traces": len(store.traces), "sessions": len(store.sessions)}
    if big:
        from bench_ui_tree import agent_trace

        spans = agent_trace("big-trace", big, 1_700_000_000 * S - 86_400 * S, random.Random(5))
        for s in spans:
            s.session_id = BIG_SESSION
        pipe.apply([Session(id=BIG_SESSION, name="long-running coding agent", framework="langgraph",
                            started_ns=spans[0].start_ns)])
        for i in range(0, len(spans), 1000):  # as a replay or an import hands them over
            pipe.apply(list(spans[i : i + 1000]))
        _ = store.totals
        out["big_trace"] = "big-trace"
    out["evicted"] = store.evicted_spans
    out["final_spans"] = store.span_count
    return monitor, out


def all_spans(store):
    for t in store.traces.values():
        yield from t.spans.values()


def filter_times(store, runs: int) -> list[dict]:
    """Each query of ``FILTERS`` over every span in the store; baseline: the hand-written test."""
    from agenttrace_tui.analysis.filter import parse_filter

    llm, errs = SpanKind.LLM_CALL, (Status.ERROR, Status.TIMEOUT)
    hand = {
        "kind:llm_call": lambda s: s.kind is llm,
        "model:gpt-4o*": lambda s: s.llm is not None and s.llm.model is not None and s.llm.model.lower().startswith("gpt-4o"),
        "status:error": lambda s: s.status in errs,
        "summarise": lambda s: True,  # free text has no cheap equivalent: the bare loop
    }
    now = time.time_ns()
    out = []
    for q in FILTERS:
        flt = parse_filter(q)

        def ours(flt=flt) -> int:
            m = flt.matches
            return sum(1 for s in all_spans(store) if m(s, now))

        def base(pred=hand[q]) -> int:
            return sum(1 for s in all_spans(store) if pred(s))

        first = None
        if q == FILTERS[-1]:
            # Free text builds each span's haystack on first use (the filter keeps it).
            t = time.thread_time()
            ours()
            first = time.thread_time() - t
        cpu, n = _cpu(ours, runs)
        bcpu, bn = _cpu(base, runs)
        if q != FILTERS[-1]:
            assert n == bn, (q, n, bn)
        out.append({"query": q, "s": cpu, "first_s": first, "base_s": bcpu, "matches": n})
    return out


def tree_code_times(store, trace_id: str, runs: int) -> dict:
    """The span tree's code on one trace, no Textual: build, flatten, critical path, filter."""
    from agenttrace_tui.analysis.critical_path import analyze
    from agenttrace_tui.analysis.filter import parse_filter
    from agenttrace_tui.analysis.rows import flatten
    from agenttrace_tui.analysis.tree import TreeBuilder
    from agenttrace_tui.ui.span_tree_state import FilterMatches

    trace = store.traces[trace_id]
    now = time.time_ns()
    build, tree = _cpu(lambda: TreeBuilder().build(trace), runs)
    flat, rows = _cpu(lambda: flatten(tree, set(), None), runs)
    crit, _ = _cpu(lambda: analyze(tree, now), runs)

    def filtered() -> int:
        m = FilterMatches()
        m.filter = parse_filter("kind:llm")
        m.compute(tree, (), now)
        return len(flatten(tree, set(), m.visible))

    filt, n_rows = _cpu(filtered, runs)
    return {"spans": len(tree), "build_s": build, "flatten_s": flat, "analyze_s": crit, "filter_s": filt,
            "rows": len(rows), "filtered_rows": n_rows}


_frames: list[float] = []


def _spy_on(app) -> None:
    """Note the time of every frame the app writes (after the compositor rendered it)."""
    original = app._display

    def spy(screen, renderable):
        original(screen, renderable)
        _frames.append(time.perf_counter())

    app._display = spy  # type: ignore[method-assign]


async def _next_frame(pilot, t0: float, cond=lambda: True, limit: float = 120.0) -> float:
    """Seconds from ``t0`` to the first frame drawn from now on while ``cond()`` holds."""
    n = len(_frames)
    while True:
        await pilot.pause(0.001)
        if len(_frames) > n and cond():
            return _frames[n] - t0
        n = len(_frames)
        if time.perf_counter() - t0 > limit:
            raise RuntimeError("no frame")


async def empty_app_times(runs: int) -> list[float]:
    """Baseline: the app on an empty store to its first frame (after one untimed start)."""
    from agenttrace_tui.store.memory import Store
    from agenttrace_tui.ui.app import make_app

    out = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        app = make_app(store=Store())
        _spy_on(app)
        async with app.run_test(size=SIZE) as pilot:
            dt = await _next_frame(pilot, t0, lambda app=app: app.sessions.is_attached)
        if i:
            out.append(dt)
    return out


async def app_times(store, big: str, runs: int) -> dict:
    """The real app on the store: first frame, opening the big trace and a small one, filtering."""
    from agenttrace_tui.ui.app import make_app

    frames = _frames
    spy_on, next_frame = _spy_on, _next_frame

    big_session = store.traces[big].session_id
    small = next(t for t in reversed(store.traces.values()) if len(t.spans) == 20 and t.session_id != big_session)
    out: dict = {"first_frame": [], "open_big": [], "open_small": [], "filters": {}, "clear_filter": []}
    for _ in range(runs):
        frames.clear()
        t0 = time.perf_counter()
        app = make_app(store=store)
        spy_on(app)
        async with app.run_test(size=SIZE) as pilot:
            out["first_frame"].append(await next_frame(pilot, t0, lambda app=app: app.span_tree.row_count > 0))
            for label, sid, tid in (("open_big", big_session, big), ("open_small", small.session_id, small.trace_id)):
                await pilot.pause(0.05)
                t0 = time.perf_counter()
                app.jump_to_session(sid)
                app.jump_to_trace(tid)
                out[label].append(await next_frame(pilot, t0, lambda tid=tid, app=app: app.span_tree.trace_id == tid))
            app.jump_to_session(big_session)
            app.jump_to_trace(big)
            await pilot.pause(0.3)  # its critical path, deferred past the first frame
            for q in FILTERS:
                await pilot.pause(0.05)
                t0 = time.perf_counter()
                res = app.span_tree.set_filter(q)
                out["filters"].setdefault(q, []).append(await next_frame(pilot, t0))
                out.setdefault("filter_matches", {})[q] = res.matches
                t0 = time.perf_counter()
                app.span_tree.set_filter("")
                out["clear_filter"].append(await next_frame(pilot, t0))
            out["rows_big"] = app.span_tree.row_count
        frames.clear()
    return out


def startup_parts(store) -> dict:
    """What the app's first frame on a full store waits for (measured after the app runs):
    the GC policy's start-up collection, and the cost pane's first per-tool rollup over
    every trace (``Store.tool_costs``; cached per trace version, so cold = nothing cached)."""
    t = time.perf_counter()
    gc.collect()
    collect = time.perf_counter() - t
    for trace in store.traces.values():
        trace.tool_cache = None  # as before the first read
    store._tool_rollups.clear()
    cold, _ = _cpu(lambda: store.tool_costs(None), 1)
    warm, _ = _cpu(lambda: store.tool_costs(None), 3)
    return {"gc_collect_s": collect, "tools_cold_s": cold, "tools_warm_s": warm}


def memory_child(n_spans: int, big: int, runs: int) -> dict:
    # The baseline first, before this process holds any spans.
    empty = asyncio.run(empty_app_times(runs)) if big else []
    gc.collect()
    t = time.perf_counter()
    monitor, out = fill(n_spans, big)
    out["fill_s"] = time.perf_counter() - t
    if big:
        store = monitor.store
        out["filters"] = filter_times(store, runs)
        out["tree"] = tree_code_times(store, out["big_trace"], runs)
        out["app"] = asyncio.run(app_times(store, out["big_trace"], runs))
        out["app"]["empty_first_frame"] = empty
        out["startup_parts"] = startup_parts(store)
    out["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return out


def run_child(n_spans: int, big: int, runs: int) -> dict:
    t = time.perf_counter()
    res = subprocess.run([sys.executable, __file__, "--memory-child", str(n_spans), str(big), str(runs)],
                         capture_output=True, text=True, env={**os.environ})
    if res.returncode:
        sys.stderr.write(res.stderr)
        raise RuntimeError(f"memory child ({n_spans} spans) failed")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["wall_s"] = time.perf_counter() - t
    return out


# -- 2. a 10M-span file --------------------------------------------------------------
_LLM = [LlmInfo(provider=p, model=m, stop_reason="end_turn") for p, m in
        (("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("anthropic", "claude-sonnet-4"))]
_COST = Cost(total=0.0042, input=0.003, output=0.0012)
_TOOLS = [ToolInfo(name=n, action=a, status="ok") for n, a in (("read_file", "read"), ("grep", "search"), ("bash", "run"))]
_RAG = RagInfo(query="why did the build fail", sources_found=5, top_score=0.87)


def gen_spans(session: str, n: int, t0: int, trace_size: int = 40):
    """``n`` spans of one session: agent traces of ``trace_size`` spans, one a second
    (an orchestrator root; LLM calls with usage and cost, tools, retrieval, file
    reads under it). Trace ids sort in write order, so the unique index only appends."""
    for i in range(n):
        t, j = divmod(i, trace_size)
        trace = f"{session}-{t:08d}"
        start = t0 + t * S + j * 20_000_000
        if j == 0:
            yield Span(span_id="r", trace_id=trace, session_id=session, name="orchestrator", kind=SpanKind.AGENT,
                       start_ns=start, end_ns=start + 900_000_000, attributes={"tenant": "acme"})
            continue
        end = start + 5_000_000 + j * 100_000
        k = j % 5
        if k in (1, 3):
            yield Span(span_id=f"s{j}", trace_id=trace, session_id=session, parent_span_id="r", name="chat",
                       kind=SpanKind.LLM_CALL, start_ns=start, end_ns=end, llm=_LLM[(t + j) % 3],
                       usage=TokenUsage(input=1000 + j, output=100 + t % 200, total=1100 + j + t % 200), cost=_COST)
        elif k == 2:
            failed = (t + j) % 97 == 0
            yield Span(span_id=f"s{j}", trace_id=trace, session_id=session, parent_span_id="r", name="tool",
                       kind=SpanKind.TOOL_EXECUTION, start_ns=start, end_ns=end, tool=_TOOLS[j % 3],
                       status=Status.ERROR if failed else Status.OK, status_message="exit 1" if failed else None)
        elif k == 4:
            yield Span(span_id=f"s{j}", trace_id=trace, session_id=session, parent_span_id="r", name="vector search",
                       kind=SpanKind.RETRIEVAL, start_ns=start, end_ns=end, rag=_RAG)
        else:
            yield Span(span_id=f"s{j}", trace_id=trace, session_id=session, parent_span_id="r", name="read file",
                       kind=SpanKind.FILE_READ, start_ns=start, end_ns=end,
                       file=FileInfo(path=f"/repo/docs/page_{j}.md", operation="read", bytes=4096))


def layout(total: int) -> list[tuple[str, int, int]]:
    """(session, spans, first start): half the spans in one session, the rest in 1,000-span sessions."""
    t0 = 1_700_000_000 * S
    big = total // 2
    out = [(BIG_SESSION, big, t0)]
    for k in range((total - big) // 1000):
        out.append((f"session-{k:05d}", 1000, t0 + (k + 1) * 60 * S))
    return out


def build_file(path: Path, total: int) -> dict:
    """``total`` spans in a fresh file; returns seconds per phase."""
    t = time.perf_counter()
    ensure_schema(path)
    conn = sqlite3.connect(path, isolation_level=None)
    # A throwaway file: no journal while loading (WAL again at the end, as the monitor leaves it).
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-200000")
    indexes = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'spans' AND sql IS NOT NULL")]
    for name in indexes:
        conn.execute(f"DROP INDEX {name}")
    sessions = layout(total)
    conn.execute("BEGIN")
    conn.executemany(UPSERT_SESSION_META, [
        session_row(Session(id=sid, name=f"agent run {sid}", framework="langgraph", service="agent-svc", started_ns=t0))
        for sid, _, t0 in sessions])
    rows: list[tuple] = []
    written = 0
    for sid, n, t0 in sessions:
        for span in gen_spans(sid, n, t0):
            rows.append(span_row(span))
            if len(rows) >= 50_000:
                conn.executemany(UPSERT_SPAN, rows)
                written += len(rows)
                rows.clear()
                if written % 1_000_000 == 0:
                    conn.execute("COMMIT")
                    conn.execute("BEGIN")
                    print(f"    {written:,} spans written ({time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
    if rows:
        conn.executemany(UPSERT_SPAN, rows)
    conn.execute("COMMIT")
    t_load = time.perf_counter() - t
    for stmt in ddl_statements():
        if stmt.startswith("CREATE INDEX") and " ON spans " in stmt:
            conn.execute(stmt)
    t_index = time.perf_counter() - t - t_load
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    rebuild_summaries(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA optimize")  # what the monitor's writer runs when it closes the file
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    total_s = time.perf_counter() - t
    return {"load_s": t_load, "index_s": t_index, "summaries_s": total_s - t_load - t_index, "total_s": total_s}


def file_key(total: int) -> str:
    """What the file's content depends on: the generator, the schema, the row encoder, the model."""
    h = hashlib.sha256()
    h.update(inspect.getsource(gen_spans).encode())
    h.update(inspect.getsource(layout).encode())
    h.update(inspect.getsource(build_file).encode())
    for rel in ("store/schema.py", "store/batch.py", "store/maintenance.py", "model.py"):
        h.update((SRC / rel).read_bytes())
    return f"{total}-{h.hexdigest()[:12]}"


def get_file(total: int, fresh: bool) -> tuple[Path, dict | None]:
    """The cached file for ``total`` spans, built if missing (stale ones removed)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"spans-{file_key(total)}.db"
    for old in CACHE.glob(f"spans-{total}-*"):
        if fresh or not old.name.startswith(path.stem + "."):  # another key: stale (its .db, -wal, -shm, .json)
            old.unlink()
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path, None
    path.unlink(missing_ok=True)
    need = int(total * 450 * 1.5) + (1 << 30)  # ~350-450 B/span on disk, the index sorts, a margin
    free = shutil.disk_usage(CACHE).free
    if free < need:
        raise SystemExit(f"not enough disk under {CACHE}: {free / 1e9:.1f} GB free, {need / 1e9:.1f} GB needed")
    print(f"    building {total:,} spans at {path} ({free / 1e9:.0f} GB free)", file=sys.stderr, flush=True)
    build = build_file(path, total)
    build["mb"] = path.stat().st_size / 1e6
    meta.write_text(json.dumps(build))
    return path, build


def replay_times(files: dict[str, Path], runs: int) -> dict:
    """Interleaved runs: the empty live app, replay and picker on each file."""
    from agenttrace_tui.store.memory import Store
    from agenttrace_tui.ui.app import make_app
    from agenttrace_tui.ui.picker import SessionPicker
    from agenttrace_tui.ui.replay import ReplayApp
    from bench_replay_ui import time_to_frame  # here: the memory children never import Textual

    out: dict[str, list[float]] = {"empty": []}
    for _ in range(runs):
        out["empty"].append(time_to_frame(lambda: make_app(store=Store()), lambda a: a.sessions.is_attached, limit_s=60))
        for label, db in files.items():
            out.setdefault(f"replay_{label}", []).append(time_to_frame(
                lambda db=db: ReplayApp(db, BIG_SESSION),
                lambda a: a.span_tree.trace_id is not None and a.span_tree.row_count > 0, limit_s=60))
            out.setdefault(f"picker_{label}", []).append(time_to_frame(
                lambda db=db: ReplayApp(db, None),
                lambda a: isinstance(a.screen, SessionPicker) and a.screen.loaded, limit_s=60))
    return out


# -- report ------------------------------------------------------------------------
def med(xs) -> float:
    return statistics.median(xs)


def ms(x: float) -> str:
    return f"{x * 1000:,.0f} ms" if x >= 0.01 else f"{x * 1000:.1f} ms"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes, not saved")
    ap.add_argument("--no-save", action="store_true", help="print only (a smoke run, not for the record)")
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--fresh", action="store_true", help="rebuild the cached span file")
    ap.add_argument("--clean", action="store_true", help="delete the cached span files at the end")
    args = ap.parse_args()
    quick = args.quick
    runs = args.runs or (2 if quick else 3)
    n_mem, big, n_mem_base = (100_000, 10_000, 50_000) if quick else (1_000_000, 50_000, 200_000)
    n_file, n_file_base = (500_000, 50_000) if quick else (10_000_000, 100_000)
    t_start = time.perf_counter()
    lines: list[str] = []
    load_before = machine()

    print(f"[1] {n_mem:,} spans in memory (+ baseline {n_mem_base:,})", file=sys.stderr, flush=True)
    mem = run_child(n_mem, big, runs)
    base = run_child(n_mem_base, 0, runs)
    print(f"    {mem['bytes_per_span']:,.0f} B/span at {mem['fed']:,} (baseline {base['bytes_per_span']:,.0f} B/span "
          f"at {base['fed']:,}); child {mem['wall_s']:.0f} s", file=sys.stderr, flush=True)

    print(f"[2] replay of a {n_file:,}-span file (+ baseline {n_file_base:,})", file=sys.stderr, flush=True)
    t = time.perf_counter()
    path, build = get_file(n_file, args.fresh)
    path_base, _ = get_file(n_file_base, args.fresh)
    get_s = time.perf_counter() - t
    if build is None:
        build = json.loads(path.with_suffix(".json").read_text())
        build["cached"] = True
    size_mb = path.stat().st_size / 1e6
    big_label, small_label = f"{n_file / 1e6:g}M", f"{n_file_base / 1e6:g}M"
    rep = replay_times({big_label: path, small_label: path_base}, runs)
    print(f"    replay {big_label}: {ms(med(rep['replay_' + big_label]))}, {small_label}: {ms(med(rep['replay_' + small_label]))}, "
          f"empty app {ms(med(rep['empty']))}", file=sys.stderr, flush=True)
    disk_peak = sum(p.stat().st_size for p in CACHE.glob("spans-*.db*"))
    if args.clean:
        shutil.rmtree(CACHE, ignore_errors=True)
    total_s = time.perf_counter() - t_start

    # -- part 1 rows
    app = mem["app"]
    tree = mem["tree"]
    ff, ff_empty = med(app["first_frame"][1:] or app["first_frame"]), med(app["empty_first_frame"])
    parts = mem["startup_parts"]
    open_big, open_small = med(app["open_big"]), med(app["open_small"])
    lines += [
        "## Scale: 1M spans in memory, a 10M-span file replayed (`bench/bench_scale.py`)",
        "",
        f"Machine: {load_before}. Shared 2-core machine: compare the ratios to the baselines (same run), "
        "not absolute numbers. Medians of "
        f"{runs} runs; whole run {total_s / 60:.1f} min (span file {'from the cache' if build.get('cached') else 'built in this run'}).",
        "",
        f"### {n_mem:,} spans in memory (`--max-spans {n_mem}`)",
        "",
        f"The monitor's Store + Pipeline (its enrichers included) fed {mem['fed']:,} spans of realistic agent traffic "
        f"through `Pipeline.feed` ({mem['sessions']} sessions, 20-span traces: LLM calls with usage and previews, tools, "
        f"retrieval, file reads; 10 % as span_start + span_end), then one {big:,}-span agent trace "
        f"(task -> agents -> iterations -> LLM/tool calls) by `Pipeline.apply`: {mem['final_spans']:,} spans, "
        f"{mem['evicted']} evicted. Each store in a fresh process; the real app headless at 120x36.",
        "",
        "| measure | result | baseline (same run) | ratio |",
        "|---|---|---|---|",
        f"| RSS per stored span at {mem['fed']:,} spans | {mem['bytes_per_span']:,.0f} B "
        f"({(mem['rss1'] - mem['rss0']) / 1e9:.2f} GB for the spans) | {base['bytes_per_span']:,.0f} B at {base['fed']:,} spans "
        f"{' (the default budget)' if base['fed'] >= 190_000 else ''} | {mem['bytes_per_span'] / base['bytes_per_span']:.2f}x |",
        f"| ingest CPU per span while filling (`Pipeline.feed` + totals fold) | {mem['feed_us_per_span']:.1f} us | "
        f"{base['feed_us_per_span']:.1f} us at {base['fed']:,} spans | {mem['feed_us_per_span'] / base['feed_us_per_span']:.2f}x |",
        f"| the app started on a store already holding {mem['final_spans']:,} spans: first frame, first start | "
        f"{ms(app['first_frame'][0])} | empty store: {ms(ff_empty)} | {app['first_frame'][0] / ff_empty:.1f}x |",
        f"| the same, later starts (caches warm), median | {ms(ff)} | empty store: {ms(ff_empty)} | {ff / ff_empty:.1f}x |",
        f"| open the {big:,}-span trace in the app (tree + rows, to the frame) | {ms(open_big)} | a 20-span trace: {ms(open_small)} "
        f"| {open_big / open_small:.1f}x |",
    ]
    for q in FILTERS:
        lines.append(f"| filter the {big:,}-span tree `/{q}` ({app['filter_matches'][q]:,} matches), to the frame | "
                     f"{ms(med(app['filters'][q]))} | clearing the filter: {ms(med(app['clear_filter']))} | "
                     f"{med(app['filters'][q]) / med(app['clear_filter']):.1f}x |")
    for f in mem["filters"]:
        what = "the bare loop over the spans" if f["query"] == FILTERS[-1] else "the same test hand-written"
        first = f" (first use, building the text index: {ms(f['first_s'])})" if f["first_s"] is not None else ""
        lines.append(f"| `{f['query']}` over all {mem['final_spans']:,} spans (`analysis.filter`, CPU), {f['matches']:,} matches | "
                     f"{ms(f['s'])}{first} | {what}: {ms(f['base_s'])} | {f['s'] / f['base_s']:.1f}x |")
    lines += [
        "",
        f"The tree code alone on the {tree['spans']:,}-span trace (CPU, no Textual): `TreeBuilder.build` {ms(tree['build_s'])}, "
        f"`flatten` {ms(tree['flatten_s'])} ({tree['rows']:,} rows), critical path (`analyze`, drawn a frame after the tree) "
        f"{ms(tree['analyze_s'])}, filter `kind:llm` with its flatten {ms(tree['filter_s'])} ({tree['filtered_rows']:,} rows). "
        "",
        "Free text matches each span's haystack (its name, typed fields and attribute values, lower-cased), "
        "built on first use and kept by the filter for at most 500,000 spans: past that, every pass over the "
        "store builds them again. The span tree only ever filters the trace it shows.",
        "",
        f"Where the first frame on a full store goes: the cost pane's per-tool rollup (`Store.tool_costs`, all sessions) "
        f"attributes every trace once, {ms(parts['tools_cold_s'])} CPU with nothing cached ({ms(parts['tools_warm_s'])} once cached), "
        f"and the app's GC policy starts with a full `gc.collect()`, {ms(parts['gc_collect_s'])} over this heap. A live monitor "
        "starts on an empty store, so it pays the rollup per trace as traces arrive; a store filled before the UI "
        "(this benchmark, bench_ui_app's preload) or the cost pane shown again after new traces came pays it at once. "
        f"Filling the store took {mem['fill_s']:.0f} s; peak RSS of that process {mem['peak_rss'] / 1e9:.2f} GB "
        f"(baseline process {base['peak_rss'] / 1e9:.2f} GB).",
        "",
    ]
    # -- part 2 rows
    n_sessions = len(layout(n_file))
    r_big, r_small, empty = med(rep["replay_" + big_label]), med(rep["replay_" + small_label]), med(rep["empty"])
    p_big, p_small = med(rep["picker_" + big_label]), med(rep["picker_" + small_label])
    lines += [
        f"### Replay of a {n_file:,}-span file",
        "",
        f"{n_file:,} spans ({size_mb:,.0f} MB on disk): one {n_file // 2:,}-span session and {n_sessions - 1:,} sessions of "
        "1,000 spans, 40-span agent traces. Built with the store's row encoder (`span_row` + `UPSERT_SPAN`) by "
        f"executemany in large transactions, secondary indexes dropped and rebuilt: load {build['load_s']:.0f} s, "
        f"indexes {build['index_s']:.0f} s, `rebuild_summaries` {build['summaries_s']:.0f} s"
        f"{' (when it was built; cached since)' if build.get('cached') else ''}. The file is in the page cache "
        "(just built or read): a cold disk adds its reads. Timed from constructing `ReplayApp` to a rendered frame "
        "(a screenshot) showing the content.",
        "",
        "| measure | result | baseline (same run) | ratio |",
        "|---|---|---|---|",
        f"| `replay` of the {n_file // 2:,}-span session, {big_label}-span file, to the first frame | {ms(r_big)} | "
        f"the same on a {n_file_base:,}-span file: {ms(r_small)} | {r_big / r_small:.2f}x |",
        f"| `replay` without an id: the picker listing {min(n_sessions, 5000):,} of {n_sessions:,} sessions, to the first frame | "
        f"{ms(p_big)} | {n_file_base:,}-span file ({len(layout(n_file_base))} sessions): {ms(p_small)} | {p_big / p_small:.2f}x |",
        f"| the live app on an empty store, to its first frame | {ms(empty)} | - | - |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    print(f"whole run {total_s:.0f} s (span files {get_s:.0f} s); peak disk {disk_peak / 1e9:.1f} GB in {CACHE}; "
          f"peak RSS {mem['peak_rss'] / 1e9:.2f} GB (memory child)", file=sys.stderr)
    if quick or args.no_save:
        return 0
    summary = [
        row("RSS per span, 1M spans in memory", "<= 1.5 KB",
            f"{mem['bytes_per_span']:,.0f} B ({base['bytes_per_span']:,.0f} B at 200k)", mem["bytes_per_span"] <= 1536),
        row(f"open a {big // 1000}k-span trace in the app, 1M spans in memory", "<= 1 s", ms(open_big), open_big <= 1.0),
        row(f"replay of a {big_label}-span file to the first frame", "<= 2 s",
            f"{ms(r_big)} ({r_big / r_small:.2f}x a {small_label}-span file)", r_big <= 2.0),
    ]
    data = {"memory": mem, "memory_baseline": base, "replay": rep, "build": build, "file_mb": size_mb,
            "total_s": total_s, "disk_peak_bytes": disk_peak}
    out = save("scale", machine=load_before, section=text, summary=summary, data=data)
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "--memory-child":
        print(json.dumps(memory_child(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))
    else:
        raise SystemExit(main())
