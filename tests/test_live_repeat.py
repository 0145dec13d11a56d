"""A span_end that repeats its span's fields (what our SDK sends) ends up as the span sent complete.

The SDK's span_end repeats every field of the span, so a lost span_start (UDP)
loses nothing but the span's liveness. The store merges such a report with
``merge_same`` (a copy of the stored span with what the report sets; a part
equal to the stored one is taken without a field-wise merge) and, when the end
changed nothing the totals count but what an end moves, settles the totals at
once as for a bare span_end. Here:

* ``merge_same`` gives exactly what ``merge_span`` gives, for any two reports of
  one span (hypothesis, from every kind of span record);
* spans made with the real SDK and sent to a real TCP socket on 127.0.0.1 (each
  kept running until its span_start was read from the socket) go through the
  real pipeline with pricing into a real SQLite file, the totals read between
  the starts and the ends; the same spans sent complete (the SDK's span_end
  *is* the complete span: every field, the end's too) give the same stored
  spans, totals and rows.
"""

from __future__ import annotations

import socket
from pathlib import Path

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.ingest.protocol import decode, encode
from agenttrace_tui.normalize.native import normalize
from agenttrace_tui.normalize.records import SpanEndRecord
from agenttrace_tui.sdk import Tracer
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.merge import merge_same, merge_span
from agenttrace_tui.store.sqlite import Reader, Writer
from test_live_spans import totals_of
from test_protocol import span_records


def _span(rec: object) -> object | None:
    """The record as the store gets it: decoded anew (its own objects), normalised."""
    (r,), _ = decode(encode(rec), max_bytes=1 << 20)
    spans, _ = normalize([r])
    return spans[0] if spans else None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(span_records, span_records, st.sampled_from(["other", "repeat", "repeat+end"]))
def test_merge_same_equals_merge_span(a: object, b: object, shape: str) -> None:
    if shape != "other":
        # b repeats a's fields as a span_end (the SDK's), with b's status, usage, tool and events when set
        fields = {k: v for k, v in msgspec.structs.asdict(a).items() if k != "end_ns"}
        if shape == "repeat+end":
            for f in ("status", "status_message", "usage", "tool", "events"):
                v = getattr(b, f)
                if v is not None and v != ():
                    fields[f] = v
        b = SpanEndRecord(**fields, end_ns=getattr(b, "end_ns", None) or a.start_ns or 0)
    olds = [_span(a), _span(a)]
    news = [_span(b), _span(b)]
    if olds[0] is None or news[0] is None:
        return  # refused by normalize: never reaches the store
    for new, old in zip(news, olds, strict=True):
        # The store's upsert: the newer report carries the stored span's ids.
        new.trace_id, new.span_id, new.session_id = old.trace_id, old.span_id, old.session_id
    want = merge_span(olds[0], news[0])
    got = merge_same(olds[1], news[1])
    assert msgspec.structs.asdict(got) == msgspec.structs.asdict(want)
    assert [type(v) for v in got.attributes.values()] == [type(v) for v in want.attributes.values()]


# -- the real SDK over a real socket -------------------------------------------------------
def _agent_spans(tracer: Tracer, read_line) -> None:
    """An agent's spans, each kept running until its span_start was read (so the SDK
    sends span_start, then a span_end that repeats the fields)."""

    def started(span: object) -> None:
        tracer.flush(5)
        while True:
            line = read_line()
            if b'"span_start"' in line and span.span_id.encode() in line:  # type: ignore[attr-defined]
                return

    with tracer.span("orchestrator", "agent", tenant="acme") as root:
        root.set_agent(name="orchestrator", iteration=1, state="running")
        started(root)
        for i in range(6):
            if i % 3 == 0:
                with tracer.span("chat claude-sonnet-4", "llm_call", step=i) as s:
                    s.set_llm(model="claude-sonnet-4", provider="anthropic", temperature=0.2, prompt="summarise")
                    started(s)
                    s.set_llm(stop_reason="end_turn", response="the cause is")
                    s.set_tokens(1000 + i, 50 + i, cache_read=100)
            elif i % 3 == 1:
                with tracer.span("bash", "tool_execution", step=i) as s:
                    s.set_tool(name="bash", action="run", target="make", input="make test")
                    started(s)
                    s.set_tool(status="error" if i == 4 else "ok", output="exit 1" if i == 4 else "ok")
                    if i == 4:
                        s.set_status("error", "exit 1", "1")
            else:
                with tracer.span("read file", "file_read", step=i) as s:
                    s.set_file(path=f"/a/{i}.md", operation="read")
                    s.add_event("opened", {"fd": 3})
                    started(s)
                    s.set_file(bytes=4096)
                    s.set_attribute("cached", i == 2)
        root.set_agent(state="done")


def _sdk_lines(tmp_path: Path) -> list[bytes]:
    """Every line the SDK wrote to a TCP socket on 127.0.0.1 (sessions left out)."""
    srv = socket.create_server(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    tracer = Tracer("repeat test", endpoint=f"tcp://127.0.0.1:{port}", set_global=False)
    conn, _ = srv.accept()
    conn.settimeout(10)
    reader = conn.makefile("rb")
    lines: list[bytes] = []

    def read_line() -> bytes:
        line = reader.readline()
        assert line, "the SDK closed the stream"
        lines.append(line.rstrip(b"\n"))
        return line

    try:
        _agent_spans(tracer, read_line)
        tracer.close()
        while line := reader.readline():
            lines.append(line.rstrip(b"\n"))
    finally:
        reader.close()
        conn.close()
        srv.close()
    return [line for line in lines if b'"type":"session"' not in line]


async def _run(path: Path, batches: list[list[bytes]]) -> Store:
    store = Store()
    pipe = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
    w = Writer(store, path, interval_s=3600)
    await w.start()
    for b in batches:
        assert pipe.feed_many(b, "tcp") == len(b)
        store.totals  # noqa: B018 - the read folds: the starts are counted as running
        await w.flush()
    await w.close()
    return store


async def test_sdk_start_then_repeated_end_equals_the_complete_span(tmp_path: Path) -> None:
    lines = _sdk_lines(tmp_path)
    starts = [x for x in lines if b'"type":"span_start"' in x]
    ends = [x for x in lines if b'"type":"span_end"' in x]
    events = [x for x in lines if b'"type":"event"' in x]
    assert len(starts) == len(ends) == 7 and not [x for x in lines if b'"type":"span"' in x]
    # The SDK's span_end repeats everything: as a complete span record it is the span.
    complete = [x.replace(b'"type":"span_end"', b'"type":"span"', 1) for x in ends]
    want = await _run(tmp_path / "complete.db", [complete])
    got = await _run(tmp_path / "live.db", [starts + events, ends[:3], ends[3:]])
    assert got.totals.running == 0 and got.totals.spans == 7 and got.totals.cost > 0
    for w in want.iter_spans():
        g = got.span(w.trace_id, w.span_id)
        assert g is not None
        assert msgspec.structs.asdict(g) == msgspec.structs.asdict(w), w.name
    assert totals_of(got.totals) == totals_of(want.totals)
    for tid in want.traces:
        assert totals_of(got.traces[tid].totals) == totals_of(want.traces[tid].totals)
    for sid in want.sessions:
        assert totals_of(got.sessions[sid].totals) == totals_of(want.sessions[sid].totals)
    with Reader(tmp_path / "complete.db") as a, Reader(tmp_path / "live.db") as b:
        for tid in want.traces:
            assert b.spans_of_trace(tid) == a.spans_of_trace(tid)
            assert msgspec.structs.asdict(b.trace(tid)) == msgspec.structs.asdict(a.trace(tid))
