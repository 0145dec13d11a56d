"""``Totals.add_new`` over runs of spans of one signature (a model's calls in a trace).

Runs, returns to an earlier signature, equal but not identical strings (as a
decoder hands them over), running spans, costs with no usage, usage of a
subtree: ``add_new`` must add exactly what ``fold(counted(span), 1)`` adds, to
the bit, whatever the runs and however the spans are cut into folds.
"""

from __future__ import annotations

import random

import pytest

from agenttrace_tui.model import Cost, LlmInfo, Span, SpanKind, Status, TokenUsage, ToolInfo
from agenttrace_tui.store.aggregates import Totals, counted
from test_store_batch import _spans, _totals


def _fresh(s: str | None) -> str | None:
    return None if s is None else "".join(list(s))  # equal, another object


def _runs(rnd: random.Random, n: int) -> list[Span]:
    base = _spans(rnd, 60)
    out: list[Span] = []
    i = 0
    while len(out) < n:
        proto = rnd.choice(base)
        for _ in range(rnd.choice([1, 2, 5, 19, 40])):
            llm = proto.llm
            tool = proto.tool
            if llm is not None and rnd.random() < 0.2:
                llm = LlmInfo(provider=_fresh(llm.provider), model=_fresh(llm.model))
            if tool is not None and rnd.random() < 0.2:
                tool = ToolInfo(name=_fresh(tool.name))
            start = proto.start_ns + rnd.randrange(0, 10**9)
            usage = None if rnd.random() < 0.2 else TokenUsage(
                input=rnd.randrange(0, 5000), output=rnd.randrange(0, 900), cache_read=rnd.choice([0, 1024]),
                cache_write=rnd.choice([0, 0, 0, 5]), estimated=rnd.random() < 0.1,
                scope=rnd.choice(["span"] * 5 + ["subtree"]))
            cost = None if rnd.random() < 0.2 else Cost(total=rnd.choice([None, 0.0, rnd.random() / 7, 1e-13]),
                                                          source=rnd.choice(["computed", "reported", "unknown"]))
            out.append(Span(span_id=f"r{i}", trace_id="t", session_id="x", name="n", start_ns=start,
                            end_ns=None if rnd.random() < 0.15 else start + rnd.randrange(0, 10**10),
                            kind=SpanKind(proto.kind) if rnd.random() < 0.2 else proto.kind,
                            status=rnd.choice([Status.OK] * 6 + [Status.ERROR]),
                            llm=llm, tool=tool, usage=usage, cost=cost))
            i += 1
    return out


@pytest.mark.parametrize("seed", range(8))
def test_add_new_over_runs_adds_what_fold_adds(seed: int) -> None:
    rnd = random.Random(seed)
    spans = _runs(rnd, 3000)
    a, b = Totals(), Totals()
    kept: dict | None = None
    k = 0
    while k < len(spans):
        step = rnd.choice([1, 3, 20, 150])
        kept = a.add_new(spans[k : k + step], kept)
        for s in spans[k : k + step]:
            b.fold(counted(s), 1)
        assert _totals(a) == _totals(b)
        k += step
    assert kept == {s.span_id: counted(s) for s in spans if s.end_ns is None}
