"""Memory bounded by one budget: traces, sessions, series, a single huge trace,
and the backlog waiting for the database writer all stay within limits derived
from ``--max-spans``; what goes is counted, and nothing acknowledged is lost."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path

from agenttrace_tui.analysis.tree import TreeBuilder
from agenttrace_tui.config import Config
from agenttrace_tui.model import Metric, Session, Span, SpanKind, Status
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.store.limits import pending_bound
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.sqlite import Reader, Writer


def span(sid: str, tid: str, session: str = "s1", parent: str | None = None, **kw) -> Span:
    kw.setdefault("name", f"n-{sid}")
    return Span(span_id=sid, trace_id=tid, session_id=session, parent_span_id=parent, start_ns=kw.pop("start_ns", 1_000),
                end_ns=kw.pop("end_ns", 2_000), **kw)


def test_many_tiny_sessions_stay_within_the_trace_session_and_series_budgets() -> None:
    store = Store(max_spans=4_000)
    store.track_dirty = False  # no writer in this test
    assert (store.max_traces, store.max_sessions, store.max_series) == (1_000, 1_000, 1_000)
    n = 12_000
    for first in range(0, n, 500):
        batch: list = []
        for k in range(first, first + 500):
            batch += [Session(id=f"sess{k}", name=f"run {k}"), span("a", f"t{k}", f"sess{k}"),
                      Metric(name="turns", value=1.0, labels={"session.id": f"sess{k}"})]
        store.apply(batch)
        assert len(store.traces) <= store.max_traces
        assert len(store.sessions) <= store.max_sessions * 11 // 10  # a pass runs every tenth over the budget
        assert len(store.metrics) <= store.max_series
    assert store.evicted_traces + len(store.traces) == n
    assert store.evicted_sessions + len(store.sessions) == n
    assert store.evicted_series + len(store.metrics) == n
    # The totals are those of what memory holds: nothing counted twice or lost on the way.
    assert store.totals.spans == store.span_count == len(store.traces)
    assert sum(e.totals.spans for e in store.sessions.values()) == store.totals.spans
    newest = store.traces_of(f"sess{n - 1}")
    assert [t.trace_id for t in newest] == [f"t{n - 1}"]  # the newest stay


def test_a_single_huge_trace_is_trimmed_oldest_first_and_still_builds() -> None:
    store = Store(max_spans=1_000)
    store.track_dirty = False
    total = 5_000
    store.apply([span("root", "big", start_ns=1, end_ns=None)])  # the root runs to the end
    for first in range(1, total, 250):
        batch = []
        for k in range(first, min(total, first + 250)):
            parent = "root" if k < 50 else f"s{k % 50 or 1}"  # a chain under the root, then wide
            batch.append(span(f"s{k}", "big", parent=parent if k > 1 else "root", start_ns=10 + k, end_ns=20 + k))
        store.apply(batch)
        assert store.span_count <= store.max_spans
    trace = store.traces["big"]
    assert store.span_count == len(trace.spans) <= 1_000
    assert trace.trimmed == total - len(trace.spans) == store.trimmed_spans > 0
    assert "root" in trace.spans and f"s{total - 1}" in trace.spans and "s2" not in trace.spans
    # Totals still count every span of the trace (the rows of the trimmed ones are on disk).
    assert trace.totals.spans == total and store.totals.spans == total and trace.running
    assert all(c in trace.spans for kids in trace.children.values() for c in kids)
    tree = TreeBuilder().build(trace)
    assert len(tree) == len(trace.spans)
    # A builder that saw the trace before the trim starts over, and does not fail on the missing spans.
    builder = TreeBuilder()
    builder.build(trace)
    store.apply([span(f"x{k}", "big", parent="root", start_ns=10_000 + k, end_ns=10_001 + k) for k in range(300)])
    assert trace.trimmed > total - 1_000
    assert len(builder.build(trace)) == len(trace.spans)


def test_a_trace_without_its_root_is_named_after_its_earliest_span_still_held_when_trimmed() -> None:
    store = Store(max_spans=1_000)
    store.track_dirty = False
    names = []
    for first in range(0, 3_000, 250):  # no root: the spans' parent never comes
        store.apply([span(f"s{k}", "big", parent="gone", kind=SpanKind.TOOL_EXECUTION, start_ns=10 + k, end_ns=20 + k)
                     for k in range(first, first + 250)])
        names.append(store.traces["big"].name)  # read as the UI does, between batches
    trace = store.traces["big"]
    assert trace.trimmed > 0 and "s0" not in trace.spans
    held = min(trace.spans.values(), key=lambda s: s.start_ns)
    assert names[0] == "n-s0" and names[-1] == held.name != "n-s0"


async def test_a_trimmed_span_reported_again_is_merged_with_its_row_on_disk(tmp_path: Path) -> None:
    store = Store(max_spans=1_000)
    w = Writer(store, tmp_path / "a.db", interval_s=3600)
    await w.start()
    try:
        store.apply([span("s0", "big", start_ns=5, end_ns=50)])
        for first in range(1, 3_000, 200):
            store.apply([span(f"s{k}", "big", parent="s0", start_ns=100 + k, end_ns=200 + k) for k in range(first, first + 200)])
            await w.flush()  # written, so it may leave memory
        store.apply([span("a", "other")])
        trace = store.traces["big"]
        early = next(f"s{k}" for k in range(1, 3_000) if f"s{k}" not in trace.spans)
        assert trace.trimmed > 0 and store.maybe_trimmed("big", early)
        # A late report of a trimmed span: only its status, as a span_end would bring.
        store.apply([Span(span_id=early, trace_id="big", session_id="s1", name="", start_ns=0, end_ns=999, status=Status.ERROR,
                          status_message="late")])
        await w.flush()
    finally:
        await w.close()
    with Reader(w.path) as r:
        rows = {s.span_id: s for s in r.spans_of_trace("big")}
    assert len(rows) == 3_001  # s0..s3000, nothing duplicated
    late = rows[early]
    assert late.status is Status.ERROR and late.status_message == "late"
    assert late.name == f"n-{early}" and late.parent_span_id == "s0"  # the rest came from its row on disk
    assert late.start_ns == 100 + int(early[1:])


async def _stream(port: int, lines: list[bytes]) -> None:
    def send() -> None:
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"".join(lines))

    await asyncio.to_thread(send)


async def test_a_sender_faster_than_the_disk_is_paused_not_buffered_and_loses_nothing(tmp_path: Path) -> None:
    cfg = Config(db=str(tmp_path / "m.db"), udp_port=None, tcp_port=0, socket="", otlp_port=None,
                 otlp_grpc_port=None)
    store = Store(max_spans=2_000)
    store.max_pending = 300  # a small bound, so a burst of a few thousand spans must hit it
    mon = Monitor(cfg, store=store)
    await mon.start()
    assert mon.receivers is not None and mon.receivers.tcp_address is not None and mon.pipeline.flow is not None
    port = mon.receivers.tcp_address[1]
    n = 6_000
    now = time.time_ns()
    lines = [json.dumps({"v": 1, "type": "span", "trace_id": f"t{k // 40}", "span_id": f"s{k}", "session_id": "burst",
                         "name": "x", "start_ns": now, "end_ns": now + 1}).encode() + b"\n" for k in range(n)]
    peak = 0
    done = False

    async def watch() -> None:
        nonlocal peak
        while not done:
            assert mon.writer is not None
            peak = max(peak, mon.writer.backlog)
            await asyncio.sleep(0.002)

    watcher = asyncio.create_task(watch())
    try:
        await _stream(port, lines)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (mon.writer is None or mon.writer.written_spans < n):
            await asyncio.sleep(0.05)
    finally:
        done = True
        await watcher
        await mon.stop()
    flow = mon.pipeline.flow
    assert flow.pauses >= 1 and flow.held == 0
    # One read's worth of lines past the bound at most, then one drain waiting beside it.
    assert peak <= 2 * store.max_pending + 2_000
    with Reader(tmp_path / "m.db") as r:
        assert r.session("burst").spans == n


async def test_without_a_database_nothing_piles_up_for_a_writer() -> None:
    mon = Monitor(Config(persist=False, udp_port=None, tcp_port=None, socket="", otlp_port=None, otlp_grpc_port=None))
    await mon.start()
    try:
        for first in range(0, 3_000, 500):
            mon.pipeline.apply([span(f"s{k}", f"t{k // 10}") for k in range(first, first + 500)])
        assert mon.store.span_count == 3_000 and mon.store.backlog == 0
    finally:
        await mon.stop()


def test_without_a_database_nothing_piles_up_before_start_either() -> None:
    # Spans handed over before the receivers start (an import, a preload) keep no
    # entry for a writer either: none will ever come.
    mon = Monitor(Config(persist=False, udp_port=None, tcp_port=None, socket="", otlp_port=None, otlp_grpc_port=None))
    mon.pipeline.apply([span(f"s{k}", f"t{k // 10}") for k in range(1_000)])
    assert mon.store.span_count == 1_000 and mon.store.backlog == 0
    persisting = Monitor(Config(db=":memory:", udp_port=None, tcp_port=None, socket="", otlp_port=None, otlp_grpc_port=None))
    persisting.pipeline.apply([span("s", "t")])
    assert persisting.store.backlog == 1  # kept for the writer start() opens


def test_the_backlog_bound_follows_the_span_budget() -> None:
    assert pending_bound(10_000) == 10_000 and pending_bound(200_000) == 50_000
    assert Store(max_spans=200_000).max_pending == 50_000
