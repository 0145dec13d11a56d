"""Hostile input must never cost anyone else's data: the door, the writer, the store.

Each test sends an attack at a bounded size through the real receivers (or
the real pipeline) alongside good records, and asserts every good record
reached SQLite, that the attack was counted, and that no sum became inf or
NaN.
"""

from __future__ import annotations

import asyncio
import json
import math
import socket
import sqlite3
import sys
import time
import tracemalloc
import types
import urllib.error
import urllib.request
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agenttrace_tui
from agenttrace_tui.config import Config
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import Cost, Session, Span, TokenUsage
from agenttrace_tui.normalize.limits import MAX_COST, MAX_TOKENS
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.reader import Reader
from agenttrace_tui.store.writer import Writer

#: The monitor's own source files (whose lines the linear-work test counts).
SRC = str(Path(agenttrace_tui.__file__).resolve().parent)

NOW = time.time_ns()
BIG = 10**40


def good(i: int, trace: str = "good-t", session: str = "good") -> dict:
    return {
        "v": 1, "type": "span", "trace_id": f"{trace}{i // 50}", "span_id": f"g{i}", "session_id": session,
        "name": f"good {i}", "start_ns": NOW - 10_000 + i, "end_ns": NOW - 5_000 + i,
        "usage": {"input": 10, "output": 5}, "cost": {"total": 0.01},
    }


def hostile() -> list[dict]:
    """One of each poison value the door must take apart."""
    return [
        {"v": 1, "type": "session", "session_id": "evil", "attributes": {"big": BIG}},
        {"v": 1, "type": "span", "trace_id": "evil-t", "span_id": "e1", "session_id": "evil", "name": "x",
         "start_ns": NOW - 1000, "end_ns": NOW, "cost": {"total": 1e308}, "attributes": {"n": -BIG}},
        {"v": 1, "type": "span", "trace_id": "evil-t", "span_id": "e2", "session_id": "evil", "name": "x",
         "start_ns": NOW - 1000, "end_ns": NOW, "cost": {"total": 1e308}},
        {"v": 1, "type": "span", "trace_id": "evil-t", "span_id": "e3", "session_id": "evil", "name": "x",
         "start_ns": NOW - 1000, "end_ns": NOW, "usage": {"input": -18, "output": 10**30}},
        {"v": 1, "type": "span", "trace_id": "evil-t", "span_id": "e4", "session_id": "evil", "name": "x",
         "start_ns": NOW - 1000, "end_ns": NOW, "llm": {"max_tokens": BIG, "temperature": 1e999}},
        {"v": 1, "type": "event", "trace_id": "evil-t", "span_id": "e1", "name": "ev", "time_ns": NOW,
         "attributes": {"big": BIG}},
        {"v": 1, "type": "metric", "name": "m", "value": 1e308},
    ]


def monitor_config(tmp_path: Path) -> Config:
    return Config(udp_port=0, tcp_port=0, otlp_port=0, otlp_grpc_port=None, socket="", db=str(tmp_path / "m.db"))


def assert_finite_db(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        for table in ("sessions", "traces"):
            for cost, tin, tout in conn.execute(f"SELECT cost, input_tokens, output_tokens FROM {table}"):
                assert cost is not None and math.isfinite(cost) and cost >= 0, (table, cost)
                assert 0 <= tin <= 2**63 - 1 and 0 <= tout <= 2**63 - 1, (table, tin, tout)
    finally:
        conn.close()


def good_ids(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT span_id FROM spans WHERE session_id = 'good'")}
    finally:
        conn.close()


# -- a big integer or an overflowing cost, over every native receiver and OTLP ----------
@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_poison_records_beside_good_ones_lose_nothing(tmp_path: Path, transport: str) -> None:
    mon = Monitor(monitor_config(tmp_path))
    await mon.start()
    try:
        n = 300
        records = []
        for i in range(n):
            records.append(good(i))
            if i % 10 == 0:
                records.extend(hostile())
        if transport == "udp":
            host, port = mon.receivers.udp_address
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for r in records:
                s.sendto(msgspec.json.encode(r), (host, port))
                if len(records) > 100:
                    await asyncio.sleep(0)  # bounded burst: the test is about poison, not UDP loss
            s.close()
        else:
            host, port = mon.receivers.tcp_address
            _, w = await asyncio.open_connection(host, port)
            w.write(b"".join(msgspec.json.encode(r) + b"\n" for r in records))
            await w.drain()
            w.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and mon.store.span_count < n + 4:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.6)  # at least two writer intervals with poison in them
    finally:
        await mon.stop()
    path = Path(mon.config.db)
    assert good_ids(path) == {f"g{i}" for i in range(n)}
    assert mon.writer.dropped_spans == 0 and mon.writer.quarantined == 0
    assert mon.stats.fixed["big_int"] > 0 and mon.stats.fixed["bad_cost"] > 0 and mon.stats.fixed["bad_tokens"] > 0
    assert mon.stats.fixed["out_of_range"] > 0 and mon.stats.rejected["bad_value"] > 0
    assert_finite_db(path)
    with Reader(path) as r:
        evil = r.session("evil")
        assert evil is not None and evil.input_tokens >= 0 and evil.output_tokens >= 0
        (e1,) = [s for s in r.spans_of_trace("evil-t") if s.span_id == "e1"]
        assert e1.attributes["n"] == str(-BIG) and (e1.cost is None or e1.cost.total is None)


def _otlp_post(port: int, body: dict) -> int:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/traces", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status


def _otlp_span(i: int, attrs: list[dict] | None = None) -> dict:
    return {"traceId": f"{i // 50 + 1:032x}", "spanId": f"{i + 1:016x}", "name": f"s{i}",
            "startTimeUnixNano": str(NOW - 10_000), "endTimeUnixNano": str(NOW - 5_000),
            "attributes": attrs or []}


async def test_otlp_poison_resource_and_cost_overflow_lose_nothing(tmp_path: Path) -> None:
    mon = Monitor(monitor_config(tmp_path))
    await mon.start()
    port = mon.otlp.address[1]
    try:
        good_body = {"resourceSpans": [{
            "resource": {"attributes": [{"key": "session.id", "value": {"stringValue": "good"}}]},
            "scopeSpans": [{"spans": [_otlp_span(i) for i in range(200)]}],
        }]}
        big_cost = [{"key": "llm.cost.prompt", "value": {"doubleValue": 1e308}},
                    {"key": "llm.cost.completion", "value": {"doubleValue": 1e308}},
                    {"key": "gen_ai.request.model", "value": {"stringValue": "m"}}]
        evil_body = {"resourceSpans": [{
            "resource": {"attributes": [{"key": "session.id", "value": {"stringValue": "evil"}},
                                        {"key": "big", "value": {"intValue": str(BIG)}}]},
            "scopeSpans": [{"spans": [_otlp_span(1000 + i, big_cost) for i in range(3)]}],
        }]}
        for body in (evil_body, good_body, evil_body, evil_body):  # the exporter retries
            assert await asyncio.to_thread(_otlp_post, port, body) == 200
        await asyncio.sleep(0.6)
    finally:
        await mon.stop()
    path = Path(mon.config.db)
    assert len(good_ids(path)) == 200
    assert mon.writer.dropped_spans == 0
    assert_finite_db(path)


# -- aggregates stay finite whatever the values (hypothesis, whole pipeline into SQLite) ---
_ints = st.one_of(st.integers(-(2**70), 2**70), st.sampled_from([0, -1, MAX_TOKENS, MAX_TOKENS + 1, 2**63, -(2**63)]))
_floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e308, -1e308, MAX_COST]))
_times = st.one_of(st.integers(0, 2**64), st.just(NOW), st.integers(-(2**63), -1))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_ints, _ints, _floats, _floats, _times, _times, _ints), min_size=1, max_size=12))
def test_extreme_values_never_make_a_sum_inf_or_nan(tmp_path_factory: pytest.TempPathFactory, values: list) -> None:
    path = tmp_path_factory.mktemp("hyp") / "h.db"

    async def run() -> Writer:
        store = Store()
        pipeline = Pipeline(store)
        w = Writer(store, path, interval_s=3600)
        await w.start()
        updates: list = [Session(id="s", attributes={"x": values[0][6]})]
        for i, (tin, tout, c1, c2, t0, t1, attr) in enumerate(values):
            updates.append(Span(
                span_id=f"x{i}", trace_id="t", session_id="s", name="x", start_ns=t0, end_ns=t1,
                usage=TokenUsage(input=tin, output=tout, total=0), cost=Cost(total=c1, input=c2),
                attributes={"a": attr, "nested": [attr, {"b": attr}]},
            ))
            updates.append(Span(span_id=f"ok{i}", trace_id="t", session_id="s", name="ok",
                                start_ns=NOW - 100, end_ns=NOW, cost=Cost(total=0.5)))
        pipeline.apply(updates)
        await w.flush()
        await w.close()
        return w

    w = asyncio.run(run())
    assert w.dropped_spans == 0 and w.quarantined == 0
    assert_finite_db(path)
    conn = sqlite3.connect(path)
    try:
        ok = {r[0] for r in conn.execute("SELECT span_id FROM spans WHERE span_id LIKE 'ok%'")}
        assert ok == {f"ok{i}" for i in range(len(values))}
    finally:
        conn.close()


# -- a row the database refuses is quarantined, its neighbours stored ----------------------
async def test_a_row_the_database_refuses_is_quarantined_and_its_neighbours_kept(tmp_path: Path) -> None:
    store = Store()
    w = Writer(store, tmp_path / "q.db", interval_s=3600)
    await w.start()
    # Past the door (a bug, or a caller that skips the pipeline): a NaN cost would make
    # the trace row's NOT NULL cost NULL. Only that row may be lost.
    store.apply([Span(span_id=f"a{i}", trace_id="ok", session_id="s", name="a", start_ns=1, end_ns=2)
                 for i in range(50)])
    store.apply([Span(span_id="bad", trace_id="poison", session_id="s", name="b", start_ns=1, end_ns=2,
                      cost=Cost(total=float("nan")))])
    store.apply([Session(id="s2", attributes={"big": BIG})])
    await w.flush()
    rows = await w.quarantine()
    await w.close()
    assert w.quarantined >= 1 and rows and rows[0].kind == "trace" and rows[0].key == "poison"
    assert "NOT NULL" in rows[0].reason or "IntegrityError" in rows[0].reason
    with Reader(w.path) as r:
        assert len(r.spans_of_trace("ok")) == 50
        assert [s.span_id for s in r.spans_of_trace("poison")] == ["bad"]
        assert r.session("s2") is not None
    assert_finite_db(w.path)


# -- a full disk: batches wait in memory, nothing is dropped, the state is visible ---------
async def test_disk_full_keeps_batches_waiting_and_writes_them_when_space_returns(tmp_path: Path) -> None:
    store = Store()
    w = Writer(store, tmp_path / "full.db", interval_s=0.05, max_batch=200)
    await w.start()
    store.apply([Span(span_id="first", trace_id="t0", session_id="s", name="x", start_ns=1, end_ns=2)])
    await w.flush()
    assert w._conn is not None
    async with w._conn.execute("PRAGMA page_count") as cur:
        pages = (await cur.fetchone())[0]
    await w._conn.execute(f"PRAGMA max_page_count={pages}")  # the "disk" is full from now on
    n = 0
    deadline = time.monotonic() + 1.5  # an outage of 1.5 s at a steady rate
    while time.monotonic() < deadline:
        store.apply([Span(span_id=f"s{n + k}", trace_id=f"t{(n + k) // 100}", session_id="s", name="x",
                          start_ns=1, end_ns=2) for k in range(100)])
        n += 100
        await asyncio.sleep(0.02)
    assert not w.writable and w.pending_spans > 0
    assert "full" in (w.last_error or "")
    await w._conn.execute("PRAGMA max_page_count=1073741823")  # space again
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (w.pending_spans or not w.writable):
        await asyncio.sleep(0.05)
    await w.close()
    assert w.writable and w.dropped_spans == 0
    with Reader(w.path) as r:
        assert r.span_count() == n + 1


# -- a trace cut into many chunks is summarised once per drain ----------------------------
async def test_a_big_trace_is_summarised_once_per_drain_not_per_chunk(tmp_path: Path) -> None:
    store = Store()
    w = Writer(store, tmp_path / "big.db", interval_s=3600, max_batch=100)
    await w.start()
    store.apply([Span(span_id=f"s{i}", trace_id="big", session_id="s", name="x", start_ns=1 + i, end_ns=2 + i,
                      usage=TokenUsage(input=1, output=1, total=2)) for i in range(1000)])
    store.apply([Span(span_id="lone", trace_id="small", session_id="s", name="x", start_ns=1, end_ns=2)])
    assert w._drain()
    groups = list(w._queue)
    # The big trace's ten chunks go in one transaction (its row sums what commits with it),
    # summarised once; the small trace after it is a transaction of its own.
    assert [len(g.parts) for g in groups] == [10, 1]
    chunks = groups[0].parts
    summarised = [p for p in chunks if p.summaries]  # the chunks carrying a trace row
    assert len(summarised) == 1 and summarised[0] is chunks[-1]
    await w.flush()
    await w.close()
    with Reader(w.path) as r:
        t = r.trace("big")
        assert t is not None and t.spans == 1000 and t.input_tokens == 1000


# -- OTLP amplification: counted on the wire, refused before it is materialised -----------
def _pb_post(port: int, body: bytes, gzip: bool = False) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/x-protobuf"}
    if gzip:
        headers["Content-Encoding"] = "gzip"
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/traces", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


async def test_a_small_body_of_millions_of_empty_spans_is_413_and_good_traffic_flows(tmp_path: Path) -> None:
    import gzip as gz

    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
    from opentelemetry.proto.trace.v1 import trace_pb2

    mon = Monitor(monitor_config(tmp_path))
    await mon.start()
    port = mon.otlp.address[1]
    try:
        # ResourceSpans{ScopeSpans{spans: 2_000_000 x empty Span}}: 4 MB raw, a few KB gzipped.
        scope = b"\x12\x00" * 2_000_000
        rs = b"\x12" + _varint(len(scope)) + scope
        bomb = gz.compress(b"\x0a" + _varint(len(rs)) + rs)
        assert len(bomb) < 64 * 1024
        good_req = trace_service_pb2.ExportTraceServiceRequest()
        r = good_req.resource_spans.add()
        kv = r.resource.attributes.add()
        kv.key, kv.value.string_value = "session.id", "good"
        ss = r.scope_spans.add()
        for i in range(500):
            sp: trace_pb2.Span = ss.spans.add()
            sp.trace_id = (i // 50 + 1).to_bytes(16, "big")
            sp.span_id = (i + 1).to_bytes(8, "big")
            sp.name = f"s{i}"
            sp.start_time_unix_nano, sp.end_time_unix_nano = NOW - 10_000, NOW - 5_000
        # Refused on the wire count, before the 2M spans are materialised:
        # the peak of Python allocations stays near the 4 MB body (as objects,
        # 2M spans would take hundreds of MB). Memory, not time, so the check
        # does not depend on how busy the machine is.
        tracemalloc.start()
        try:
            results = await asyncio.gather(
                asyncio.to_thread(_pb_post, port, bomb, True),
                asyncio.to_thread(_pb_post, port, good_req.SerializeToString()),
                asyncio.to_thread(_pb_post, port, bomb, True),
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert [code for code, _ in results] == [413, 200, 413]
        assert b"more than" in results[0][1]
        assert mon.stats.rejected["too_many_items"] == 2
        assert peak < 64 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB while refusing"
    finally:
        await mon.stop()
    assert len(good_ids(Path(mon.config.db))) == 500
    assert mon.stats.rejected["too_many_items"] == 2


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


# -- depth: no O(depth) per span, no O(depth^2) per trace ---------------------------------
def test_a_deep_live_chain_builds_in_linear_time_and_prints_in_linear_size() -> None:
    from agenttrace_tui.analysis.critical_path import analyze
    from agenttrace_tui.analysis.tree import TreeBuilder
    from agenttrace_tui.commands.ascii_tree import render_tree, to_plain

    def chain(depth: int, count: bool) -> tuple[Store, int]:
        """Store and tree a live chain arriving in 40 frames; with ``count``, also the
        lines of the monitor's own code run meanwhile (a measure of work no load changes)."""
        store = Store(max_spans=100_000)
        builder = TreeBuilder()
        step = depth // 40
        lines = 0

        def local(frame: object, event: str, arg: object) -> object:
            nonlocal lines
            lines += event == "line"
            return local

        def calls(frame: types.FrameType, event: str, arg: object) -> object:
            return local if frame.f_code.co_filename.startswith(SRC) else None

        if count:
            sys.settrace(calls)
        try:
            for k in range(0, depth, step):  # a live chain, arriving a few hundred spans per frame
                batch = [Span(span_id=f"s{i}", trace_id="deep", session_id="s", name="x", start_ns=1_000 + i,
                              end_ns=None, parent_span_id=f"s{i - 1}" if i else None) for i in range(k, k + step)]
                store.apply(batch)
                tree = builder.build(store.traces["deep"])
            analyze(tree, now_ns=10**6)
        finally:
            sys.settrace(None)
        assert len(tree) == depth and tree.depth[-1] == depth - 1
        return store, lines

    # Linear work doubles with the depth; O(depth) per span (an ancestor walk)
    # would quadruple it -- at 20,000 spans, minutes of CPU.
    _, small = chain(1_000, count=True)
    _, double = chain(2_000, count=True)
    print(f"lines of the monitor's code run: depth 1,000 {small:,}; depth 2,000 {double:,} ({double / small:.2f}x)")
    assert double < 2.5 * small, (small, double)
    depth = 20_000
    store, _ = chain(depth, count=False)
    spans = list(store.traces["deep"].spans.values())
    out = to_plain(render_tree(spans, now_ns=10**6, attributes=False))
    assert len(out) < 300 * depth  # linear: a line never carries more than 32 guides
    assert "[+" in out.splitlines()[-1]


# -- cross-protocol: an HTTP POST to the native stream port stores nothing ------------------
async def test_an_http_post_to_the_native_tcp_port_is_refused_whole(tmp_path: Path) -> None:
    mon = Monitor(monitor_config(tmp_path))
    await mon.start()
    try:
        host, port = mon.receivers.tcp_address
        body = b"\n".join(msgspec.json.encode(r) for r in hostile()) + b"\n" + msgspec.json.encode(good(0, session="web"))
        # What fetch(url, {method: "POST", mode: "no-cors", body}) sends from a web page.
        request = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain;charset=UTF-8\r\n"
                   b"Origin: http://evil.example\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
        r, w = await asyncio.open_connection(host, port)
        w.write(request)
        await w.drain()
        assert await asyncio.wait_for(r.read(), 5) == b""  # closed on us, no answer
        w.close()
        _, w2 = await asyncio.open_connection(host, port)  # a real sender beside it
        w2.write(b"".join(msgspec.json.encode(good(i)) + b"\n" for i in range(20)))
        await w2.drain()
        w2.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and mon.store.span_count < 20:
            await asyncio.sleep(0.05)
    finally:
        await mon.stop()
    assert good_ids(Path(mon.config.db)) == {f"g{i}" for i in range(20)}
    assert mon.store.span_count == 20 and "evil" not in mon.store.sessions
    assert mon.stats.rejected["http_on_native_port"] == 1


# -- slowloris: stalled connections give way to real clients --------------------------------
async def test_slowloris_connections_give_way_to_a_real_otlp_client(tmp_path: Path) -> None:
    from agenttrace_tui.ingest import otlp_http

    mon = Monitor(monitor_config(tmp_path))
    await mon.start()
    port = mon.otlp.address[1]
    stalled = []
    try:
        for _ in range(otlp_http.MAX_CONNECTIONS):
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.write(b"P")  # then nothing: a head that never ends
            stalled.append(w)
        await asyncio.sleep(0.2)
        body = {"resourceSpans": [{
            "resource": {"attributes": [{"key": "session.id", "value": {"stringValue": "good"}}]},
            "scopeSpans": [{"spans": [_otlp_span(i) for i in range(10)]}],
        }]}
        assert await asyncio.to_thread(_otlp_post, port, body) == 200
        # It got in because a stalled connection gave way, not by waiting out a stall timeout.
        assert mon.stats.rejected["connection_evicted"] >= 1
        await asyncio.sleep(0.4)
    finally:
        for w in stalled:
            w.close()
        await mon.stop()
    assert len(good_ids(Path(mon.config.db))) == 10
    assert mon.stats.rejected["connection_evicted"] >= 1


# -- hostile text: sanitizer, CSV, JSON exports ---------------------------------------------
def test_invisible_and_line_breaking_characters_are_made_visible() -> None:
    from agenttrace_tui.format.sanitize import clean

    for ch in ("\u2060", "\u180e", "\U000e0041", "\u2028", "\u2029", "\u202e", "\x9b", "\u2064", "\u206a", "\u061c"):
        out = clean(f"a{ch}b")
        assert ch not in out and out.startswith("a\\") and out.endswith("b"), repr(out)


def test_exports_defuse_every_csv_cell_and_escape_controls_in_json() -> None:
    import csv as csvmod
    import io

    from agenttrace_tui.history.export import write_csv, write_json, write_otlp_json

    evil = "=HYPERLINK(\"http://x\")"
    span = Span(span_id=evil, trace_id="+1+1", session_id="@SUM(A1)", parent_span_id="-2", name="x\x9b[31m\u202e\u061c",
                start_ns=NOW, end_ns=NOW + 1, cost=Cost(total=0.1, source="reported"))
    buf = io.StringIO()
    write_csv(buf, [span])
    rows = list(csvmod.reader(io.StringIO(buf.getvalue())))
    for cell in rows[1]:
        assert cell[:1] not in ("=", "+", "-", "@"), cell
    for writer in (lambda o: write_json(o, [Session(id="@SUM(A1)", name="\u202e\x85")], [span]),
                   lambda o: write_otlp_json(o, {"@SUM(A1)": Session(id="@SUM(A1)")}, [span])):
        out = io.StringIO()
        writer(out)
        text = out.getvalue()
        assert not any(0x7F <= ord(c) <= 0x9F or c in "\u202e\u2028\u2029\u061c" for c in text)
        for line in text.splitlines():
            json.loads(line)  # still valid JSON, the same values


def test_an_otlp_span_without_times_is_not_running_since_1970() -> None:
    from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces

    body = [{"resource": {"attributes": []}, "scopeSpans": [{"spans": [
        {"traceId": "1" * 32, "spanId": "2" * 16, "name": "timeless"}]}]}]
    (chunk,) = list(convert_traces(body, True, Rejects(), lambda _t: None))
    (span,) = [u for u in chunk if isinstance(u, Span)]
    assert span.start_ns > NOW - 10**12 and span.end_ns == span.start_ns
    assert span.status.value != "running" and span.attributes["agenttrace.times_missing"] is True


# -- shutdown reads what the kernel already holds -------------------------------------------
@pytest.mark.parametrize("transport", ["tcp", "udp"])
async def test_stop_keeps_records_already_sent(tmp_path: Path, transport: str) -> None:
    mon = Monitor(monitor_config(tmp_path))
    await mon.start()
    n = 20_000 if transport == "tcp" else 2_000
    lines = [msgspec.json.encode(good(i)) for i in range(n)]

    def send() -> None:
        if transport == "tcp":
            with socket.create_connection(mon.receivers.tcp_address) as s:
                s.sendall(b"\n".join(lines) + b"\n")  # returns once the kernel holds it all
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for i in range(0, n, 20):  # 100 datagrams of 20 records: well within the UDP buffer
                s.sendto(b"[" + b",".join(lines[i:i + 20]) + b"]", mon.receivers.udp_address)
            s.close()

    await asyncio.to_thread(send)
    await mon.stop()  # at once: part of it is still in socket buffers
    assert good_ids(Path(mon.config.db)) == {f"g{i}" for i in range(n)}


# -- events per span are bounded, and merging them is linear ---------------------------------
def test_events_per_span_are_capped_and_cheap() -> None:
    from agenttrace_tui.model import AttachedEvent, SpanEvent
    from agenttrace_tui.store.merge import MAX_EVENTS_PER_SPAN

    store = Store()
    store.apply([Span(span_id="s", trace_id="t", session_id="x", name="n", start_ns=1, end_ns=None)])

    def events(lo: int, hi: int) -> list:
        return [AttachedEvent(trace_id="t", span_id="s", event=SpanEvent(name="e", time_ns=i)) for i in range(lo, hi)]

    store.apply(events(0, MAX_EVENTS_PER_SPAN))
    capped = store.traces["t"].spans["s"].events
    assert len(capped) == MAX_EVENTS_PER_SPAN and store.dropped_events == 0
    # Past the cap an event is counted and nothing is copied: the span keeps the
    # very same tuple, so each further event costs O(1), never a copy of the
    # events kept (20,000 events would otherwise copy ~200M references).
    store.apply(events(MAX_EVENTS_PER_SPAN, 20_000))
    span = store.traces["t"].spans["s"]
    assert span.events is capped
    assert store.dropped_events == 20_000 - MAX_EVENTS_PER_SPAN
    # A repeated report carrying more events merges without growing or copying them either.
    more = tuple(SpanEvent(name="late", time_ns=i) for i in range(5_000))
    store.apply([Span(span_id="s", trace_id="t", session_id="x", name="n", start_ns=1, end_ns=9, events=more)])
    span = store.traces["t"].spans["s"]
    assert span.events is capped and span.end_ns == 9


# -- memory: sessions and metric series are bounded -----------------------------------------
def test_many_tiny_sessions_and_series_stay_within_the_budget() -> None:
    from agenttrace_tui.model import Metric

    store = Store(max_spans=10_000)
    for k in range(0, 30_000, 1_000):
        batch: list = []
        for i in range(k, k + 1_000):
            batch.append(Session(id=f"s{i}", name=f"n{i}"))
            batch.append(Span(span_id="a", trace_id=f"t{i}", session_id=f"s{i}", name="x", start_ns=1, end_ns=2))
            batch.append(Metric(name="m", value=1.0, labels={"i": str(i)}, time_ns=1))
        store.apply(batch)
        # Sessions holding a trace in memory are bounded by the span budget; the rest by max_sessions.
        holding = sum(1 for e in store.sessions.values() if e.trace_ids)
        assert holding <= store.max_spans and len(store.sessions) - holding <= store.max_sessions
        assert len(store.metrics) <= store.max_series
        assert store.span_count <= store.max_spans
    assert store.evicted_sessions > 0 and store.evicted_series > 0
    assert "s29999" in store.sessions


# -- an OTLP 200 means the spans are on disk ------------------------------------------------
async def test_otlp_answers_200_only_once_the_spans_are_committed(tmp_path: Path) -> None:
    mon = Monitor(monitor_config(tmp_path))
    mon.config.db = str(tmp_path / "ack.db")
    await mon.start()
    try:
        mon.writer.interval_s = 3600  # no background flush: only the acknowledgement can write
        body = {"resourceSpans": [{
            "resource": {"attributes": [{"key": "session.id", "value": {"stringValue": "good"}}]},
            "scopeSpans": [{"spans": [_otlp_span(i) for i in range(100)]}],
        }]}
        assert await asyncio.to_thread(_otlp_post, mon.otlp.address[1], body) == 200
        assert len(good_ids(tmp_path / "ack.db")) == 100  # committed before the answer, read by another connection
        assert mon.writer._conn is not None
        await mon.writer._conn.execute("PRAGMA query_only=1")  # the database refuses writes now
        with pytest.raises(urllib.error.HTTPError) as err:
            await asyncio.to_thread(_otlp_post, mon.otlp.address[1], {"resourceSpans": [{
                "resource": {"attributes": [{"key": "session.id", "value": {"stringValue": "good"}}]},
                "scopeSpans": [{"spans": [_otlp_span(200 + i) for i in range(10)]}]}]})
        assert err.value.code == 503  # not acknowledged: the exporter retries
        await mon.writer._conn.execute("PRAGMA query_only=0")
    finally:
        await mon.stop()
    assert len(good_ids(tmp_path / "ack.db")) == 110  # held in memory, written once it could be


def test_headless_bookkeeping_follows_the_store() -> None:
    import io

    from agenttrace_tui.commands.headless import HeadlessPrinter

    store = Store(max_spans=1_000)
    printer = HeadlessPrinter(store, io.StringIO(), quiet_s=3600)  # never quiet: every trace stays "seen"
    for k in range(0, 50_000, 1_000):
        store.apply([Span(span_id="a", trace_id=f"t{i}", session_id="s", name="x", start_ns=1, end_ns=2)
                     for i in range(k, k + 1_000)])
        printer.poll()
        assert len(printer._seen) <= max(10_000, 2 * len(store.traces)) + 1_000
