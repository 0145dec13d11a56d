"""A span_end that says only how its span ended is a ``SpanEnd``, and the store ends the span with it.

Normalisation turns such a record into a ``SpanEnd`` (not a whole report of
the span) and the store applies a run of them in a loop of its own. These
tests hold that lane to the path every other report of a span takes: the
same traffic, once with its ends as ``SpanEnd`` and once with each end as
the report of its span it stands for (``SpanEnd.as_span``), through the real
pipeline with pricing on, must leave the same spans and the same totals --
whatever order starts, ends (bare, or bringing what changed, a call's usage
as our SDK's ends do), repeats, reads and folded call twins come in -- and
totals equal to a fresh count of the spans kept.
It also holds for what reaches a file: an import of such records, and the
rows the writer persists.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import msgspec
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from agenttrace_tui.commands.importer import import_file
from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.ingest.protocol import decode
from agenttrace_tui.model import Cost, LlmInfo, Span, SpanEnd, SpanKind, Status, TokenUsage, ToolInfo, Update
from agenttrace_tui.normalize.native import normalize
from agenttrace_tui.store.aggregates import Totals, counted
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.sqlite import Reader
from test_live_spans import T0, live, records, totals_of

TRACES = ("a" * 32, "b" * 32)
#: Span shapes by index: a priced model call, a tool, a model call that reports no tokens (at its
#: start: its end may bring them), an agent, a second priced call, a second call with no tokens.
SHAPES = ("llm", "tool", "llm-no-usage", "agent", "llm", "llm-no-usage")


def _start(t: int, i: int, with_end: int | None = None, response_id: str | None = None) -> Span:
    shape = SHAPES[i % len(SHAPES)]
    span = Span(span_id=f"{t}-{i}", trace_id=TRACES[t], session_id=f"sess-{t % 2}", name=shape,
                start_ns=T0 + i * 1_000_000_000, end_ns=with_end,
                parent_span_id=None if i == 0 else f"{t}-0")
    if shape.startswith("llm"):
        span.kind = SpanKind.LLM_CALL
        span.llm = LlmInfo(provider="anthropic", model="claude-sonnet-4")
        if shape == "llm":
            span.usage = TokenUsage(input=1000 + i, output=50 + i, total=1050 + 2 * i, cache_read=10)
        if response_id is not None:
            span.attributes = {"gen_ai.response.id": response_id}
    elif shape == "tool":
        span.kind = SpanKind.TOOL_EXECUTION
        span.tool = ToolInfo(name="bash", call_id=f"call-{t}-{i}")
    else:
        span.kind = SpanKind.AGENT
    return span


def _end_report(t: int, i: int, status: Status, after: int, tokens: int | None, model: str) -> Span:
    """A span_end that repeats the parts that changed (no session, name or start)."""
    shape = SHAPES[i % len(SHAPES)]
    span = Span(span_id=f"{t}-{i}", trace_id=TRACES[t], session_id="", name="", start_ns=0,
                end_ns=T0 + i * 1_000_000_000 + after, status=status)
    if shape.startswith("llm"):
        span.llm = LlmInfo(provider="anthropic", model=model, stop_reason="end_turn")
        if tokens is not None:
            span.usage = TokenUsage(input=300 * tokens, output=40 + tokens, total=340 + 301 * tokens, reasoning=tokens)
    elif shape == "tool":
        span.tool = ToolInfo(name="bash", call_id=f"call-{t}-{i}", status="error" if status is Status.ERROR else "ok")
    return span


ops = st.lists(
    st.one_of(
        st.tuples(st.just("start"), st.integers(0, 1), st.integers(0, 5)),
        st.tuples(st.just("end"), st.integers(0, 1), st.integers(0, 5),
                  st.sampled_from([Status.OK, Status.ERROR, Status.TIMEOUT]),
                  st.integers(0, 90_000_000_000), st.sampled_from([None, "", "exit 1"])),
        # An end that carries what changed, as our SDK sends one over a stream: a call's usage
        # (none, or another count), its model (the same, or another), a tool's status.
        st.tuples(st.just("end-report"), st.integers(0, 1), st.integers(0, 5),
                  st.sampled_from([Status.OK, Status.ERROR]), st.integers(0, 90_000_000_000),
                  st.sampled_from([None, 1, 2]), st.sampled_from(["claude-sonnet-4", "gpt-4o"])),
        st.tuples(st.just("complete"), st.integers(0, 1), st.integers(0, 5)),
        # A second report of span 0's model call under another id (the store folds it into span 0).
        st.tuples(st.just("twin"), st.integers(0, 1), st.integers(6, 7)),
        st.tuples(st.just("read"), st.integers(0, 1), st.integers(0, 0)),
    ),
    min_size=1, max_size=40,
)


def _traffic(plan: list[tuple]) -> list[list[Update] | None]:
    """The plan as batches of updates (``None``: read the totals, which folds them)."""
    out: list[list[Update] | None] = [[]]
    for op, t, i, *rest in plan:
        batch = out[-1]
        assert batch is not None
        if op == "start":
            batch.append(_start(t, i))
        elif op == "end":
            status, after, message = rest
            batch.append(SpanEnd(TRACES[t], f"{t}-{i}", T0 + i * 1_000_000_000 + after, status,
                                 message, "1" if message else None))
        elif op == "end-report":
            batch.append(_end_report(t, i, *rest))
        elif op == "complete":
            batch.append(_start(t, i, with_end=T0 + i * 1_000_000_000 + 5))
        elif op == "twin":
            # Span 0 of trace t is a model call when it is stored as "llm": the twin shares its response id.
            first = _start(t, 0, response_id=f"resp-{t}")
            twin = _start(t, 0, with_end=T0 + 2_000_000_000, response_id=f"resp-{t}")
            twin.span_id = f"{t}-{i}"
            twin.parent_span_id = None
            batch += [first, twin, SpanEnd(TRACES[t], f"{t}-{i}", T0 + 3_000_000_000)]
        else:
            out += [None, []]
    return out


def _run(traffic: list[list[Update] | None], as_reports: bool, priced: bool = True) -> Store:
    """The traffic through the real pipeline, priced by the monitor or (``priced`` false) with the
    costs the calls report (enrichment then leaves a call's usage and cost as they came)."""
    store = Store()
    if priced:
        pipe = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
    else:
        pipe = Pipeline(store)
    for batch in traffic:
        if batch is None:
            store.totals  # noqa: B018 - the read folds: what runs is counted as running
            continue
        # Fresh objects each run: the store keeps (and may change) what it is given.
        updates = [msgspec.structs.replace(u) if isinstance(u, Span) else u for u in batch]
        if as_reports:
            updates = [u.as_span() if isinstance(u, SpanEnd) else u for u in updates]
        if not priced:
            for u in updates:
                if isinstance(u, Span) and u.usage is not None:
                    u.cost = Cost(total=u.usage.input * 3e-6 + u.usage.output * 1.5e-5, source="reported")
        pipe.apply(updates)
    return store


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops)
# A running call whose end takes the only spend of the minute it started in to a later one.
@example([("start", 0, 0), ("read", 0, 0), ("end", 0, 0, Status.OK, 80_000_000_000, None)])
# A running call that counted no tokens, whose end brings them in a later minute.
@example([("start", 0, 2), ("read", 0, 0), ("end-report", 0, 2, Status.ERROR, 80_000_000_000, 1, "claude-sonnet-4"),
          ("read", 0, 0), ("end-report", 0, 2, Status.OK, 5, 2, "claude-sonnet-4")])
# A running call that counted its tokens, whose end brings other counts.
@example([("start", 0, 4), ("read", 0, 0), ("end-report", 0, 4, Status.OK, 5, 1, "claude-sonnet-4")])
# Two such calls of one trace ending between two reads.
@example([("start", 1, 2), ("start", 1, 5), ("read", 0, 0), ("end-report", 1, 2, Status.OK, 5, 1, "claude-sonnet-4"),
          ("end-report", 1, 5, Status.OK, 5, 2, "claude-sonnet-4")])
# One ending bare, one bringing tokens, under one signature, beside a priced call's spend that minute.
@example([("complete", 0, 0), ("start", 0, 2), ("start", 0, 5), ("read", 0, 0), ("end", 0, 5, Status.OK, 5, None),
          ("end-report", 0, 2, Status.OK, 5, 1, "claude-sonnet-4")])
def test_span_ends_leave_what_the_same_ends_as_reports_leave(plan: list[tuple]) -> None:
    traffic = _traffic(plan)
    lane, reports = _run(traffic, as_reports=False), _run(traffic, as_reports=True)
    assert sorted(lane.traces) == sorted(reports.traces)
    for want in reports.iter_spans():
        got = lane.span(want.trace_id, want.span_id)
        assert got is not None, want.span_id
        assert msgspec.structs.asdict(got) == msgspec.structs.asdict(want), want.span_id
    assert lane.span_count == reports.span_count
    assert totals_of(lane.totals) == totals_of(reports.totals)
    for tid, trace in reports.traces.items():
        mine = lane.traces[tid]
        assert totals_of(mine.totals) == totals_of(trace.totals), tid
        assert (mine.start_ns, mine.end_ns, mine.root_id, mine.session_id) == (
            trace.start_ns, trace.end_ns, trace.root_id, trace.session_id)
        assert mine.children == trace.children
    for sid, session in reports.sessions.items():
        assert totals_of(lane.sessions[sid].totals) == totals_of(session.totals), sid
        assert (lane.sessions[sid].first_ns, lane.sessions[sid].last_ns) == (session.first_ns, session.last_ns)
    # And both are what the spans they keep add up to, counted afresh; with reported costs
    # too, where a running call's end moves its spend to the minute it ended in.
    for store in (lane, _run(traffic, as_reports=False, priced=False)):
        assert _rounded(store.totals) == _rounded(_recount(store.iter_spans()))
        for trace in store.traces.values():
            assert _rounded(trace.totals) == _rounded(_recount(trace.spans.values())), trace.trace_id
        for sid, session in store.sessions.items():
            spans = [s for tid in session.trace_ids for s in store.traces[tid].spans.values()]
            assert _rounded(session.totals) == _rounded(_recount(spans)), sid


def _recount(spans: Iterable[Span]) -> Totals:
    """Totals of ``spans`` counted from scratch, one ``counted`` each."""
    out = Totals()
    for span in spans:
        out.fold(counted(span), 1)
    return out


def _rounded(t: Totals) -> dict:
    """``totals_of`` with every float rounded: a recount adds the costs in another order."""
    got = totals_of(t)
    got["by"] = {k: {f: round(v, 12) if isinstance(v, float) else v for f, v in b.items()} for k, b in got["by"].items()}
    return got


def test_a_bare_span_end_record_is_a_span_end_and_one_naming_more_is_a_span() -> None:
    _, ends = live(records())
    enc = msgspec.json.Encoder()
    decoded, rejects = decode(b"[" + b",".join(enc.encode(e) for e in ends) + b"]")
    assert rejects == []
    updates, bad = normalize(decoded)
    assert bad == [] and len(updates) == len(ends)
    assert all(type(u) is SpanEnd for u in updates)
    assert [(u.trace_id, u.span_id, u.end_ns, u.status.value) for u in updates] == [
        (e["trace_id"], e["span_id"], e["end_ns"], e["status"]) for e in ends]
    # Naming its session, parent or start (or anything but how it ended) makes it a report of the span.
    for extra in ({"session_id": "s"}, {"parent_span_id": "p"}, {"start_ns": 1}, {"name": "n"}):
        (rec,), _ = decode(enc.encode({**ends[0], **extra}))
        (u,), _ = normalize([rec])
        assert type(u) is Span, extra


def test_a_span_end_out_of_range_is_refused_alone_and_counted() -> None:
    store = Store()
    pipe = Pipeline(store)
    start = {"v": 1, "type": "span_start", "trace_id": "t" * 32, "span_id": "s1", "name": "work", "start_ns": T0}
    bad_end = {"v": 1, "type": "span_end", "trace_id": "t" * 32, "span_id": "s1", "end_ns": 2**62}
    good_end = {"v": 1, "type": "span_end", "trace_id": "t" * 32, "span_id": "s2", "end_ns": T0 + 5}
    enc = msgspec.json.Encoder()
    assert pipe.feed_many([enc.encode(start), enc.encode(bad_end), enc.encode(good_end)], "tcp") == 2
    assert pipe.stats.rejected["bad_time"] == 1
    (why,) = pipe.stats.recent  # inspectable, with the record it came from
    assert why.reason == "bad_time" and "'s1'" in why.detail and str(2**62) in why.preview
    assert store.span("t" * 32, "s1").end_ns is None  # still running: the bad end changed nothing
    # An end whose start never came is a zero-length span, as a span_end alone always was.
    alone = store.span("t" * 32, "s2")
    assert (alone.start_ns, alone.end_ns, alone.name) == (T0 + 5, T0 + 5, "")


def test_an_import_of_starts_and_bare_ends_stores_the_ended_spans(tmp_path: Path) -> None:
    recs = records()
    starts, ends = live(recs)
    src = tmp_path / "live.jsonl"
    enc = msgspec.json.Encoder()
    src.write_bytes(b"\n".join(enc.encode(r) for r in starts + ends) + b"\n")
    stats = import_file(src, tmp_path / "x.db")
    assert stats.spans == len(recs)
    with Reader(tmp_path / "x.db") as r:
        for rec in recs:
            got = {s.span_id: s for s in r.spans_of_trace(rec["trace_id"])}[rec["span_id"]]
            assert (got.name, got.start_ns, got.end_ns) == (rec["name"], rec["start_ns"], rec["end_ns"])
            assert got.status.value == rec.get("status", "ok")
