"""The writer encodes rows in its own thread while the loop keeps changing spans.

The event loop hands the writer references to the store's live spans; the
rows are encoded in aiosqlite's thread while receivers go on merging later
reports into those same objects. These tests feed a real Store and Writer
(a real SQLite file) with spans that keep changing while batches are being
written, then check that what is on disk after ``close()`` is the final
state: every span's row equals the span in memory, every trace row equals
the store's totals, no span lost or counted twice.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import msgspec

from agenttrace_tui.model import AttachedEvent, LlmInfo, Span, SpanEvent, SpanKind, Status, TokenUsage
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.sqlite import Reader, Writer

_span_decoder = msgspec.msgpack.Decoder(Span)
ROUNDS = 30
TRACES = 24
SPANS_PER_TRACE = 10


def _report(r: int, t: int, i: int) -> Span:
    """Round ``r``'s report of span ``i`` of trace ``t``: a start first, then updates and an end."""
    sid = f"t{t}-s{i}"
    first = r == i % 5  # spans start at staggered rounds, the rest are later reports of them
    done = r >= ROUNDS - 5 - (t + i) % 7
    kw: dict = {}
    if i % 3 == 1:
        kw.update(kind=SpanKind.LLM_CALL, llm=LlmInfo(provider="openai", model=f"gpt-{(t + i) % 3}"),
                  usage=TokenUsage(input=100 + r, output=10 + r))
    return Span(
        span_id=sid,
        trace_id=f"trace-{t}",
        session_id=f"sess-{t % 4}",
        parent_span_id=None if i == 0 else f"t{t}-s0",
        name=f"step {i}" if first or i == 0 else "",
        start_ns=1_000_000 + t * 10_000 + i * 100,
        end_ns=(2_000_000 + t * 10_000 + i * 100 + r) if done else None,
        status=(Status.ERROR if (t + i) % 11 == 0 else Status.OK) if done else Status.RUNNING,
        attributes={"round": r, f"k{r % 4}": "x" * (r % 9)},
        **kw,
    )


async def test_spans_changed_while_the_thread_encodes_end_on_disk_as_in_memory(tmp_path: Path) -> None:
    store = Store(max_spans=100_000)
    # Small batches, flushed often: many transactions are in the thread while the loop feeds.
    w = Writer(store, tmp_path / "live.db", interval_s=0.005, max_batch=61, poll_s=0.002)
    await w.start()
    for r in range(ROUNDS):
        updates: list = []
        for t in range(TRACES):
            for i in range(SPANS_PER_TRACE):
                if r >= i % 5:
                    updates.append(_report(r, t, i))
            if r % 7 == 3:
                updates.append(AttachedEvent(trace_id=f"trace-{t}", span_id=f"t{t}-s1",
                                             event=SpanEvent(name=f"ev{r}", time_ns=3_000_000 + r)))
        # In slices, pausing a poll interval between them: the writer's background flush
        # wakes and its thread encodes while the next slices change the spans (with a
        # bare yield a fast machine fed whole rounds before the writer woke up).
        for k in range(0, len(updates), 50):
            store.apply(updates[k : k + 50])
            await asyncio.sleep(w.poll_s)
        if r % 10 == 0:
            await w.flush()
    await w.close()
    assert w.errors == 0 and w.dropped_spans == 0, w.last_error
    assert w.batches > 20, w.batches  # it really wrote while the spans were changing

    conn = sqlite3.connect(w.path)
    rows = {(tid, sid): body for tid, sid, body in conn.execute("SELECT trace_id, span_id, body FROM spans")}
    events = conn.execute("SELECT count(*) FROM span_events").fetchone()[0]
    conn.close()
    mem = {(s.trace_id, s.span_id): s for s in store.iter_spans()}
    assert len(mem) == TRACES * SPANS_PER_TRACE and set(rows) == set(mem)
    for key, span in mem.items():
        assert _span_decoder.decode(rows[key]) == span, key
    assert events == sum(len(s.events) for s in mem.values()) > 0
    with Reader(w.path) as reader:
        assert reader.span_count() == store.span_count
        for tid, entry in store.traces.items():
            row = reader.trace(tid)
            assert row is not None
            t = entry.totals
            assert (row.spans, row.errors, row.running, row.input_tokens, row.output_tokens) == (
                t.spans, t.errors, t.running, t.input_tokens, t.output_tokens), tid
            assert abs(row.cost - t.cost) < 1e-9
            assert (row.start_ns, row.end_ns) == (entry.start_ns, entry.end_ns)
