"""The door's inline pass for spans decides exactly as its rules do.

``normalize.limits.check`` tests a span's rules inline first and hands it to
its rules one by one (``_refusal``, then ``_fix_span``) only when one might
fail. Over spans with values on and past every bound (times, tokens, costs,
typed part numbers, attribute integers, nested attributes, events, links),
``check`` must keep, fix, refuse and report exactly what those rules alone do
for every span.
"""

from __future__ import annotations

import math
import random

import msgspec
import pytest

from agenttrace_tui.model import (
    AgentInfo,
    AttachedEvent,
    Cost,
    FileInfo,
    LlmInfo,
    RagInfo,
    Session,
    Span,
    SpanEvent,
    SpanLink,
    TokenUsage,
    Update,
)
from agenttrace_tui.normalize import limits
from agenttrace_tui.normalize.limits import I64, MAX_COST, MAX_FUTURE_NS, MAX_TOKENS, check

NOW = 1_700_000_000_000_000_000
LIMIT = min(NOW + MAX_FUTURE_NS, I64)


def nested(depth: int) -> list:
    """A value of ``depth`` lists inside each other (the innermost holds a number)."""
    value: list = [1]
    for _ in range(depth - 1):
        value = [value]
    return value


def _one(rnd: random.Random, seq: int) -> Span:
    def tokens() -> int:
        return rnd.choice([0, 1, 500, MAX_TOKENS, MAX_TOKENS + 1, -1])

    def amount() -> float | None:
        return rnd.choice([None, 0.0, 0.01, MAX_COST, MAX_COST * 2, -0.5, math.nan, math.inf, 3])

    def attrs() -> dict:
        return rnd.choice([{}, {"a": "x", "n": 5, "f": 1.5, "b": True},
                           {"big": 2**70}, {"neg": -(2**64)}, {"edge": I64, "edge2": -I64 - 1},
                           {"nested": {"deep": [1, 2**65]}}, {"nested": {"ok": [1, "x"]}}, {"none": None},
                           {"deep": nested(100)}, {"deeper": {"x": nested(100)}}, {"deep": [2**70, nested(450)]}])

    start = rnd.choice([NOW, 0, -1, LIMIT, LIMIT + 1])
    kw: dict = {"span_id": f"s{seq}", "trace_id": "t", "session_id": "x", "name": "n", "start_ns": start,
                "end_ns": rnd.choice([None, NOW + 5, LIMIT + 1, -3]), "attributes": attrs()}
    if rnd.random() < 0.6:
        kw["usage"] = TokenUsage(input=tokens(), output=tokens(), total=rnd.choice([0, 10, MAX_TOKENS + 1]),
                                 cache_read=tokens() if rnd.random() < 0.3 else 0,
                                 cache_write=tokens() if rnd.random() < 0.3 else 0,
                                 reasoning=tokens() if rnd.random() < 0.3 else 0)
    if rnd.random() < 0.5:
        kw["cost"] = Cost(total=amount(), input=amount() if rnd.random() < 0.3 else None,
                          output=amount() if rnd.random() < 0.3 else None)
    if rnd.random() < 0.4:
        kw["llm"] = LlmInfo(model="m", max_tokens=rnd.choice([None, 10, -1, 2**64]),
                            temperature=rnd.choice([None, 0.2, math.nan, math.inf]))
    if rnd.random() < 0.2:
        kw["agent"] = AgentInfo(iteration=rnd.choice([None, 1, -2]))
    if rnd.random() < 0.2:
        kw["rag"] = RagInfo(sources_found=rnd.choice([None, 3, -1]), top_score=rnd.choice([None, 0.5, math.nan]))
    if rnd.random() < 0.2:
        kw["file"] = FileInfo(bytes=rnd.choice([None, 10, 2**64]))
    if rnd.random() < 0.15:
        kw["events"] = (SpanEvent(name="e", time_ns=rnd.choice([NOW, -1, LIMIT + 1]), attributes=attrs()),)
    if rnd.random() < 0.1:
        kw["links"] = (SpanLink(trace_id="t2", span_id="s2", attributes=attrs()),)
    return Span(**kw)


def _copy(spans: list[Span]) -> list[Span]:
    return [msgspec.convert(msgspec.to_builtins(s), Span) for s in spans]


def _rules(s: Span, report: limits.Report) -> bool:
    """The door's rules for one span, one after the other: refused, or kept with its values fixed."""
    if (why := limits._refusal(s, LIMIT)) is not None:
        report(*why, True)
        return False
    limits._fix_span(s, LIMIT, report)
    return True


@pytest.mark.parametrize("seed", range(6))
def test_check_decides_as_the_rules_for_every_span(seed: int) -> None:
    rnd = random.Random(seed)
    spans = [_one(rnd, i) for i in range(600)]
    a, b = _copy(spans), _copy(spans)
    got: list[tuple] = []
    kept = check(a, lambda r, d, refused: got.append((r, d, refused)), now_ns=NOW)  # type: ignore[arg-type]
    want: list[tuple] = []
    kept_ref = [s for s in b if _rules(s, lambda r, d, refused: want.append((r, d, refused)))]
    assert got == want
    assert [msgspec.to_builtins(s) for s in kept] == [msgspec.to_builtins(s) for s in kept_ref]
    assert len(kept) < len(spans) and any(not r[2] for r in got)  # both kinds of outcome were exercised


@pytest.mark.parametrize(("depth", "kept"), [(100, True), (101, False), (450, False)])
@pytest.mark.parametrize("where", ["span", "event", "link", "lone event", "session"])
def test_a_value_nested_past_100_levels_refuses_its_record_as_too_deep(where: str, depth: int, kept: bool) -> None:
    """The documented bound (docs/protocol.md): 100 levels of lists and maps are kept, 101 refuse the
    record, as does a value 450 deep (which once decoded and then broke the code walking it)."""

    def update(attrs: dict) -> Update:
        span = Span(span_id="s", trace_id="t", session_id="x", name="n", start_ns=NOW, end_ns=NOW + 5)
        if where == "span":
            span.attributes = attrs
        elif where == "event":
            span.events = (SpanEvent(name="e", time_ns=NOW, attributes=attrs),)
        elif where == "link":
            span.links = (SpanLink(trace_id="t2", span_id="s2", attributes=attrs),)
        elif where == "lone event":
            return AttachedEvent(trace_id="t", span_id="s", event=SpanEvent(name="e", time_ns=NOW, attributes=attrs))
        else:
            return Session(id="x", attributes=attrs)
        return span

    reports: list[tuple[str, bool]] = []
    good = update({"k": "v"})
    out = check([update({"a": "flat", "deep": {"in": nested(depth - 1)}}), good],
                lambda reason, _detail, refused: reports.append((reason, refused)), now_ns=NOW)
    assert len(out) == (2 if kept else 1) and out[-1] is good
    assert reports == ([] if kept else [("too_deep", True)])
