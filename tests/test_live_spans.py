"""A live span (span_start, then a bare span_end) ends up as the same span sent complete.

The native pipeline takes short paths for the bare span_end that ends a live
span (normalize, the store's merge, the totals' fold). Here the same spans go
through the real pipeline twice, from encoded wire lines -- once complete,
once as span_start + span_end with the totals read in between (as the UI
reads them while the spans run) -- with pricing on, into a real SQLite file:
the stored spans, every total and the persisted rows must be the same.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.ingest.hold import HOLD_S
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.store.aggregates import Totals
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.sqlite import Reader, Writer

T0 = 1_700_000_095_000_000_000  # 5 s before a minute boundary: an LLM call ends in the next minute


def records() -> list[dict]:
    """Complete span records of every shape a live span takes: LLM calls with
    usage (priced, one with the agent's own cost), a failing tool, an agent root,
    spans that end in the next minute, one with a status message and code."""
    out: list[dict] = []
    for t in range(3):
        tid = f"{t + 1:032x}"
        root = f"{t + 1:015x}0"
        base = T0 + t * 1_000_000
        out.append({"v": 1, "type": "span", "trace_id": tid, "span_id": root, "session_id": "sess",
                    "name": "orchestrator", "kind": "agent", "start_ns": base, "end_ns": base + 30_000_000_000,
                    "agent": {"name": "orchestrator", "iteration": 1}, "attributes": {"tenant": "acme"}})
        for i in range(1, 9):
            start = base + i * 3_000_000_000
            rec: dict = {"v": 1, "type": "span", "trace_id": tid, "span_id": f"{t + 1:08x}{i:08x}",
                         "session_id": "sess", "parent_span_id": root, "start_ns": start,
                         "end_ns": start + (i % 4 + 1) * 2_000_000_000, "attributes": {"step": i}}
            if i % 3 == 1:
                rec.update(name="chat claude-sonnet-4", kind="llm_call",
                           llm={"provider": "anthropic", "model": "claude-sonnet-4", "prompt_preview": "hi"},
                           usage={"input": 1000 + i, "output": 50 + i, "cache_read": 100})
                if i == 4:
                    rec["cost"] = {"total": 0.5, "input": 0.4, "output": 0.1}
            elif i % 3 == 2:
                rec.update(name="bash", kind="tool_execution", tool={"name": "bash", "action": "run"})
                if i == 5:
                    rec.update(status="error", status_message="exit 1", status_code="1")
            else:
                rec.update(name="read file", kind="file_read", file={"path": f"/a/{i}.md", "operation": "read"})
            out.append(rec)
    return out


def live(recs: list[dict]) -> tuple[list[dict], list[dict]]:
    """The same spans as span_start records, and the bare span_end records that end them."""
    starts, ends = [], []
    for r in recs:
        s = dict(r, type="span_start")
        del s["end_ns"]
        starts.append(s)
        end = {"v": 1, "type": "span_end", "trace_id": r["trace_id"], "span_id": r["span_id"], "end_ns": r["end_ns"]}
        if "status" in r:
            end.update(status=r["status"], status_message=r["status_message"], status_code=r["status_code"])
        else:
            end["status"] = "ok"
        ends.append(end)
    return starts, ends


def lines(recs: list[dict]) -> list[bytes]:
    enc = msgspec.json.Encoder()
    return [enc.encode(r) for r in recs]


def totals_of(t: Totals) -> dict:
    by = {k: msgspec.structs.asdict(b) if hasattr(b, "__struct_fields__") else {f: getattr(b, f) for f in b.__slots__}
          for k, b in t.by.items()}
    plain = {f: getattr(t, f) for f in Totals.__slots__ if f not in ("sigs", "_by", "series")}
    plain["cost"] = round(plain["cost"], 12)
    series = {m: [round(p[0], 12), p[1]] for m, p in t.series.items()}
    return {"totals": plain, "by": by, "series": series}


async def run(path: Path, batches: list[list[bytes]], read_between: bool, hold: str = "off") -> tuple[Store, Path]:
    """The batches through the pipeline into a fresh store and a database file. ``hold``: the pipeline
    holds each span_start for its end (as the monitor runs it) on a clock that stands still
    (``"within"``: every end comes in time) or moves past the hold after each batch (``"past"``:
    every start is stored running before its end comes); ``"off"``: nothing is held."""
    store = Store()
    pipe = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
    now = [0.0]
    called: list[float] = []
    if hold != "off":
        pipe.hold(lambda delay, _call: called.append(delay), clock=lambda: now[0])
    w = Writer(store, path, interval_s=3600)
    await w.start()
    for b in batches:
        assert pipe.feed_many(b, "tcp") == len(b)
        if hold == "past":
            now[0] += HOLD_S
            pipe.release(due_only=True)  # what the call back does, their time up
            assert pipe.holding is not None and not pipe.holding.held
        if read_between:
            store.totals  # noqa: B018 - the read folds: the starts are counted as running
            await w.flush()
    assert pipe.holding is None or not pipe.holding.held
    assert bool(called) == (hold != "off")  # a start held asks to be called back when its time is up
    await w.flush()
    await w.close()
    return store, path


@pytest.mark.parametrize("hold", ["off", "within", "past"])
async def test_start_then_bare_end_equals_the_complete_span(tmp_path: Path, hold: str) -> None:
    recs = records()
    starts, ends = live(recs)
    complete, _ = await run(tmp_path / "complete.db", [lines(recs)], read_between=False)
    store, _ = await run(tmp_path / "live.db", [lines(starts[:14]), lines(starts[14:] + ends[:10]), lines(ends[10:])],
                         read_between=True, hold=hold)
    assert store.totals.running == 0 and store.totals.spans == len(recs)
    # Held, each live span is stored once: its start and end as one report.
    assert store.updates == (len(recs) if hold == "within" else 2 * len(recs))
    for want in complete.iter_spans():
        got = store.span(want.trace_id, want.span_id)
        assert got is not None
        assert msgspec.structs.asdict(got) == msgspec.structs.asdict(want), want.span_id
    assert totals_of(store.totals) == totals_of(complete.totals)
    assert store.totals.errors == 3 and store.totals.cost > 0
    # Every LLM call ended after the minute boundary, the first one started
    # before it: its spend, counted in its start minute while it ran, moved.
    assert list(store.totals.series) == [T0 // 60_000_000_000 + 1]
    for tid in complete.traces:
        assert totals_of(store.traces[tid].totals) == totals_of(complete.traces[tid].totals)
    assert totals_of(store.sessions["sess"].totals) == totals_of(complete.sessions["sess"].totals)
    # ... and on disk: the same rows, the same trace summaries
    with Reader(tmp_path / "complete.db") as a, Reader(tmp_path / "live.db") as b:
        for tid in complete.traces:
            assert b.spans_of_trace(tid) == a.spans_of_trace(tid)
            ta, tb = a.trace(tid), b.trace(tid)
            assert msgspec.structs.asdict(tb) == msgspec.structs.asdict(ta)
