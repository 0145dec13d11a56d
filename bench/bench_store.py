"""Benchmark: SQLite persistence, listing sessions from a 1M-span file, memory per span.

Run: PYTHONPATH=src python bench/bench_store.py [--quick]
Writes docs/bench/store.md. Three measurements (issue 2 targets):

1. Persistence spans/s while receiving: ``Store.apply`` of realistic spans
   as fast as the loop allows while the ``Writer`` flushes concurrently;
   the clock stops when the last span is committed (target >= 50k/s).
   Baseline in the same run: plain sqlite3 executemany of the same rows
   into the same schema (1,000-row transactions, no store, no summaries).
2. ``Reader.sessions(100)`` on a file with 1M spans in 2,000 sessions
   (target <= 5 ms, median of many calls). Baseline: the same listing
   computed by GROUP BY over the spans table, which the summary rows avoid.
3. Memory per stored span in the in-memory Store, fed through the real
   decode path (``Pipeline.feed``): tracemalloc and RSS, each in a fresh
   child process (target <= 1.5 KB), with a breakdown of what it holds.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import msgspec

from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.ingest.protocol import decode
from agenttrace_tui.model import (
    Cost,
    LlmInfo,
    Session,
    Span,
    SpanKind,
    Status,
    TokenUsage,
)
from agenttrace_tui.normalize.native import normalize
from agenttrace_tui.store.batch import (
    UPSERT_SESSION_META,
    UPSERT_SPAN,
    session_row,
    span_row,
)
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.schema import ddl_statements, ensure_schema
from agenttrace_tui.store.sqlite import Reader, Writer, rebuild_summaries
from machine import describe as machine
from results import row, save

ROOT = Path(__file__).resolve().parent.parent
QUICK = "--quick" in sys.argv

MODELS = [("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("anthropic", "claude-sonnet-4"), ("anthropic", "claude-haiku-4")]
TOOLS = [("read_file", "read"), ("grep", "search"), ("bash", "run"), ("write_file", "write")]


# -- realistic agent traffic --------------------------------------------------------
def ends_later(recs: list[dict], gap: int = 300) -> list[dict]:
    """``recs`` with each span_end moved ``gap`` records after where it was, so a live
    span's end arrives in a later read than its start, as from a running agent."""
    delayed: list[tuple[int, dict]] = []
    out: list[dict] = []
    for r in recs:
        if r["type"] == "span_end":
            delayed.append((len(out) + gap, r))
            continue
        while delayed and delayed[0][0] <= len(out):
            out.append(delayed.pop(0)[1])
        out.append(r)
    out.extend(r for _, r in delayed)
    return out


def wire_records(n_spans: int, seed: int = 7, sessions: int = 20, start_ratio: float = 0.1) -> list[dict]:
    """Wire records for ``n_spans`` spans: traces of 20 spans (agent root, LLM
    calls with usage and previews, tools, retrieval, file reads, a check),
    a few free attributes each; ``start_ratio`` of them sent as span_start +
    span_end (the upsert path), the rest as complete spans."""
    rnd = random.Random(seed)
    out: list[dict] = []
    t0 = 1_700_000_000_000_000_000
    n = 0
    trace_no = 0
    for s in range(sessions):
        out.append({"v": 1, "type": "session", "session_id": f"sess-{s:04d}", "name": f"research agent {s}",
                    "framework": "langgraph", "service": "agent-svc", "started_ns": t0})
    while n < n_spans:
        trace_no += 1
        tid = f"{rnd.getrandbits(128):032x}"
        sid = f"sess-{trace_no % sessions:04d}"
        base = t0 + trace_no * 50_000_000
        root = f"{rnd.getrandbits(64):016x}"
        for i in range(20):
            if n >= n_spans:
                break
            n += 1
            span_id = root if i == 0 else f"{rnd.getrandbits(64):016x}"
            start = base + i * 1_000_000
            end = start + rnd.randint(200_000, 3_000_000)
            rec: dict = {"v": 1, "type": "span", "trace_id": tid, "span_id": span_id, "session_id": sid,
                         "start_ns": start, "end_ns": end,
                         "attributes": {"tenant": "acme", "request.id": f"req-{n}", "attempt": 1}}
            if i:
                rec["parent_span_id"] = root
            if i == 0:
                rec.update(name="orchestrator", kind="agent", agent={"name": "orchestrator", "iteration": 1, "state": "running"})
            elif i % 5 in (1, 3):
                prov, model = MODELS[(n // 7) % len(MODELS)]
                rec.update(
                    name=f"chat {model}", kind="llm_call",
                    llm={"provider": prov, "model": model, "temperature": 0.2, "stop_reason": "end_turn",
                         "prompt_preview": "You are a careful research assistant. Summarise the findings about",
                         "response_preview": "The three sources agree that the main cause is"},
                    usage={"input": rnd.randint(500, 4000), "output": rnd.randint(50, 600), "cache_read": 300},
                    cost={"total": 0.0042, "input": 0.003, "output": 0.0012},
                )
            elif i % 5 == 2:
                tool, action = TOOLS[n % len(TOOLS)]
                rec.update(name=tool, kind="tool_execution",
                           tool={"name": tool, "action": action, "target": f"src/module_{n % 50}.py", "status": "ok",
                                 "input_preview": '{"path": "src/module.py"}', "output_preview": "def main():\n    ..."})
                if n % 17 == 0:
                    rec.update(status="error", status_message="tool failed: exit 1")
            elif i % 5 == 4:
                rec.update(name="vector search", kind="retrieval", rag={"query": "why did the build fail", "sources_found": 5, "top_score": 0.87})
            else:
                rec.update(name="read file", kind="file_read", file={"path": f"/repo/docs/page_{n % 40}.md", "operation": "read", "bytes": 4096})
            if rnd.random() < start_ratio:
                start_rec = dict(rec, type="span_start")
                del start_rec["end_ns"]
                out.append(start_rec)
                out.append({"v": 1, "type": "span_end", "trace_id": tid, "span_id": span_id, "end_ns": end,
                            "status": rec.get("status", "ok")})
            else:
                out.append(rec)
    return out


def payloads(records: list[dict], per: int = 100) -> list[bytes]:
    enc = msgspec.json.Encoder()
    return [enc.encode(records[i : i + per]) for i in range(0, len(records), per)]


def updates_from(chunks: list[bytes]) -> list[list]:
    out = []
    for p in chunks:
        recs, rej = decode(p, 10 * 1024 * 1024)
        assert not rej, rej[:1]
        ups, bad = normalize(recs)
        assert not bad, bad[:1]
        out.append(ups)
    return out


# -- 1. persistence while receiving ---------------------------------------------------
async def persist_once(chunks: list[bytes], path: Path) -> dict:
    batches = updates_from(chunks)  # fresh objects: the store mutates what it keeps
    n_spans = len({(u.trace_id, u.span_id) for b in batches for u in b if isinstance(u, Span)})
    store = Store(max_spans=max(200_000, n_spans + 1))
    writer = Writer(store, path)
    await writer.start()
    # CPU accounting: the loop thread (apply, and the writer's drain: cutting
    # chunks and taking trace summaries, which folds the store's changed spans
    # into its totals first) versus the process total (the rest is aiosqlite's
    # thread: encoding rows and running SQL). The fold is the store's work,
    # done lazily when totals are first read (here by the writer; with the UI
    # running, by whichever reads first), so it is counted apart.
    drain_cpu = [0.0]
    fold_cpu = [0.0]
    drain = writer._drain
    fold = store.flush_aggregates

    def timed_drain() -> bool:
        t = time.thread_time()
        try:
            return drain()
        finally:
            drain_cpu[0] += time.thread_time() - t

    def timed_fold() -> None:
        t = time.thread_time()
        try:
            fold()
        finally:
            fold_cpu[0] += time.thread_time() - t

    writer._drain = timed_drain  # type: ignore[method-assign]
    store.flush_aggregates = timed_fold  # type: ignore[method-assign]
    apply_cpu = 0.0
    loop0, proc0 = time.thread_time(), time.process_time()
    t0 = time.perf_counter()
    for b in batches:
        a = time.thread_time()
        store.apply(b)
        apply_cpu += time.thread_time() - a
        await asyncio.sleep(0)  # receivers yield to the loop between datagrams
    t_apply = time.perf_counter() - t0
    # How much the writer got done while spans were arriving (the rest is
    # written after the last one, by close()): overlap, or its absence.
    written_while_applying = writer.written_spans
    await writer.close()
    t_total = time.perf_counter() - t0
    loop_cpu, proc_cpu = time.thread_time() - loop0, time.process_time() - proc0
    conn = sqlite3.connect(path)
    on_disk = conn.execute("SELECT count(*) FROM spans").fetchone()[0]
    conn.close()
    assert on_disk == n_spans and writer.errors == 0, (on_disk, n_spans, writer.last_error)
    return {"spans": n_spans, "apply_s": t_apply, "total_s": t_total, "batches": writer.batches,
            "written": writer.written_spans, "written_while_applying": written_while_applying, "apply_cpu": apply_cpu, "encode_cpu": drain_cpu[0],
            "fold_cpu": fold_cpu[0], "sql_cpu": proc_cpu - loop_cpu, "loop_cpu": loop_cpu,
            # everything on the loop but Store.apply and the fold: the writer's share
            "writer_loop_cpu": loop_cpu - apply_cpu - fold_cpu[0]}


async def flush_only_once(chunks: list[bytes], path: Path) -> dict:
    """The writer alone: a store filled first, then one close() writes it all."""
    store = Store(max_spans=10_000_000)
    for b in updates_from(chunks):
        store.apply(b)
    writer = Writer(store, path)
    await writer.start()
    t0 = time.perf_counter()
    await writer.close()
    return {"spans": writer.written_spans, "total_s": time.perf_counter() - t0}


def cpu_pressure() -> str:
    """Share of time some runnable task waited for a CPU (Linux PSI), if known."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
        avg60 = dict(kv.split("=") for kv in line.split()[1:])["avg60"]
        return f"{float(avg60):.0f} %"
    except (OSError, KeyError, ValueError, IndexError):
        return "unknown"


def baseline_once(chunks: list[bytes], path: Path) -> dict:
    """The same final span rows, encoded and inserted with plain sqlite3."""
    spans: dict = {}
    for b in updates_from(chunks):
        for u in b:
            if isinstance(u, Span):
                spans[(u.trace_id, u.span_id)] = u  # (rows only: no merging, no store)
    ensure_schema(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    items = list(spans.values())
    t0 = time.perf_counter()
    c0 = time.thread_time()
    for i in range(0, len(items), 1000):
        rows = [span_row(s) for s in items[i : i + 1000]]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(UPSERT_SPAN, rows)
        conn.execute("COMMIT")
    t = time.perf_counter() - t0
    cpu = time.thread_time() - c0
    conn.close()
    return {"spans": len(items), "total_s": t, "cpu": cpu}


# -- 2. listing sessions from a 1M-span file ------------------------------------------
def build_big_file(path: Path, n_spans: int, n_sessions: int) -> float:
    """1M spans written with the writer's own row encoder and SQL, in big
    transactions, then indexes and summaries rebuilt in one pass each
    (quicker than 1,000 live batches; same schema, same rows)."""
    t0 = time.perf_counter()
    ensure_schema(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-200000")
    # Bulk load: secondary indexes are dropped and rebuilt afterwards from
    # the schema's own DDL (a sorted build beats a million random inserts).
    indexes = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'spans' AND sql IS NOT NULL")]
    for name in indexes:
        conn.execute(f"DROP INDEX {name}")
    base = 1_700_000_000_000_000_000
    per_session = n_spans // n_sessions
    per_trace = 25
    conn.execute("BEGIN")
    conn.executemany(
        UPSERT_SESSION_META,
        [session_row(Session(id=f"s{k:05d}", name=f"agent run {k}", framework=("langgraph", "crewai")[k % 2],
                              service="svc", started_ns=base + k * 60_000_000_000)) for k in range(n_sessions)],
    )
    rows = []
    for k in range(n_sessions):
        s0 = base + k * 60_000_000_000
        for j in range(per_session):
            tno = j // per_trace
            tid = f"{k:05d}{tno:04d}" + "0" * 23
            start = s0 + j * 10_000_000
            root = j % per_trace == 0
            llm = j % 3 == 1
            prov, model = MODELS[j % 4]
            span = Span(
                span_id=f"{j:016x}",
                trace_id=tid,
                session_id=f"s{k:05d}",
                parent_span_id=None if root else f"{tno * per_trace:016x}",
                name="orchestrator" if root else ("chat " + model if llm else "tool"),
                kind=SpanKind.AGENT if root else (SpanKind.LLM_CALL if llm else SpanKind.TOOL_EXECUTION),
                start_ns=start,
                end_ns=start + 5_000_000,
                status=Status.ERROR if j % 97 == 0 else Status.OK,
                llm=LlmInfo(provider=prov, model=model) if llm else None,
                usage=TokenUsage(input=1000, output=200, total=1200) if llm else None,
                cost=Cost(total=0.004) if llm else None,
                attributes={"tenant": "acme", "n": j},
            )
            rows.append(span_row(span))
            if len(rows) >= 50_000:
                conn.executemany(UPSERT_SPAN, rows)
                rows.clear()
    if rows:
        conn.executemany(UPSERT_SPAN, rows)
    conn.execute("COMMIT")
    for stmt in ddl_statements():
        if stmt.startswith("CREATE INDEX") and " ON spans " in stmt:
            conn.execute(stmt)
    conn.close()
    rebuild_summaries(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - t0


def time_calls(fn, n: int) -> tuple[float, float]:
    fn()  # warm
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return statistics.median(ts), ts[int(len(ts) * 0.9)]


GROUP_BY_LISTING = """
SELECT session_id, count(*), sum(status IN ('error','timeout')), sum(end_ns IS NULL), sum(input_tokens),
       sum(output_tokens), total(cost), min(start_ns), max(coalesce(end_ns, start_ns)) AS last
FROM spans GROUP BY session_id ORDER BY last DESC LIMIT 100
"""


# -- 3. memory per span (child process) -------------------------------------------------
def memory_child(n_spans: int, mode: str) -> dict:
    chunks = payloads(wire_records(n_spans, seed=11, start_ratio=0.1), per=100)
    gc.collect()
    if mode == "tracemalloc":
        tracemalloc.start()
    rss0 = _rss()
    store = Store(max_spans=n_spans + 1)
    pipe = Pipeline(store)
    base = tracemalloc.get_traced_memory()[0] if mode == "tracemalloc" else 0
    for p in chunks:
        pipe.feed(p, "udp")
    store.drain_dirty()  # the writer would have drained these by now
    gc.collect()
    out: dict = {"spans": store.span_count}
    if mode == "tracemalloc":
        out["bytes"] = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        out["breakdown"] = breakdown(store)
    else:
        out["bytes"] = _rss() - rss0
    return out


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def breakdown(store: Store) -> dict:
    """Approximate bytes by component (shared objects counted once)."""
    seen: set[int] = set()

    def size(obj) -> int:
        if id(obj) in seen:
            return 0
        seen.add(id(obj))
        return sys.getsizeof(obj)

    def deep(obj) -> int:
        if id(obj) in seen:
            return 0
        total = size(obj)
        if isinstance(obj, dict):
            for k, v in obj.items():
                total += deep(k) + deep(v)
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                total += deep(v)
        elif isinstance(obj, msgspec.Struct):
            for f in obj.__struct_fields__:
                total += deep(getattr(obj, f))
        return total

    comp = {"span structs": 0, "ids (span, trace, parent)": 0, "typed parts (llm, tool, usage, cost, ...)": 0,
            "free attributes": 0, "other strings and events": 0}
    for t in store.traces.values():
        for s in t.spans.values():
            comp["span structs"] += size(s)
            comp["ids (span, trace, parent)"] += deep(s.span_id) + deep(s.trace_id) + deep(s.parent_span_id)
            comp["typed parts (llm, tool, usage, cost, ...)"] += sum(
                deep(getattr(s, p)) for p in ("llm", "tool", "agent", "rag", "file", "usage", "cost"))
            comp["free attributes"] += deep(s.attributes)
            comp["other strings and events"] += deep(s.name) + deep(s.status_message) + deep(s.events) + deep(s.links)
    # What interning would save: equal strings held as separate objects.
    by_value: dict[str, int] = {}
    dup = {"parent ids": 0, "low-cardinality part fields": 0}
    low = (("llm", "provider"), ("llm", "stop_reason"), ("tool", "name"), ("tool", "action"), ("tool", "status"),
           ("file", "operation"), ("agent", "name"), ("agent", "state"))

    def count_dup(key: str, v: object) -> None:
        if isinstance(v, str):
            first = by_value.setdefault(v, id(v))
            if first != id(v):
                dup[key] += sys.getsizeof(v)

    for t in store.traces.values():
        for s in t.spans.values():
            by_value.setdefault(s.span_id, id(s.span_id))
        for s in t.spans.values():
            count_dup("parent ids", s.parent_span_id)
            for part, field in low:
                obj = getattr(s, part)
                if obj is not None:
                    count_dup("low-cardinality part fields", getattr(obj, field))
    comp["_savable"] = dup  # type: ignore[assignment]
    idx = 0
    for t in store.traces.values():
        idx += size(t) + size(t.spans) + size(t.children) + sum(size(v) for v in t.children.values())
        idx += size(t.totals) + size(t.totals.by) + sum(size(k) + size(b) for k, b in t.totals.by.items())
    comp["store indexes (trace dicts, children, totals)"] = idx
    return comp


def run_memory(n_spans: int) -> dict:
    res = {}
    for mode in ("tracemalloc", "rss"):
        out = subprocess.run([sys.executable, __file__, "--memory-child", mode, str(n_spans)],
                             capture_output=True, text=True, check=True, env={**os.environ})
        res[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    return res


# -- report ----------------------------------------------------------------------------------
def main() -> None:
    runs = 3
    n_persist = 20_000 if QUICK else 40_000
    n_big, n_sessions = (100_000, 200) if QUICK else (1_000_000, 2_000)
    n_mem = 50_000 if QUICK else 200_000
    tmp = Path(tempfile.mkdtemp(prefix="bench_store_"))
    lines: list[str] = []

    print(f"[1] persistence: {n_persist} spans x {runs} runs", flush=True)
    chunks = payloads(wire_records(n_persist), per=100)
    ours, base, alone = [], [], []
    pressure = cpu_pressure()
    for r in range(runs):
        res = asyncio.run(persist_once(chunks, tmp / f"persist{r}.db"))
        ours.append(res)
        b = baseline_once(chunks, tmp / f"base{r}.db")
        base.append(b)
        f = asyncio.run(flush_only_once(chunks, tmp / f"alone{r}.db"))
        alone.append(f)
        print(f"    run {r}: {res['spans'] / res['total_s']:,.0f} spans/s persisted while receiving "
              f"({res['batches']} batches), writer alone {f['spans'] / f['total_s']:,.0f}/s, "
              f"baseline {b['spans'] / b['total_s']:,.0f}/s", flush=True)
    alone_rate = statistics.median(f["spans"] / f["total_s"] for f in alone)
    rate = statistics.median(r["spans"] / r["total_s"] for r in ours)
    us = lambda key: statistics.median(r[key] / r["spans"] * 1e6 for r in ours)  # noqa: E731
    apply_us, fold_us, sql_us = us("apply_cpu"), us("fold_cpu"), us("sql_cpu")
    writer_loop_us = us("writer_loop_cpu")
    # The writer is a two-stage pipeline (cutting chunks on the loop, encoding
    # and SQL in its thread): alone it sustains the slower stage's rate.
    capacity = 1e6 / max(writer_loop_us, sql_us)
    base_us = statistics.median(b["cpu"] / b["spans"] * 1e6 for b in base)
    apply_rate = statistics.median(r["spans"] / r["apply_s"] for r in ours)
    base_rate = statistics.median(b["spans"] / b["total_s"] for b in base)
    avg_batch = statistics.median(r["written"] / r["batches"] for r in ours)

    print(f"[2] building {n_big:,} spans in {n_sessions} sessions", flush=True)
    big = tmp / "big.db"
    build_s = build_big_file(big, n_big, n_sessions)
    size_mb = big.stat().st_size / 1e6
    t0 = time.perf_counter()
    reader = Reader(big)
    first = reader.sessions(100)
    open_first_ms = (time.perf_counter() - t0) * 1000
    assert len(first) == 100 and first[0].spans == n_big // n_sessions
    med, p90 = time_calls(lambda: reader.sessions(100), 300)
    sid = first[0].session.id
    tr_med, _ = time_calls(lambda: reader.traces(sid, limit=100), 100)
    tid = reader.traces(sid, limit=1)[0].trace_id
    sp_med, _ = time_calls(lambda: reader.spans_of_trace(tid), 100)
    it_med, _ = time_calls(lambda: sum(1 for _ in itertools.islice(reader.iter_spans(sid), 1000)), 20)
    reader.close()
    conn = sqlite3.connect(big)
    gb_med, _ = time_calls(lambda: conn.execute(GROUP_BY_LISTING).fetchall(), 3)
    conn.close()
    print(f"    sessions(100): median {med * 1000:.2f} ms; group-by baseline {gb_med * 1000:.0f} ms", flush=True)

    print(f"[3] memory: {n_mem:,} spans", flush=True)
    mem = run_memory(n_mem)
    per_tm = mem["tracemalloc"]["bytes"] / mem["tracemalloc"]["spans"]
    per_rss = mem["rss"]["bytes"] / mem["rss"]["spans"]
    bd = mem["tracemalloc"]["breakdown"]
    print(f"    {per_tm:,.0f} B/span (tracemalloc), {per_rss:,.0f} B/span (RSS)", flush=True)

    def ok(good: bool) -> str:
        return "meets target" if good else "**misses target**"

    lines += [
        "## SQLite persistence and the in-memory store (`bench/bench_store.py`)",
        "",
        f"Machine: {machine()}. Shared machine "
        f"(CPU pressure, share of time a runnable task waited for a CPU, over the minute before: {pressure}); "
        "wall-clock rates suffer most from that, CPU-time figures least. Numbers are medians of several runs.",
        "",
        "| Measurement | Result | Target | Baseline (same run) | Ratio |",
        "|---|---|---|---|---|",
        f"| Persistence while receiving, end to end ({n_persist:,} spans, {runs} runs) | {rate:,.0f} spans/s | >= 50,000/s ({ok(rate >= 50_000)}) "
        f"| plain sqlite3 executemany of the same rows: {base_rate:,.0f} spans/s | {rate / base_rate:.2f}x |",
        f"| Writer alone, wall clock (store filled first, then one `close()`) | {alone_rate:,.0f} spans/s | | same baseline | {alone_rate / base_rate:.2f}x |",
        f"| Writer capacity from CPU time while receiving (slower of its two stages) | {capacity:,.0f} spans/s | >= 50,000/s ({ok(capacity >= 50_000)}) "
        f"| executemany: {base_us:.1f} us CPU/span | writer {writer_loop_us + sql_us:.1f} us CPU/span ({(writer_loop_us + sql_us) / base_us:.2f}x) |",
        f"| List 100 recent sessions, {n_big:,}-span file ({n_sessions:,} sessions) | {med * 1000:.2f} ms median (p90 {p90 * 1000:.2f} ms) "
        f"| <= 5 ms ({ok(med <= 0.005)}) | GROUP BY over spans: {gb_med * 1000:,.0f} ms | {gb_med / med:,.0f}x faster |",
        f"| Memory per stored span ({mem['tracemalloc']['spans']:,} spans via `Pipeline.feed`) | {per_tm:,.0f} B (tracemalloc), "
        f"{per_rss:,.0f} B (RSS delta) | <= 1,536 B ({ok(per_tm <= 1536)}) | | |",
        "",
        "Details:",
        "",
        f"- Persistence: the store applied the traffic at {apply_rate:,.0f} spans/s (the writer running concurrently); "
        f"the clock stops when `Writer.close()` has committed the last span. CPU per span on the event loop: `Store.apply` {apply_us:.1f} us, "
        f"the store's lazy fold of changed spans into its totals {fold_us:.1f} us (run when the writer reads a trace's totals for its summary row), "
        f"the writer's own share {writer_loop_us:.1f} us (draining references, cutting chunks, handing them over); "
        f"in aiosqlite's thread, row encoding and SQL {sql_us:.1f} us. "
        "Both threads need the interpreter lock for their Python work (only SQLite's own work runs beside the loop), "
        "and on this machine the process got a fraction of the 2 CPUs (see the pressure figure); "
        "the CPU-time capacity is what the writer sustains given a core. "
        f"Median batch: {avg_batch:,.0f} spans per transaction "
        "(each batch also writes its span events and its traces' summary rows; session totals follow by trigger). "
        "Traffic: traces of 20 spans (agent root, LLM calls with usage, cost and previews, tools, retrieval, file reads), "
        "3 free attributes each, 10 % sent as span_start + span_end.",
        f"- 1M-span file: {size_mb:,.0f} MB, built in {build_s:.0f} s with the writer's row encoder and SQL in large "
        f"transactions (secondary indexes rebuilt after the load), then `rebuild_summaries`. Opening a `Reader` plus the first `sessions(100)`: {open_first_ms:.1f} ms. "
        f"`traces(session, limit=100)`: {tr_med * 1000:.2f} ms; `spans_of_trace` (25 spans): {sp_med * 1000:.2f} ms; "
        f"first 1,000 spans of a session via `iter_spans`: {it_med * 1000:.1f} ms.",
        "- Memory breakdown (deep sizes, shared strings counted once, bytes per span):",
        "",
    ]
    n = mem["tracemalloc"]["spans"]
    savable = bd.pop("_savable")
    accounted = sum(bd.values())
    for k, v in sorted(bd.items(), key=lambda kv: -kv[1]):
        lines.append(f"  - {k}: {v / n:,.0f} B")
    lines.append(f"  - unaccounted (allocator overhead, interning table, session entries, ...): {(mem['tracemalloc']['bytes'] - accounted) / n:,.0f} B")
    lines.append("")
    lines.append(
        "- What the store could still save (equal strings kept as separate objects; a change for store/memory.py, "
        f"not made here): parent ids that repeat the parent's span id {savable['parent ids'] / n:,.0f} B/span; "
        f"low-cardinality typed-part fields (provider, stop reason, tool name/action/status, file operation, agent "
        f"name/state) {savable['low-cardinality part fields'] / n:,.0f} B/span, if interned like span names and models."
    )
    lines.append("")
    shutil.rmtree(tmp, ignore_errors=True)
    print("\n".join(lines))
    if QUICK:
        return  # a smoke run: not for the record
    summary = [
        row("SQLite persistence while receiving", ">= 50,000/s",
            f"{rate:,.0f}/s end to end; the writer alone sustains {capacity:,.0f}/s by CPU", rate >= 50_000),
        row("memory per stored span", "<= 1.5 KB", f"{per_tm:,.0f} B (tracemalloc), {per_rss:,.0f} B (RSS)", per_tm <= 1536),
        row(f"list 100 recent sessions, {n_big / 1e6:g}M-span file", "<= 5 ms", f"{med * 1000:.2f} ms", med <= 0.005),
    ]
    data = {"persist_spans_per_s": rate, "writer_capacity_per_s": capacity, "sessions_100_s": med,
            "bytes_per_span_tracemalloc": per_tm, "bytes_per_span_rss": per_rss}
    out = save("store", machine=machine(), section="\n".join(lines), summary=summary, data=data)
    print(f"wrote {out}")


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--memory-child":
        print(json.dumps(memory_child(int(sys.argv[3]), sys.argv[2])))
    else:
        main()
