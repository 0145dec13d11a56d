"""A span_end that brings typed parts, for a span the totals counted as running, stores what the general merge stores.

Over a stream our SDK's span_end carries the typed parts that changed since
its span_start (a model call's response and usage, a tool's status and
output, ...). When the totals were read while the span ran, the store takes
such an end by a short path (``SpanUpserts._end_report``); otherwise by the
general merge (``_merge_report``). Here the same start and end go through the
real pipeline with pricing, once with the totals read between them (the short
path) and once without (the general merge): the stored span, the trace's,
session's and global totals must be the same, and equal a recount of the
stored spans from scratch; the trace indexes the call under the usage the end brought.
A trace's other spans are stored as well, and the
end is also sent for a start the store never got.
"""

from __future__ import annotations

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import LlmInfo, TokenUsage
from agenttrace_tui.normalize.records import SpanEndRecord, SpanStartRecord
from agenttrace_tui.store.memory import Store
from test_live_spans import totals_of
from test_protocol import span_fields
from test_store_totals import check

TID, SID, ROOT = "a" * 32, "b" * 16, "c" * 16
T0 = 1_700_000_095_000_000_000

#: A model call's part: one the price table knows (priced), or anything (unpriced, or refused by the door).
llms = st.one_of(span_fields["llm"], st.builds(LlmInfo, provider=st.sampled_from(["openai", "anthropic", None]),
                                               model=st.sampled_from(["gpt-4o", "claude-sonnet-4", None]),
                                               stop_reason=st.sampled_from([None, "end_turn"]),
                                               response_preview=st.sampled_from([None, "done"])))
#: Usage: anything, or what a model call reports (counted, priced, indexed as a call key).
usages = st.one_of(span_fields["usage"], st.builds(TokenUsage, input=st.integers(1, 5000), output=st.integers(1, 500)))
kinds = st.sampled_from(["llm_call", "llm_call", "llm_call", "tool_execution", "agent", "retrieval", "file_read",
                         "task", "custom"])
starts = st.builds(SpanStartRecord, v=st.just(1), trace_id=st.just(TID), span_id=st.just(SID), session_id=st.just("sess"),
                   name=st.sampled_from(["chat", "bash", "step"]), kind=kinds, start_ns=st.just(T0),
                   parent_span_id=st.sampled_from([None, ROOT]), llm=llms, tool=span_fields["tool"],
                   agent=span_fields["agent"], rag=span_fields["rag"], file=span_fields["file"],
                   usage=usages,
                   attributes=st.sampled_from([{}, {"gen_ai.response.id": "resp-1"}, {"request_id": ""}]))
#: What an end may bring: typed parts, usage, its time and status (no kind, name, attributes, events or cost).
ends = st.builds(SpanEndRecord, v=st.just(1), trace_id=st.just(TID), span_id=st.just(SID),
                 end_ns=st.integers(T0, T0 + 120_000_000_000), status=st.sampled_from([None, "ok", "error"]),
                 status_message=st.sampled_from([None, "exit 1"]), llm=llms, tool=span_fields["tool"],
                 agent=span_fields["agent"], rag=span_fields["rag"], file=span_fields["file"],
                 usage=usages)


def _lines(*recs: object) -> list[bytes]:
    return [msgspec.json.encode(r) for r in recs]


def _totals(t: object) -> dict:
    """``totals_of``, the total's, each bucket's and each minute's cost rounded to a billionth of a dollar: an
    amount summed in another order may differ in its last bits, and a running call counted with
    millions of estimated tokens, then taken back, leaves an error of the size of those dollars'
    last bit (~1e-12 after $8,000 came and went)."""
    out = totals_of(t)  # type: ignore[arg-type]
    out["totals"]["cost"] = round(out["totals"]["cost"], 9)
    for b in out["by"].values():
        b["cost"] = round(b["cost"], 9)
    for point in out["series"].values():
        point[0] = round(point[0], 9)
    return out


def _store(batches: list[list[bytes]], read_between: bool) -> Store:
    store = Store()
    pipe = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
    for b in batches:
        pipe.feed_many(b, "tcp")
        if read_between:
            store.totals  # noqa: B018 - the read folds: the running span is counted as running
    return store


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(starts, ends, st.booleans())
def test_an_end_with_parts_stores_what_the_general_merge_stores(start: SpanStartRecord, end: SpanEndRecord,
                                                                with_root: bool) -> None:
    root = SpanStartRecord(v=1, trace_id=TID, span_id=ROOT, session_id="sess", name="orchestrator", kind="agent",
                           start_ns=T0 - 1_000)
    first = _lines(root, start) if with_root else _lines(start)
    short = _store([first, _lines(end)], read_between=True)
    general = _store([first, _lines(end)], read_between=False)
    got, want = short.span(TID, SID), general.span(TID, SID)
    if want is None:
        assert got is None  # refused by the door (a part out of range, ...): both alike
        return
    assert got is not None
    assert msgspec.structs.asdict(got) == msgspec.structs.asdict(want)
    assert _totals(short.totals) == _totals(general.totals)
    # ... and the keys under which a second report of the call would be found (store.calls):
    # those of its start, and the usage the end brought. (An end that changed no usage
    # leaves the index as the start left it; the general merge indexes the call again.)
    calls = short.traces[TID].calls or {}
    assert (_store([first], read_between=True).traces[TID].calls or {}).items() <= calls.items()
    if start.usage is None and end.usage is not None:
        assert calls == (general.traces[TID].calls or {})
    assert _totals(short.traces[TID].totals) == _totals(general.traces[TID].totals)
    assert _totals(short.sessions["sess"].totals) == _totals(general.sessions["sess"].totals)
    check(short.totals, list(short.iter_spans()), "short path")
    check(short.traces[TID].totals, list(short.iter_spans()), "short path, trace")


def test_an_end_with_parts_alone_stores_a_span_priced_by_its_parts() -> None:
    """The start never reached the store (lost, or its trace evicted): the end alone is a
    span that ended when it did, zero-length, with the parts and usage it carried, priced."""
    end = {"v": 1, "type": "span_end", "trace_id": TID, "span_id": SID, "end_ns": T0, "status": "ok",
           "llm": {"provider": "openai", "model": "gpt-4o", "response_preview": "done"},
           "usage": {"input": 1000, "output": 100}}
    store = _store([_lines(end)], read_between=True)
    span = store.span(TID, SID)
    assert span is not None
    assert span.start_ns == span.end_ns == T0 and span.llm is not None and span.llm.model == "gpt-4o"
    assert span.usage is not None and span.usage.input == 1000
    assert span.cost is not None and span.cost.source == "computed" and span.cost.total
    check(store.totals, [span], "end alone")
