"""The store's batch path stores exactly what the one-span path stores.

``Store.apply`` takes a batch's spans in one loop and stores a new span inline
(``SpanUpserts._upsert_spans``); every other span goes through
``_upsert_span``. Fed the same random reports (complete spans, span_start +
span_end, repeats, call twins, spans naming another session, events), a store
whose every span takes ``_upsert_span`` must end in the same state: spans,
tree, roots, times, call index, change marks, counts and totals. And the fold's
shortcut for new spans (``Totals.add_new``) must add exactly what
``fold(counted(span), 1)`` adds, and keep ``counted(span)`` for each one still running.
"""

from __future__ import annotations

import random

import msgspec
import pytest

from agenttrace_tui.model import (
    AgentInfo,
    Cost,
    LlmInfo,
    Span,
    SpanKind,
    Status,
    TokenUsage,
    ToolInfo,
    counted_cost,
    span_flags,
)
from agenttrace_tui.store.aggregates import NS_PER_MIN, Totals, counted
from agenttrace_tui.store.memory import Store
from test_store_totals import MODELS, TOOLS, Sender, check_store, price


class OneByOne(Store):
    """The reference: every span through ``_upsert_span``, as before the batch path."""

    def _upsert_spans(self, updates: list, start: int = 0) -> int:
        i = start
        for u in updates[start:]:
            if not isinstance(u, Span):
                return i
            self._upsert_span(u)
            i += 1
        return i


def _fresh(batch: list) -> list:
    """The same updates with every string a new object, as a decoder hands them over."""
    return [msgspec.json.decode(msgspec.json.encode(u), type=type(u)) for u in batch]


def _batches(seed: int, sender_class: type = Sender, steps: int = 500, reads: float = 0.25) -> list[list]:
    """What ``sender_class`` sends in ``steps`` steps, cut into reads (a read ends after a step with odds ``reads``)."""
    rnd = random.Random(seed)
    sender = sender_class(rnd)
    out: list[list] = []
    batch: list = []
    for _ in range(steps):
        batch += sender.next()
        if rnd.random() < reads:
            out.append(_fresh(batch))
            batch = []
    out.append(_fresh(batch))
    return out


def _state(store: Store) -> dict:
    enc = msgspec.to_builtins
    traces = {}
    for tid, t in store.traces.items():
        traces[tid] = {
            "session": t.session_id,
            "spans": {sid: enc(s) for sid, s in t.spans.items()},
            "order": list(t.spans),
            "children": {k: list(v) for k, v in t.children.items()},
            "root": t.root_id, "start": t.start_ns, "end": t.end_ns, "version": t.version,
            "calls": dict(t.calls) if t.calls is not None else None,
            "aliases": dict(t.aliases) if t.aliases is not None else None,
            # strings shared, not only equal (memory): a child's parent id, names, models
            "shared": sorted(sid for sid, s in t.spans.items()
                             if s.parent_span_id in t.spans and s.parent_span_id is t.spans[s.parent_span_id].span_id),
            "interned": sorted(sid for sid, s in t.spans.items()
                               if s.name is store._names.get(s.name)
                               and (s.llm is None or (s.llm.model is store._names.get(s.llm.model)
                                                      and s.llm.provider is store._names.get(s.llm.provider)))),
        }
    sessions = {sid: (list(e.trace_ids), e.first_ns, e.last_ns, e.version) for sid, e in store.sessions.items()}
    dirty = {(tid, sid): enc(v) for tid, changed in store._dirty_spans.items() for sid, v in changed.items()}
    assert store.dirty_count == len(dirty)  # the count kept as spans are marked: each changed span once
    return {"traces": traces, "sessions": sessions, "dirty": dirty, "span_count": store.span_count,
            "events": store.dropped_events, "hook_errors": dict(store.hook_errors)}


def _totals(t: Totals) -> tuple:
    return (tuple(getattr(t, k) for k in Totals.__slots__ if k not in ("sigs", "_by", "series")),
            dict(t.sigs), {m: list(p) for m, p in t.series.items()})


def _failing(span: Span) -> None:
    if span.kind is SpanKind.TOOL_EXECUTION:
        raise RuntimeError("no price")
    price(span)


@pytest.mark.parametrize("hook", [None, price, _failing], ids=["unpriced", "priced", "failing"])
@pytest.mark.parametrize("seed", range(10))
def test_batch_path_stores_what_the_one_span_path_stores(seed: int, hook) -> None:
    fast = Store(max_spans=100_000, span_hook=hook)
    ref = OneByOne(max_spans=100_000, span_hook=hook)
    rnd = random.Random(1000 + seed)
    for b_fast, b_ref in zip(_batches(seed), _batches(seed), strict=True):
        fast.apply(b_fast)
        ref.apply(b_ref)
        assert _state(fast) == _state(ref)
        if rnd.random() < 0.4:
            assert _totals(fast.totals) == _totals(ref.totals)
    assert _totals(fast.totals) == _totals(ref.totals)
    for tid, t in fast.traces.items():
        assert _totals(t.totals) == _totals(ref.traces[tid].totals)
    for sid, e in fast.sessions.items():
        assert _totals(e.totals) == _totals(ref.sessions[sid].totals)
    check_store(fast)


def _spans(rnd: random.Random, n: int) -> list[Span]:
    out = []
    for i in range(n):
        start = 1_700_000_000_000_000_000 + rnd.randrange(0, 5 * NS_PER_MIN)
        kw: dict = {"span_id": f"s{i}", "trace_id": "t", "session_id": "x", "name": "n", "start_ns": start,
                    "end_ns": start + rnd.randrange(-NS_PER_MIN, 3 * NS_PER_MIN),
                    "kind": rnd.choice(list(SpanKind)),
                    "status": rnd.choice(list(Status))}
        if rnd.random() < 0.6:
            prov, model = rnd.choice(MODELS)
            kw["llm"] = LlmInfo(provider=prov, model=model)
        if rnd.random() < 0.3:
            kw["tool"] = ToolInfo(name=rnd.choice(TOOLS + [None]))
        if rnd.random() < 0.2:
            kw["agent"] = AgentInfo(name="a")
        if rnd.random() < 0.7:
            kw["usage"] = TokenUsage(input=rnd.choice([0, 0, 120]), output=rnd.choice([0, 7]),
                                     cache_read=rnd.choice([0, 10]), cache_write=rnd.choice([0, 5]),
                                     reasoning=rnd.choice([0, 3]), estimated=rnd.random() < 0.3,
                                     scope=rnd.choice(["span", "span", "subtree"]))
        if rnd.random() < 0.6:
            kw["cost"] = Cost(total=rnd.choice([None, 0.0, 0.25, 1e-13, -0.5]),
                              source=rnd.choice(["computed", "reported", "unknown"]))
        out.append(Span(**kw))
    return out


@pytest.mark.parametrize("seed", range(5))
def test_add_new_adds_what_fold_of_counted_adds(seed: int) -> None:
    rnd = random.Random(seed)
    spans = _spans(rnd, 3000)
    for s in spans:
        if rnd.random() < 0.4:
            s.end_ns = None  # still running
    a, b, one = Totals(), Totals(), Totals()
    kept: dict | None = None
    for k in range(0, len(spans), 100):
        kept = a.add_new(spans[k : k + 100], kept)
        for s in spans[k : k + 100]:
            one.add_new([s])
            b.fold(counted(s), 1)
            c = counted(s)
            assert (c[13], c[14]) == (counted_cost(s), span_flags(s)[0])
        assert _totals(a) == _totals(b) == _totals(one)
    assert kept == {s.span_id: counted(s) for s in spans if s.end_ns is None}
    # merged into other totals (pruning on), still the same
    ta, tb = Totals(), Totals()
    ta.merge(a)
    tb.merge(b)
    assert _totals(ta) == _totals(tb)



@pytest.mark.parametrize("seed", range(5))
def test_add_new_sums_a_minute_as_fold_does(seed: int) -> None:
    """``add_new`` sums the series point of the minute its spans end in, in locals, while they
    do (``_spans`` in random order change minute nearly every span): spans in time order, most
    of a fold in one minute, running ones among them, must add what ``fold(counted(span), 1)``
    adds, to the bit."""
    rnd = random.Random(seed)
    spans = sorted(_spans(rnd, 3000), key=lambda s: s.end_ns or 0)
    for s in spans:
        if rnd.random() < 0.2:
            s.end_ns = None  # still running: its spend in the minute it started
    a, b = Totals(), Totals()
    kept: dict | None = None
    for k in range(0, len(spans), 150):
        kept = a.add_new(spans[k : k + 150], kept)
        for s in spans[k : k + 150]:
            b.fold(counted(s), 1)
        assert _totals(a) == _totals(b)
    assert kept == {s.span_id: counted(s) for s in spans if s.end_ns is None}

def _scenario() -> list[list]:
    """Reports that each need one of the one-span path's rules, in batches with new spans around them."""
    t0 = 1_700_000_000_000_000_000
    ms = 1_000_000

    def llm(sid: str, tid: str, start: int, end: int, parent: str | None = None, **kw) -> Span:
        return Span(span_id=sid, trace_id=tid, session_id="s1", name="chat", start_ns=t0 + start * ms,
                    end_ns=t0 + end * ms, parent_span_id=parent, kind=SpanKind.LLM_CALL,
                    llm=LlmInfo(provider="openai", model="gpt-y"), **kw)

    def plain(sid: str, tid: str, start: int, parent: str | None = None, **kw) -> Span:
        return Span(span_id=sid, trace_id=tid, session_id=kw.pop("session_id", "s1"), name="step",
                    start_ns=t0 + start * ms, end_ns=t0 + (start + 5) * ms, parent_span_id=parent, **kw)

    use = TokenUsage(input=100, output=20)
    return [_fresh(b) for b in [
        # nested: an SDK span inside an OpenInference span of the same model and time
        [plain("root", "a", 0), llm("outer", "a", 1, 50, "root"), llm("inner", "a", 2, 40, "outer", usage=use),
         plain("after", "a", 60, "root")],
        # a child that waits for its parent, then the parent: a model call nested in it
        [llm("kid", "b", 2, 40, "mom", usage=use), plain("b-root", "b", 0)],
        [llm("mom", "b", 1, 50, "b-root"), plain("b-2", "b", 70, "b-root")],
        # logfire: the request span and its "streaming response" log span beside it
        [plain("c-root", "c", 0),
         llm("req", "c", 1, 10, "c-root", attributes={"logfire.span_type": "span"}),
         llm("stream", "c", 10, 10, "c-root", usage=use, attributes={"logfire.span_type": "log"})],
        # the same response id from a rebuilt report and the client's own
        [llm("own", "d", 1, 10, None, attributes={"gen_ai.response.id": "r1"}),
         llm("rebuilt", "d", 1, 10, None, usage=use,
             attributes={"gen_ai.response.id": "r1", "agenttrace.rebuilt_from": "log"})],
        # a later report under the folded id, and a child of the alias
        [plain("d-kid", "d", 3, "rebuilt"), llm("rebuilt", "d", 1, 11, None, usage=use,
                                               attributes={"agenttrace.rebuilt_from": "log"})],
        # one tool call reported twice (a rebuilt report nested in the client's)
        [Span(span_id="tool1", trace_id="e", session_id="s1", name="bash", start_ns=t0, end_ns=t0 + 9 * ms,
              kind=SpanKind.TOOL_EXECUTION, tool=ToolInfo(name="bash", call_id="call-1")),
         Span(span_id="tool2", trace_id="e", session_id="s1", name="bash", start_ns=t0 + ms, end_ns=t0 + 8 * ms,
              kind=SpanKind.TOOL_EXECUTION, tool=ToolInfo(name="bash", call_id="call-1"),
              attributes={"agenttrace.rebuilt_from": "log"}),
         Span(span_id="tool3", trace_id="e", session_id="s1", name="bash", start_ns=t0 + 20 * ms,
              end_ns=t0 + 30 * ms, kind=SpanKind.TOOL_EXECUTION, tool=ToolInfo(name="bash", call_id="call-2"))],
        # might-be twins that are not: model calls in a model call of the same model that end after
        # it, all with one usage (no id), from one reporter -- stored as new spans, none folded
        [llm("h-outer", "h", 0, 50, None, usage=use), llm("h-1", "h", 10, 60, "h-outer", usage=use),
         llm("h-2", "h", 20, 70, "h-outer", usage=use), llm("h-3", "h", 900, 990, None, usage=use)],
        # on the edge of "within": a call nested in one of the same model and the same times is
        # a twin; one that starts or ends a millisecond outside it is not
        [llm("i-outer", "i", 0, 50, None), llm("i-inner", "i", 0, 50, "i-outer", usage=use),
         llm("i-late", "i", 1, 51, "i-outer", usage=TokenUsage(input=7, output=1)),
         llm("i-early", "i", -1, 20, "i-outer", usage=TokenUsage(input=8, output=1))],
        # the same usage from a rebuilt report and the client's own, neither nested: one call
        [llm("j-rebuilt", "j", 1, 10, None, usage=use, attributes={"agenttrace.rebuilt_from": "log"}),
         llm("j-own", "j", 2, 11, None, usage=use)],
        # a span naming another session moves its trace; new spans after it land there
        [plain("f1", "f", 0, session_id=""), plain("f2", "f", 1, "f1", session_id="s2"),
         plain("f3", "f", 2, "f1", session_id="")],
        # a span_end with no span_start (start 0), an agent's usage (subtree), a repeat
        [Span(span_id="g1", trace_id="g", session_id="s1", name="x", start_ns=0, end_ns=t0),
         Span(span_id="g2", trace_id="g", session_id="s1", name="agent", start_ns=t0, end_ns=t0 + ms,
              kind=SpanKind.AGENT, agent=AgentInfo(name="a"), usage=TokenUsage(input=5, output=1),
              cost=Cost(total=0.1)),
         Span(span_id="g1", trace_id="g", session_id="s1", name="x", start_ns=0, end_ns=t0 + ms,
              status=Status.ERROR)],
    ]]


@pytest.mark.parametrize("hook", [None, price], ids=["unpriced", "priced"])
def test_batch_path_keeps_every_rule_of_the_one_span_path(hook) -> None:
    fast = Store(max_spans=1000, span_hook=hook)
    ref = OneByOne(max_spans=1000, span_hook=hook)
    for b_fast, b_ref in zip(_scenario(), _scenario(), strict=True):
        fast.apply(b_fast)
        ref.apply(b_ref)
        assert _state(fast) == _state(ref)
        assert _totals(fast.totals) == _totals(ref.totals)
    # the scenarios did what they are for
    assert "inner" not in fast.traces["a"].spans and fast.traces["a"].aliases == {"inner": "outer"}
    assert "kid" not in fast.traces["b"].spans or "mom" not in fast.traces["b"].spans
    assert fast.traces["c"].aliases and fast.traces["d"].aliases and fast.traces["e"].aliases
    assert fast.traces["f"].session_id == "s2"
    assert fast.traces["g"].spans["g2"].usage.scope == "subtree"
    assert list(fast.traces["h"].spans) == ["h-outer", "h-1", "h-2", "h-3"] and fast.traces["h"].aliases is None
    assert list(fast.traces["i"].spans) == ["i-outer", "i-late", "i-early"]
    assert fast.traces["i"].aliases == {"i-inner": "i-outer"}
    assert list(fast.traces["j"].spans) == ["j-rebuilt"] and fast.traces["j"].aliases == {"j-own": "j-rebuilt"}
    check_store(fast)


@pytest.mark.parametrize("prune", [True, False])
def test_merge_adds_what_the_signed_merge_adds(prune: bool) -> None:
    rnd = random.Random(7)
    spans = _spans(rnd, 2000)
    a, b = Totals(), Totals()
    for i in range(0, 2000, 50):
        d = Totals()
        for s in spans[i : i + 50]:
            d.fold(counted(s), 1 if rnd.random() < 0.8 else -1)  # takings-out leave zero and negative accumulators
        a.merge(d, prune=prune)
        b._merge_signed(d, 1, prune)
        assert _totals(a) == _totals(b)


@pytest.mark.parametrize("seed", range(6))
def test_a_delta_kept_as_a_traces_first_totals_equals_merging_it(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # A trace's first fold keeps its delta as its totals (Totals.merges_whole); merging the
    # delta into the empty totals must give the same numbers, to the bit, everywhere.
    def run(adopt: bool) -> tuple:
        if not adopt:
            monkeypatch.setattr(Totals, "merges_whole", lambda self: False)
        store = Store(max_spans=100_000, span_hook=price)
        rnd = random.Random(seed)
        for b in _batches(seed):
            store.apply(b)
            if rnd.random() < 0.5:
                store.flush_aggregates()
        store.flush_aggregates()
        monkeypatch.undo()
        return (_totals(store.totals), {s: _totals(e.totals) for s, e in store.sessions.items()},
                {t: _totals(e.totals) for t, e in store.traces.items()})

    assert run(True) == run(False)


class EndsSender(Sender):
    """``Sender`` plus the span_end shapes a short path for ends must get right: the same
    end twice, an end for a span never started, an end naming the trace's session or
    another one, an end that names the span or its parent, a status-only repeat of a
    running span, and a start repeated while it runs."""

    def __init__(self, rnd: random.Random) -> None:
        super().__init__(rnd)
        self.ended: list[Span] = []
        self.unknown = 0

    def _bare(self, s: Span, **over) -> Span:
        kw: dict = {"span_id": s.span_id, "trace_id": s.trace_id, "session_id": "", "name": "", "start_ns": 0,
                    "end_ns": s.end_ns, "status": s.status}
        kw.update(over)
        return Span(**kw)

    def next(self) -> list:
        rnd = self.rnd
        r = rnd.random()
        if r < 0.12 and self.ended:
            return [self._bare(rnd.choice(self.ended))]  # the same end again
        if r < 0.16:
            self.unknown += 1
            s = Span(span_id=f"u{self.unknown}", trace_id=f"t{rnd.randrange(6)}", session_id="", name="",
                     start_ns=0, end_ns=1_700_000_000_000_000_000 + rnd.randrange(0, 5 * NS_PER_MIN))
            return [self._bare(s)]  # an end whose start never came (or was trimmed)
        if r < 0.32 and self.open:
            s = self.open.pop(rnd.randrange(len(self.open)))
            self.ended.append(s)
            over: dict = {}
            k = rnd.random()
            if k < 0.3:
                over["session_id"] = s.session_id  # the trace's session (as a rule)
            elif k < 0.4:
                over["session_id"] = f"s{rnd.randrange(4)}"  # perhaps another: the trace moves
            elif k < 0.55:
                over["name"] = f"renamed{rnd.randrange(3)}"
            elif k < 0.65 and self.sent:
                over["parent_span_id"] = rnd.choice(self.sent).span_id  # a parent named only at the end
            elif k < 0.75:
                over["start_ns"] = s.start_ns - rnd.randrange(0, NS_PER_MIN)
            elif k < 0.85:
                over["status_message"] = "boom"
                over["status"] = Status.ERROR
            return [self._bare(s, **over)]
        if r < 0.36 and self.open:
            s = rnd.choice(self.open)
            # a running span's status-only repeat (no end): it stays running
            return [self._bare(s, end_ns=None, status=Status.RUNNING)]
        got = super().next()
        for u in got:
            if isinstance(u, Span) and u.end_ns is not None and any(o.span_id == u.span_id for o in self.sent):
                self.ended.append(u)
        return got


@pytest.mark.parametrize("max_spans", [100_000, 40], ids=["kept", "evicting"])
@pytest.mark.parametrize("hook", [None, price, _failing], ids=["unpriced", "priced", "failing"])
@pytest.mark.parametrize("seed", range(8))
def test_batch_path_stores_span_ends_as_the_one_span_path_does(seed: int, hook, max_spans: int) -> None:
    # Long and short batches: a span's start and end in one batch, or in batches with folds between.
    reads = 0.05 if seed % 2 else 0.4
    fast = Store(max_spans=max_spans, span_hook=hook)
    ref = OneByOne(max_spans=max_spans, span_hook=hook)
    rnd = random.Random(2000 + seed)
    for b_fast, b_ref in zip(_batches(seed, EndsSender, 600, reads), _batches(seed, EndsSender, 600, reads), strict=True):
        fast.apply(b_fast)
        ref.apply(b_ref)
        # the reports themselves as the store left them (the taps see them after it)
        assert [msgspec.to_builtins(u) for u in b_fast] == [msgspec.to_builtins(u) for u in b_ref]
        assert _state(fast) == _state(ref)
        assert fast.traces.keys() == ref.traces.keys()
        if rnd.random() < 0.5:
            assert _totals(fast.totals) == _totals(ref.totals)
            for tid, t in fast.traces.items():
                assert dict(t.counted_running or {}) == dict(ref.traces[tid].counted_running or {})
    assert _totals(fast.totals) == _totals(ref.totals)
    for tid, t in fast.traces.items():
        assert _totals(t.totals) == _totals(ref.traces[tid].totals)
    for sid, e in fast.sessions.items():
        assert _totals(e.totals) == _totals(ref.sessions[sid].totals)
    if max_spans > 1000:
        check_store(fast)


@pytest.mark.parametrize("seed", range(5))
def test_fold_change_from_a_plain_running_count_is_two_folds(seed: int) -> None:
    # A running span counted with no tokens and no cost, then ended with usage or a cost (the
    # SDK's span_end): fold_change moves the totals in one pass exactly as taking the old
    # count out and putting the new one in does, to the bit, into totals already holding others.
    rnd = random.Random(seed)
    spans = _spans(rnd, 2000)
    a, b = Totals(), Totals()
    for s in spans[:300]:
        a.fold(counted(s), 1)
        b.fold(counted(s), 1)
    for s in spans[300:]:
        start = msgspec.structs.replace(s, end_ns=None, status=Status.RUNNING, usage=None, cost=None)
        if rnd.random() < 0.2:
            start.start_ns -= rnd.randrange(0, 2 * NS_PER_MIN)  # started in another minute
            s.start_ns = start.start_ns
        was, now = counted(start), counted(s)
        assert was[6]
        a.fold_change(was, now)
        b.fold(was, -1)
        b.fold(now, 1)
        assert _totals(a) == _totals(b)


@pytest.mark.parametrize("seed", range(3))
def test_a_part_merge_takes_exactly_the_newer_reports_set_fields(seed: int) -> None:
    # The rule, written out: a field of the newer part that differs from its default wins.
    from agenttrace_tui.model import FileInfo, RagInfo
    from agenttrace_tui.store.merge import merge_part

    rnd = random.Random(seed)
    values = [None, None, 0, 0.0, "", False, True, 1, 2.5, "x", "gpt-y"]
    for cls in (LlmInfo, ToolInfo, AgentInfo, RagInfo, FileInfo, TokenUsage, Cost):
        fields = msgspec.structs.fields(cls)
        for _ in range(300):
            parts = []
            for _side in range(2):
                kw = {}
                for f in fields:
                    v = rnd.choice(values)
                    if v is not None and rnd.random() < 0.5:
                        try:
                            kw[f.name] = msgspec.convert(v, f.type, strict=False)
                        except msgspec.ValidationError:
                            pass
                parts.append(cls(**kw))
            old, new = parts
            want = msgspec.structs.asdict(old)
            for f in fields:
                nv = getattr(new, f.name)
                if nv != f.default:
                    want[f.name] = nv
            old_was, new_was = msgspec.structs.asdict(old), msgspec.structs.asdict(new)
            got = merge_part(old, new)
            # (The newer part itself may be the merge: when it sets every field the older had.)
            assert msgspec.structs.asdict(got) == want and got is not old
            assert msgspec.structs.asdict(old) == old_was and msgspec.structs.asdict(new) == new_was
            assert all(type(a) is type(b) for a, b in zip(msgspec.structs.astuple(got), want.values(), strict=True))


def _parent_ends_between_its_calls() -> list[list]:
    """A model call's span running, counted; then a batch with a call inside it, the call's end (with
    its usage and model: ``_end_report``'s step) and more calls inside it, tested as its twins now
    that it has ended: they must find the parent as its end left it, not as the batch found it first
    (the last of them is its twin; found with the parent as it was, none would be)."""
    t0 = 1_700_000_000_000_000_000
    ms = 1_000_000

    def call(sid: str, parent: str | None, start: int, end: int | None, **kw) -> Span:
        return Span(span_id=sid, trace_id="p", session_id="s1", name="chat", kind=SpanKind.LLM_CALL,
                    parent_span_id=parent, start_ns=start, end_ns=end,
                    llm=LlmInfo(provider="openai", model="gpt-4o"), **kw)

    return [[call("outer", None, t0, None)],
            [call("inner-1", "outer", t0 + ms, t0 + 2 * ms, usage=TokenUsage(input=10, output=2)),
             Span(span_id="outer", trace_id="p", session_id="s1", name="chat", start_ns=t0, end_ns=t0 + 9 * ms,
                  llm=LlmInfo(provider="openai", model="gpt-4o"), usage=TokenUsage(input=30, output=4)),
             call("inner-2", "outer", t0 + 3 * ms, t0 + 8 * ms, usage=TokenUsage(input=31, output=5)),
             call("inner-3", "outer", t0 + 4 * ms, t0 + 5 * ms)]]


@pytest.mark.parametrize("hook", [None, price], ids=["unpriced", "priced"])
def test_a_parent_replaced_by_its_end_in_a_batch_is_found_anew(hook) -> None:
    """``_upsert_spans`` keeps the parent of the last new span for the next one of its run; a span
    end stored in between (``_end_report``) replaces that parent: the one-span path's state."""
    fast = Store(max_spans=1000, span_hook=hook)
    ref = OneByOne(max_spans=1000, span_hook=hook)
    for b_fast, b_ref in zip(_fresh_all(_parent_ends_between_its_calls()), _fresh_all(_parent_ends_between_its_calls()),
                             strict=True):
        fast.apply(b_fast)
        ref.apply(b_ref)
        assert _state(fast) == _state(ref)
        assert _totals(fast.totals) == _totals(ref.totals)  # (read: the running span is counted)
    trace = fast.traces["p"]
    assert trace.spans["outer"].end_ns is not None
    assert trace.aliases == {"inner-3": "outer"}  # its twin, found with the parent as it ended
    check_store(fast)


def _fresh_all(batches: list[list]) -> list[list]:
    return [_fresh(b) for b in batches]


def test_runs_of_names_models_and_providers_share_one_string_each() -> None:
    """A batch's new spans take the interned name, model and provider (one string object each)
    whatever their order: runs of one model, tool spans between (no model), another model, a
    provider alone, a name that is empty."""
    store = Store(max_spans=1000)
    t0 = 1_700_000_000_000_000_000
    specs = [("chat", "openai", "gpt-4o"), ("chat", "openai", "gpt-4o"), ("run tool", None, None),
             ("chat", "openai", "gpt-4o"), ("chat", "anthropic", "claude-x"), ("", "anthropic", None),
             ("chat", None, "gpt-4o"), ("chat", "openai", "gpt-4o"), ("run tool", None, None)]
    for rnd_batch in range(2):
        batch = []
        for i, (name, provider, model) in enumerate(specs):
            llm = LlmInfo(provider=provider, model=model) if provider or model else None
            batch.append(Span(span_id=f"b{rnd_batch}-{i}", trace_id=f"t{i % 3}", session_id="s1", name=name,
                              kind=SpanKind.LLM_CALL if llm else SpanKind.TOOL_EXECUTION, start_ns=t0 + i,
                              end_ns=t0 + i + 5, llm=llm, tool=None if llm else ToolInfo(name="grep")))
        store.apply(_fresh(batch))
    names = store._names
    seen: dict[str, int] = {}
    for trace in store.traces.values():
        for span in trace.spans.values():
            assert (span.name == "" and span.name not in names) or span.name is names[span.name]
            for v in (span.llm.model, span.llm.provider) if span.llm else ():
                if v is not None:
                    assert v is names[v]
                    seen[v] = seen.get(v, 0) + 1
    assert seen == {"gpt-4o": 10, "openai": 8, "anthropic": 4, "claude-x": 2}


@pytest.mark.parametrize("hook", [None, price], ids=["unpriced", "priced"])
def test_a_parent_kept_for_the_next_span_is_never_another_traces(hook) -> None:
    """Span ids are unique within a trace only (clients that derive them, tests, replays of one file
    into two traces reuse them): in one batch, a trace's root and child named as another trace's are
    stored under their own trace, after a root of theirs or after a span stored by another step."""
    t0 = 1_700_000_000_000_000_000

    def span(trace: str, span_id: str, parent: str | None, at: int) -> Span:
        return Span(span_id=span_id, trace_id=trace, session_id="s1", name=f"{trace}-{span_id}", kind=SpanKind.LLM_CALL
                    if parent else SpanKind.AGENT, start_ns=t0 + at, end_ns=t0 + at + 5, parent_span_id=parent,
                    llm=LlmInfo(provider="openai", model="gpt-4o") if parent else None)

    batch = [span("a", "root", None, 0), span("a", "call-1", "root", 1),
             span("b", "root", None, 2), span("b", "call-1", "root", 3), span("b", "call-2", "root", 4),
             span("a", "call-2", "root", 5)]
    fast = Store(max_spans=1000, span_hook=hook)
    ref = OneByOne(max_spans=1000, span_hook=hook)
    fast.apply(_fresh(batch))
    ref.apply(_fresh(batch))
    assert _state(fast) == _state(ref)
    for tid in ("a", "b"):
        assert fast.traces[tid].children == {None: ["root"], "root": ["call-1", "call-2"]}
        assert all(s.trace_id == tid for s in fast.traces[tid].spans.values())
    check_store(fast)
