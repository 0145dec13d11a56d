"""SQLite persistence: Store + Writer into real files, read back with Reader."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import platformdirs
import pytest

from agenttrace_tui.model import (
    INTERNAL_ATTR,
    AgentInfo,
    AttachedEvent,
    Cost,
    FileInfo,
    LlmInfo,
    Metric,
    RagInfo,
    Session,
    Span,
    SpanEvent,
    SpanKind,
    SpanLink,
    Status,
    TokenUsage,
    ToolInfo,
)
from agenttrace_tui.store.entries import DEFAULT_SESSION
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.sqlite import (
    SCHEMA_VERSION,
    Reader,
    SchemaError,
    Writer,
    default_db_path,
    delete_session,
    ensure_schema,
    prune,
    rebuild_summaries,
    vacuum,
)

ROOT = Path(__file__).resolve().parent.parent


def mk(sid: str, tid: str = "t1", parent: str | None = None, **kw) -> Span:
    kw.setdefault("name", sid)
    kw.setdefault("start_ns", 1_000)
    kw.setdefault("end_ns", 2_000)
    return Span(span_id=sid, trace_id=tid, session_id=kw.pop("session_id", "s1"), parent_span_id=parent, **kw)


def full_span() -> Span:
    """A span with every part filled, to prove nothing is lost on disk."""
    return Span(
        span_id="llm1",
        trace_id="t1",
        session_id="s1",
        parent_span_id="root",
        name="chat gpt-4o",
        kind=SpanKind.LLM_CALL,
        start_ns=1_700_000_000_000_000_000,
        end_ns=1_700_000_001_500_000_000,
        status=Status.ERROR,
        status_message="rate limited",
        status_code="429",
        llm=LlmInfo(
            provider="openai",
            model="gpt-4o",
            temperature=0.2,
            max_tokens=512,
            stop_reason="length",
            cached=True,
            prompt_preview="Summarise ünïcödé ✓",
            response_preview="…",
        ),
        tool=ToolInfo(name="grep", action="search", target="src/", status="ok", call_id="c1", input_preview="x", output_preview="y"),
        agent=AgentInfo(name="planner", iteration=3, state="acting", stop_reason="done"),
        rag=RagInfo(query="what", sources_found=4, top_score=0.93),
        file=FileInfo(path="/tmp/a.txt", operation="read", bytes=123),
        usage=TokenUsage(input=1200, output=300, total=1500, cache_read=800, cache_write=100, reasoning=50, estimated=True),
        cost=Cost(total=0.0123, input=0.01, output=0.0023, source="reported", reason=None),
        events=(
            SpanEvent(name="retry", time_ns=1_700_000_000_500_000_000, attributes={"attempt": 1, "why": "429"}),
            SpanEvent(name="first_token", time_ns=1_700_000_001_000_000_000),
        ),
        links=(SpanLink(trace_id="t0", span_id="x", attributes={"rel": "follows"}),),
        attributes={"k": "v", "n": 3, "f": 1.5, "b": True, "none": None, "list": [1, "two", 3.0], "nested": {"a": {"b": [1]}}},
    )


async def started(store: Store, path: Path, **kw) -> Writer:
    w = Writer(store, path, **kw)
    await w.start()
    return w


async def wait_for(cond, timeout: float = 10.0) -> bool:
    """Poll a condition (bounded); the caller asserts on the result."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        await asyncio.sleep(0.02)
    return cond()


# -- round trip ----------------------------------------------------------------
async def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    store = Store()
    sess = Session(
        id="s1",
        name="research agent",
        service="svc",
        framework="langgraph",
        framework_version="0.2",
        hostname="box",
        tags=("a", "b"),
        started_ns=1_699_999_999_000_000_000,
        attributes={"team": "x", "n": 1},
    )
    root = mk("root", start_ns=1_700_000_000_000_000_000, end_ns=1_700_000_002_000_000_000, kind=SpanKind.AGENT)
    store.apply([sess, root, full_span()])
    w = await started(store, tmp_path / "sub" / "dir" / "a.db")
    await w.flush()
    await w.close()
    assert w.errors == 0 and w.last_error is None
    assert w.written_spans == 2

    with Reader(tmp_path / "sub" / "dir" / "a.db") as r:
        got = {s.span_id: s for s in r.spans_of_trace("t1")}
        assert got["llm1"] == full_span()
        assert got["root"] == root
        assert msgspec.msgpack.encode(got["llm1"]) == msgspec.msgpack.encode(full_span())
        row = r.session("s1")
        assert row is not None and row.session == sess
        assert r.sessions()[0].session.framework == "langgraph"


async def test_summaries_count_tokens_cost_errors_running(tmp_path: Path) -> None:
    store = Store()
    store.apply(
        [
            mk("root", kind=SpanKind.AGENT, end_ns=None, status=Status.RUNNING, start_ns=1_000,
               usage=TokenUsage(input=999, output=999, scope="subtree")),
            mk("a", parent="root", kind=SpanKind.LLM_CALL, start_ns=1_100, end_ns=1_500,
               llm=LlmInfo(model="m1", provider="p"), usage=TokenUsage(input=10, output=5), cost=Cost(total=0.5)),
            mk("b", parent="root", kind=SpanKind.LLM_CALL, start_ns=1_600, end_ns=2_500,
               llm=LlmInfo(model="m2", provider="p"), usage=TokenUsage(input=20, output=7), cost=Cost(total=0.25)),
            mk("c", parent="root", kind=SpanKind.TOOL_EXECUTION, start_ns=1_700, end_ns=1_800, status=Status.ERROR),
            mk("d", tid="t2", start_ns=5_000, end_ns=9_000, status=Status.TIMEOUT),
        ]
    )
    w = await started(store, tmp_path / "a.db")
    await w.close()
    with Reader(w.path) as r:
        t1 = r.trace("t1")
        assert t1 is not None
        assert (t1.name, t1.spans, t1.errors, t1.running) == ("root", 4, 1, 1)
        # the subtree usage of the agent span is shown on it but never summed
        assert (t1.input_tokens, t1.output_tokens, t1.cost) == (30, 12, 0.75)
        assert t1.models == ("m1", "m2")
        assert (t1.start_ns, t1.end_ns) == (1_000, 2_500)
        s = r.session("s1")
        assert s is not None
        assert (s.traces, s.spans, s.errors, s.running) == (2, 5, 2, 1)
        assert (s.input_tokens, s.output_tokens, s.cost) == (30, 12, 0.75)
        assert (s.first_ns, s.last_ns) == (1_000, 9_000)
        assert s.status == "running"
        # the same numbers the in-memory store keeps
        mem = store.session("s1").totals
        assert (mem.spans, mem.errors, mem.input_tokens, mem.cost) == (s.spans, s.errors, s.input_tokens, s.cost)
        assert [t.trace_id for t in r.traces("s1")] == ["t2", "t1"]


async def test_subtree_cost_is_kept_on_the_span_but_not_summed(tmp_path: Path) -> None:
    store = Store()
    agent = mk("agent", kind=SpanKind.AGENT, cost=Cost(total=9.0, source="reported"))  # covers its children
    child = mk("llm", parent="agent", kind=SpanKind.LLM_CALL, usage=TokenUsage(input=5, output=5), cost=Cost(total=1.0))
    store.apply([agent, child])
    w = await started(store, tmp_path / "a.db")
    await w.close()
    with Reader(w.path) as r:
        assert {s.span_id: s.cost.total for s in r.spans_of_trace("t1")} == {"agent": 9.0, "llm": 1.0}
        assert r.trace("t1").cost == 1.0 == store.trace("t1").totals.cost
        assert r.session("s1").cost == 1.0
    rebuild_summaries(w.path)  # the recompute from disk applies the same rule
    with Reader(w.path) as r:
        assert r.trace("t1").cost == 1.0 and r.session("s1").cost == 1.0


async def test_span_start_then_end_in_two_batches_is_one_row(tmp_path: Path) -> None:
    store = Store()
    w = await started(store, tmp_path / "a.db", interval_s=3600)
    store.apply([mk("a", end_ns=None, status=Status.RUNNING, kind=SpanKind.LLM_CALL, usage=TokenUsage(input=100))])
    assert await w.flush() == 1
    with Reader(w.path) as r:
        assert r.trace("t1").running == 1
        assert r.session("s1").status == "running"
    store.apply([Span(span_id="a", trace_id="t1", session_id="", name="", start_ns=0, end_ns=5_000, usage=TokenUsage(output=7))])
    assert await w.flush() == 1
    await w.close()
    with Reader(w.path) as r:
        (got,) = r.spans_of_trace("t1")
        assert got == store.span("t1", "a")
        assert got.duration_ns() == 4_000 and got.status is Status.OK and got.name == "a"
        t = r.trace("t1")
        assert (t.spans, t.running, t.input_tokens, t.output_tokens) == (1, 0, 100, 7)
    assert w.batches == 2


async def test_a_trace_without_its_root_reads_as_its_outermost_known_span_in_memory_and_on_disk(tmp_path: Path) -> None:
    # A running turn's root is exported last; some clients' outer spans are internal runtime
    # spans (custom kind). Until the root comes, the trace reads as its earliest-starting span
    # of a known kind, the same in the live store and in the file's trace rows; then as its root.
    store = Store()
    w = await started(store, tmp_path / "a.db", interval_s=3600)
    try:
        store.apply([
            mk("db", parent="runtime", name="sql.execute", start_ns=100),  # earliest, but of no known kind
            mk("call", parent="agent", name="chat gpt-4o", kind=SpanKind.LLM_CALL, start_ns=300),
            mk("agent", parent="runtime", name="invoke_agent planner", kind=SpanKind.AGENT, start_ns=200),
            mk("tool", parent="agent", name="get_weather", kind=SpanKind.TOOL_EXECUTION, start_ns=400),
            mk("other", tid="t2", parent="gone", name="sql.execute", start_ns=50),  # nothing of a known kind
        ])
        await w.flush()
        with Reader(w.path) as r:
            on_disk = {t.trace_id: t.name for t in r.traces()}
            one = r.trace("t1").name
        in_memory = {k: t.name for k, t in store.traces.items()}
        # A span stored later that started earlier names it then (the live name is kept up to date).
        store.apply([mk("plan", parent="runtime", name="plan", kind=SpanKind.TASK, start_ns=150)])
        await w.flush()
        with Reader(w.path) as r:
            later = (store.traces["t1"].name, r.trace("t1").name)
        store.apply([mk("root", name="turn", kind=SpanKind.AGENT, start_ns=90)])
        await w.flush()
        with Reader(w.path) as r:
            rooted = r.trace("t1").name
    finally:
        await w.close()
    assert on_disk == in_memory == {"t1": "invoke_agent planner", "t2": "sql.execute"} and one == "invoke_agent planner"
    assert {k: t.name for k, t in store.traces.items()} == {"t1": "turn", "t2": "sql.execute"}
    assert later == ("plan", "plan") and rooted == "turn"


async def test_flush_writes_at_most_max_batch_spans_per_transaction(tmp_path: Path) -> None:
    store = Store()
    w = await started(store, tmp_path / "a.db", interval_s=3600, max_batch=100)
    store.apply([mk(f"x{i}", tid=f"t{i // 10}") for i in range(250)])
    assert await w.flush() == 250
    assert w.batches == 3  # 100 + 100 + 50, one transaction each
    await w.close()
    with Reader(w.path) as r:
        assert r.session("s1").spans == 250
        assert len(r.traces("s1")) == 25


async def test_reaching_max_batch_triggers_a_write_before_the_interval(tmp_path: Path) -> None:
    store = Store()
    w = await started(store, tmp_path / "a.db", interval_s=3600, max_batch=50)
    try:
        store.apply([mk(f"x{i}") for i in range(60)])
        assert await wait_for(lambda: w.written_spans >= 60)
        assert w.batches >= 1
    finally:
        await w.close()


async def test_background_task_flushes_on_the_interval(tmp_path: Path) -> None:
    store = Store()
    w = await started(store, tmp_path / "a.db", interval_s=0.05)
    try:
        store.apply([mk("a"), Metric(name="queue", value=3.0, labels={"q": "a"})])
        assert await wait_for(lambda: w.written_spans == 1)
        with Reader(w.path) as r:
            assert [s.span_id for s in r.spans_of_trace("t1")] == ["a"]
    finally:
        await w.close()
    await w.close()  # safe twice


async def test_clean_close_flushes_everything(tmp_path: Path) -> None:
    store = Store()
    w = await started(store, tmp_path / "a.db", interval_s=3600)
    store.apply([mk(f"x{i}", tid=f"t{i % 7}") for i in range(2_345)])
    await w.close()
    assert store.dirty_count == 0 and w.pending_spans == 0
    with Reader(w.path) as r:
        assert r.session("s1").spans == 2_345
        assert r.span_count() == 2_345


async def test_summaries_after_eviction_still_describe_everything_written(tmp_path: Path) -> None:
    store = Store(max_spans=50)
    w = await started(store, tmp_path / "a.db", interval_s=3600)
    for batch in range(10):
        store.apply(
            [mk(f"x{i}", tid=f"t{batch}-{i // 10}", usage=TokenUsage(input=1, output=2), cost=Cost(total=0.01))
             for i in range(20)]
        )
        await w.flush()
    await w.close()
    assert store.evicted_spans > 0
    assert store.session("s1").totals.spans < 200
    with Reader(w.path) as r:
        s = r.session("s1")
        assert (s.spans, s.traces, s.input_tokens, s.output_tokens) == (200, 20, 200, 400)
        assert s.cost == pytest.approx(2.0)


async def test_span_end_after_eviction_merges_with_the_row_on_disk(tmp_path: Path) -> None:
    store = Store(max_spans=5)
    w = await started(store, tmp_path / "a.db", interval_s=3600)
    store.apply([mk("slow", tid="tslow", end_ns=None, status=Status.RUNNING, start_ns=1_000, kind=SpanKind.TOOL_EXECUTION,
                    tool=ToolInfo(name="bash"), attributes={"cmd": "make"})])
    await w.flush()
    store.apply([mk(f"x{i}", tid=f"t{i}") for i in range(10)])  # evicts tslow from memory
    await w.flush()
    assert store.trace("tslow") is None
    store.apply([Span(span_id="slow", trace_id="tslow", session_id="s1", name="", start_ns=0, end_ns=9_000)])
    await w.flush()
    await w.close()
    with Reader(w.path) as r:
        (got,) = r.spans_of_trace("tslow")
        assert (got.name, got.start_ns, got.end_ns, got.status) == ("slow", 1_000, 9_000, Status.OK)
        assert got.kind is SpanKind.TOOL_EXECUTION and got.tool.name == "bash" and got.attributes == {"cmd": "make"}
        assert r.trace("tslow").running == 0


async def test_a_trace_of_framework_internals_is_marked_from_memory_from_disk_and_on_upgrade(tmp_path: Path) -> None:
    """A trace made only of a client's framework-internal spans is marked in the file, whether
    its row comes from memory (the live writer), from the spans on disk (its trace evicted from
    memory, a rebuild) or from upgrading a version 2 file; one span of the agent's own unmarks
    it. Listings leave the marked ones out when asked and count them."""
    internal = {INTERNAL_ATTR: True}
    store = Store(max_spans=4)
    w = await started(store, tmp_path / "a.db", interval_s=3600)
    store.apply([mk("i1", tid="ti", attributes=internal), mk("i2", tid="ti", parent="i1", attributes=internal),
                 mk("m1", tid="tm", attributes=internal), mk("m2", tid="tm", parent="m1")])
    await w.flush()
    path = w.path

    def marks() -> dict[str, bool]:
        """Each trace's mark, checked against what the listing without them and their count say."""
        with Reader(path) as r:
            got = {t.trace_id: t.internal for t in r.traces()}
            assert sorted(t.trace_id for t in r.traces(internal=False)) == sorted(t for t, m in got.items() if not m)
            assert r.internal_traces() == r.internal_traces("s1") == sum(got.values())
            assert r.internal_traces("nobody") == 0
        return got

    assert marks() == {"ti": True, "tm": False}
    store.apply([mk(f"x{i}", tid=f"t{i}", start_ns=5_000 + i) for i in range(6)])  # evicts ti and tm from memory
    await w.flush()
    assert store.trace("ti") is None
    store.apply([mk("i3", tid="ti", parent="i1", attributes=internal)])  # its row recomputed from the spans on disk
    await w.flush()
    assert marks() == {"ti": True, "tm": False} | {f"t{i}": False for i in range(6)}
    store.apply([mk("own", tid="ti", parent="i1")])
    await w.flush()
    await w.close()
    assert marks()["ti"] is False
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM spans WHERE span_id = 'own'")
    conn.execute("UPDATE traces SET internal = 0")
    conn.commit()
    conn.close()
    rebuild_summaries(path)
    assert marks() == {"ti": True, "tm": False} | {f"t{i}": False for i in range(6)}

    # The same file as version 2 wrote it: no marks. Read as it is (nothing left out), then upgraded.
    conn = sqlite3.connect(path)
    for table in ("spans", "traces"):
        conn.execute(f"ALTER TABLE {table} DROP COLUMN internal")
    conn.execute("UPDATE schema_version SET version = 2")
    conn.commit()
    conn.close()
    with Reader(path) as r:
        assert len(r.traces(internal=False)) == 8 and r.internal_traces() == 0
        assert not any(t.internal for t in r.traces())
    ensure_schema(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT span_id FROM spans WHERE internal = 1 ORDER BY span_id").fetchall() == [
            ("i1",), ("i2",), ("i3",), ("m1",)]
    assert marks() == {"ti": True, "tm": False} | {f"t{i}": False for i in range(6)}


async def test_restart_continues_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    store = Store()
    w = await started(store, path)
    store.apply([Session(id="s1", name="first run"), mk("a", end_ns=None, status=Status.RUNNING, start_ns=500)])
    await w.close()
    # a new monitor: fresh memory, same file; the agent ends its span
    store2 = Store()
    w2 = await started(store2, path)
    store2.apply([Span(span_id="a", trace_id="t1", session_id="s1", name="", start_ns=0, end_ns=1_500), mk("b", start_ns=600)])
    await w2.close()
    with Reader(path) as r:
        a, b = r.spans_of_trace("t1")
        assert (a.span_id, a.name, a.start_ns, a.end_ns) == ("a", "a", 500, 1_500)
        assert b.span_id == "b"
        s = r.session("s1")
        assert s.session.name == "first run"  # an implied session never overwrites a described one
        assert (s.spans, s.running) == (2, 0)


async def test_trace_moving_to_a_named_session_updates_both(tmp_path: Path) -> None:
    store = Store()
    w = await started(store, tmp_path / "a.db", interval_s=3600)
    store.apply([mk("a", session_id="")])
    await w.flush()
    with Reader(w.path) as r:
        assert r.session(DEFAULT_SESSION).spans == 1
    store.apply([mk("b", session_id="named")])
    await w.close()
    with Reader(w.path) as r:
        assert r.session(DEFAULT_SESSION) is None
        assert (r.session("named").spans, r.session("named").traces) == (2, 1)
        assert {s.session_id for s in r.spans_of_trace("t1")} == {"named"}


async def test_incremental_summaries_equal_a_full_recompute(tmp_path: Path) -> None:
    """Many small batches of starts, ends, repeats, errors, evictions and a
    restart: the summary rows kept by deltas match a recompute from spans."""
    import random

    rnd = random.Random(5)
    path = tmp_path / "a.db"
    open_spans: list[tuple[str, str, str]] = []
    sent: list[Span] = []
    n = 0
    for run in range(2):
        store = Store(max_spans=40)
        w = await started(store, path, interval_s=3600, max_batch=7)
        for step in range(60):
            ups: list = []
            for _ in range(rnd.randint(1, 6)):
                roll = rnd.random()
                if open_spans and roll < 0.35:
                    tid, sid, sess = open_spans.pop(rnd.randrange(len(open_spans)))
                    ups.append(Span(span_id=sid, trace_id=tid, session_id=sess, name="", start_ns=0,
                                    end_ns=10_000 + step * 100 + run * 100_000,
                                    status=rnd.choice([Status.OK, Status.ERROR]),
                                    usage=TokenUsage(output=rnd.randint(0, 9))))
                elif sent and roll < 0.5:
                    ups.append(msgspec.structs.replace(rnd.choice(sent)))  # a duplicate report
                else:
                    n += 1
                    tid = f"r{run}t{rnd.randint(0, 15)}"
                    sess = f"s{int(tid[3:]) % 3}"
                    running = rnd.random() < 0.5
                    span = mk(f"x{n}", tid=tid, session_id=sess, start_ns=5_000 + step * 100 + run * 100_000,
                              end_ns=None if running else 6_000 + step * 100 + run * 100_000,
                              status=Status.RUNNING if running else Status.OK,
                              kind=SpanKind.LLM_CALL, llm=LlmInfo(model=rnd.choice(["a", "b"])),
                              usage=TokenUsage(input=rnd.randint(0, 50)), cost=Cost(total=0.125))
                    if running:
                        open_spans.append((tid, f"x{n}", sess))
                    else:
                        sent.append(msgspec.structs.replace(span))
                    ups.append(span)
            store.apply(ups)
            if step % 3 == 0:
                await w.flush()
        await w.close()
        assert w.errors == 0, w.last_error

    def snapshot() -> tuple[list, list]:
        conn = sqlite3.connect(path)
        t = conn.execute("SELECT trace_id, session_id, start_ns, end_ns, spans, errors, running, input_tokens,"
                         " output_tokens, round(cost, 6), models FROM traces ORDER BY trace_id").fetchall()
        s = conn.execute("SELECT id, traces, spans, errors, running, input_tokens, output_tokens, round(cost, 6),"
                         " first_ns, last_ns FROM sessions ORDER BY id").fetchall()
        conn.close()
        return t, s

    kept_traces, kept_sessions = snapshot()
    rebuild_summaries(path)
    full_traces, full_sessions = snapshot()
    norm = lambda rows: [r[:-1] + (",".join(sorted((r[-1] or "").split(","))),) for r in rows]  # noqa: E731
    assert norm(kept_traces) == norm(full_traces)
    assert kept_sessions == full_sessions
    assert sum(r[2] for r in kept_sessions) == sum(r[4] for r in kept_traces) > 0


async def test_attached_events_and_metrics_are_stored(tmp_path: Path) -> None:
    store = Store()
    w = await started(store, tmp_path / "a.db", interval_s=3600)
    store.apply([mk("a"), AttachedEvent(trace_id="t1", span_id="a", event=SpanEvent(name="tick", time_ns=1_500, attributes={"x": 1}))])
    store.apply([Metric(name="queue", value=3.0, labels={"q": "a"}, time_ns=5), Metric(name="queue", value=5.0, labels={"q": "a"}, time_ns=6)])
    await w.close()
    with Reader(w.path) as r:
        assert r.spans_of_trace("t1")[0].events == (SpanEvent(name="tick", time_ns=1_500, attributes={"x": 1}),)
        (m,) = r.metrics()
        assert (m.name, m.labels, m.last, m.sum, m.count, m.time_ns) == ("queue", {"q": "a"}, 5.0, 8.0, 2, 6)
    conn = sqlite3.connect(w.path)
    assert conn.execute("SELECT trace_id, span_id, seq, name, time_ns, attributes FROM span_events").fetchall() == [
        ("t1", "a", 0, "tick", 1_500, '{"x":1}')
    ]
    conn.close()


async def test_hostile_values_are_stored_not_fatal(tmp_path: Path) -> None:
    store = Store()
    w = await started(store, tmp_path / "a.db", interval_s=3600)
    huge = 2**70
    store.apply(
        [
            mk("big", usage=TokenUsage(input=2**63 + 5, output=1), attributes={"huge": huge, "s": "ok"}),
            mk("sur", name="bad \ud800 name", attributes={"k\udfff": "v\ud800"}),
            mk("fine"),
        ]
    )
    assert await w.flush() == 3
    await w.close()
    with Reader(w.path) as r:
        got = {s.span_id: s for s in r.spans_of_trace("t1")}
        assert got["big"].attributes["huge"] == str(huge)
        assert got["sur"].name == "bad ? name"
        assert got["fine"] == mk("fine")


# -- reader queries ------------------------------------------------------------
def _query_fixture() -> list:
    out: list = [Session(id="sA", framework="langgraph"), Session(id="sB", framework="crewai")]
    for i in range(30):
        sess = "sA" if i < 20 else "sB"
        kind = [SpanKind.LLM_CALL, SpanKind.TOOL_EXECUTION, SpanKind.RETRIEVAL][i % 3]
        out.append(
            mk(
                f"x{i}",
                tid=f"t{i // 5}",
                session_id=sess,
                kind=kind,
                start_ns=10_000 + i * 100,
                end_ns=10_050 + i * 100,
                status=Status.ERROR if i % 7 == 0 else Status.OK,
                llm=LlmInfo(model="m-big" if i % 2 else "m-small") if kind is SpanKind.LLM_CALL else None,
            )
        )
    return out


async def test_reader_filters(tmp_path: Path) -> None:
    store = Store()
    store.apply(_query_fixture())
    w = await started(store, tmp_path / "a.db")
    await w.close()
    fixture = [u for u in _query_fixture() if isinstance(u, Span)]

    def ids(spans: list[Span]) -> list[str]:
        return [s.span_id for s in spans]

    def expect(pred) -> list[str]:
        return [s.span_id for s in fixture if pred(s)]

    with Reader(w.path) as r:
        assert ids(r.query_spans(session_id="sB")) == expect(lambda s: s.session_id == "sB")
        assert ids(r.query_spans(trace_id="t2")) == expect(lambda s: s.trace_id == "t2")
        assert ids(r.query_spans(kind=SpanKind.TOOL_EXECUTION)) == expect(lambda s: s.kind is SpanKind.TOOL_EXECUTION)
        assert ids(r.query_spans(kind="retrieval", session_id="sA")) == expect(
            lambda s: s.kind is SpanKind.RETRIEVAL and s.session_id == "sA"
        )
        assert ids(r.query_spans(model="m-big")) == expect(lambda s: s.llm is not None and s.llm.model == "m-big")
        assert ids(r.query_spans(status="error")) == expect(lambda s: s.status is Status.ERROR)
        assert ids(r.query_spans(status=Status.OK, session_id="sB")) == expect(
            lambda s: s.status is Status.OK and s.session_id == "sB"
        )
        assert ids(r.query_spans(since_ns=11_000, until_ns=11_500)) == expect(lambda s: 11_000 <= s.start_ns < 11_500)
        assert ids(r.query_spans(limit=4)) == ids(fixture[:4])
        assert ids(r.query_spans(limit=3, newest_first=True)) == ["x29", "x28", "x27"]
        assert r.query_spans(model="nope") == []

        assert [s.id for s in r.sessions()] == ["sB", "sA"]
        assert [s.id for s in r.sessions(framework="langgraph")] == ["sA"]
        assert [s.id for s in r.sessions(limit=1)] == ["sB"]
        assert [s.id for s in r.sessions(since_ns=12_500)] == ["sB"]
        # finished long ago (the fixture's clock is 1970), both had errors
        assert {s.id for s in r.sessions(status="error")} == {"sA", "sB"}
        assert r.sessions(status="running") == [] and r.sessions(status="done") == []
        with pytest.raises(ValueError):
            r.sessions(status="bogus")
        assert r.session("nope") is None and r.trace("nope") is None and r.spans_of_trace("nope") == []
        assert [t.trace_id for t in r.traces(limit=2)] == ["t5", "t4"]


async def test_iter_spans_streams_a_session_in_start_order(tmp_path: Path) -> None:
    store = Store()
    # out of order arrival, and ties on start_ns
    starts = [5, 3, 3, 9, 1, 3, 7, 7, 2, 8, 4, 6]
    store.apply([mk(f"x{i}", tid=f"t{i % 4}", start_ns=s * 100, end_ns=s * 100 + 10) for i, s in enumerate(starts)])
    store.apply([mk("other", tid="elsewhere", session_id="s2")])
    w = await started(store, tmp_path / "a.db")
    await w.close()
    with Reader(w.path) as r:
        for batch in (1, 3, 5, 1000):
            got = list(r.iter_spans("s1", batch=batch))
            assert len(got) == len(starts)
            assert [s.start_ns for s in got] == sorted(s * 100 for s in starts)
            assert len({s.span_id for s in got}) == len(starts)
        assert list(r.iter_spans("missing")) == []


async def test_reader_in_a_worker_thread_while_the_writer_commits(tmp_path: Path) -> None:
    store = Store()
    w = await started(store, tmp_path / "a.db", interval_s=0.02, max_batch=50)
    reader = Reader(w.path)  # opened on the loop's thread, used from a worker thread
    seen: list[int] = []
    try:
        for round_no in range(20):
            store.apply([mk(f"r{round_no}-{i}", tid=f"t{round_no}") for i in range(40)])
            row = await asyncio.to_thread(reader.session, "s1")
            seen.append(row.spans if row is not None else 0)
            await asyncio.sleep(0.01)
    finally:
        await w.close()
    total = await asyncio.to_thread(lambda: reader.session("s1").spans)
    reader.close()
    assert seen == sorted(seen)  # each read sees a committed state, never a partial one going back
    assert total == 800 and w.errors == 0


# -- maintenance -----------------------------------------------------------------
async def test_delete_prune_vacuum_rebuild(tmp_path: Path) -> None:
    store = Store()
    for n, sess in enumerate(["old", "mid", "new"]):
        store.apply(
            [mk(f"{sess}{i}", tid=f"{sess}-t{i // 3}", session_id=sess, start_ns=(n + 1) * 1_000_000 + i,
                end_ns=(n + 1) * 1_000_000 + i + 10,
                events=(SpanEvent(name="e", time_ns=1),)) for i in range(9)]
        )
    w = await started(store, tmp_path / "a.db")
    await w.close()
    path = w.path
    assert delete_session(path, "mid") is True
    assert delete_session(path, "mid") is False
    assert prune(path, before_ns=2_500_000) == 1  # "old" ended at ~1,000,018
    vacuum(path)
    with Reader(path) as r:
        assert [s.id for s in r.sessions()] == ["new"]
        assert r.span_count() == 9
        assert r.query_spans(session_id="old") == [] and r.traces("mid") == []
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM span_events").fetchone()[0] == 9
    conn.execute("UPDATE traces SET spans = 0")  # damage the summaries...
    conn.commit()
    conn.close()
    rebuild_summaries(path)  # ...and recompute them from the spans
    with Reader(path) as r:
        assert r.session("new").spans == 9 and r.trace("new-t0").spans == 3 and r.trace("new-t0").name == "new0"


# -- opening ---------------------------------------------------------------------
async def test_newer_schema_version_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    w = await started(Store(), path)
    await w.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(SchemaError, match="newer"):
        Reader(path)
    with pytest.raises(SchemaError, match="newer"):
        await Writer(Store(), path).start()


async def test_not_a_database_and_missing_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(SchemaError):
        Reader(junk)
    with pytest.raises(SchemaError):
        await Writer(Store(), junk).start()
    with pytest.raises(FileNotFoundError):
        Reader(tmp_path / "missing.db")
    with pytest.raises(RuntimeError):
        await Writer(Store(), tmp_path / "x.db").flush()


def test_default_db_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AGENTTRACE_DB", str(tmp_path / "env.db"))
    assert default_db_path() == tmp_path / "env.db"
    monkeypatch.delenv("AGENTTRACE_DB")
    p = default_db_path()
    assert p.name == "agenttrace.db"
    assert p.parent == Path(platformdirs.user_data_dir("agenttrace-tui", appauthor=False))


# -- failures ---------------------------------------------------------------------
async def test_locked_database_is_counted_retried_then_written(tmp_path: Path) -> None:
    store = Store()
    w = await started(store, tmp_path / "a.db", interval_s=3600, busy_timeout_ms=20, max_attempts=100)
    blocker = sqlite3.connect(w.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        store.apply([mk("a"), mk("b")])
        assert await w.flush() == 0
        # The background task may retry on its own once the backoff has passed
        # (a busy machine): every failed attempt counts, so at least one each time.
        first = w.errors
        assert first >= 1 and "locked" in (w.last_error or "")
        store.apply([mk("c")])  # receivers carry on: the new span waits in the store
        assert await w.flush() == 0
        assert w.errors > first and w.pending_spans == 3
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert await w.flush() == 3
    await w.close()
    with Reader(w.path) as r:
        assert r.session("s1").spans == 3


async def test_waiting_batches_past_the_bound_are_dropped_oldest_first_and_counted(tmp_path: Path) -> None:
    store = Store()
    w = await started(store, tmp_path / "a.db", interval_s=3600, busy_timeout_ms=10, max_batch=2, max_waiting=2)
    blocker = sqlite3.connect(w.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        store.apply([mk("a"), mk("b")])
        await w.flush()
        assert not w.writable and w.waiting_spans == 2 and w.dropped_spans == 0
        store.apply([mk("c", tid="t2"), mk("d", tid="t2")])
        await w.flush()
        assert w.dropped_spans == 2 and w.waiting_spans == 2
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    await w.close()
    assert w.writable
    with Reader(w.path) as r:
        assert [s.span_id for s in r.spans_of_trace("t1")] == []
        assert [s.span_id for s in r.spans_of_trace("t2")] == ["c", "d"]


# -- kill -9 -----------------------------------------------------------------------
def test_kill_9_loses_at_most_the_last_batch_and_the_file_opens(tmp_path: Path) -> None:
    path = tmp_path / "killed.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "_sqlite_killee.py"), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    committed = 0
    lines = 0
    deadline = time.monotonic() + 60
    try:
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("committed "):
                committed = int(line.split()[1])
                lines += 1
                if lines >= 5:
                    break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    assert lines >= 5 and committed > 0

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    on_disk = conn.execute("SELECT count(*) FROM spans").fetchone()[0]
    summed = conn.execute("SELECT sum(spans) FROM sessions").fetchone()[0]
    conn.close()
    assert on_disk >= committed
    assert summed == on_disk  # summaries commit in the same transaction as their spans
    with Reader(path) as r:
        assert r.sessions(limit=1000) and r.span_count() == on_disk

    async def reopen() -> int:
        store = Store()
        w = await started(store, path)
        store.apply([mk("after", tid="after-kill")])
        await w.close()
        return w.written_spans

    assert asyncio.run(reopen()) == 1
