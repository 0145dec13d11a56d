"""Aggregates kept incrementally per trace, session and overall.

Every stored span contributes a ``Contribution`` (tokens, cost, errors, its
kind/model/provider/tool keys); a change subtracts the old contribution and
adds the new one, so ``Totals`` never need a rescan. ``Totals.series`` keeps
spend and tokens per minute for sparklines and burn rate.
"""

from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING

# The counting rules live with the span model so analysis (compare) and the
# commands count exactly as the store does.
from ..model import Span, SpanKind, Status, counted_cost, span_flags

if TYPE_CHECKING:
    pass

NS_PER_MIN = 60 * 1_000_000_000


class Totals:
    """Incremental aggregate over a set of spans (a trace, session, or all)."""

    __slots__ = (
        "spans",
        "running",
        "errors",
        "llm_calls",
        "llm_ns",
        "llm_finished",
        "input_tokens",
        "output_tokens",
        "cache_read",
        "cache_write",
        "reasoning",
        "estimated",
        "cost",
        "cost_unknown",
        "by",
        "series",
        "detailed",
    )

    def __init__(self, detailed: bool = True) -> None:
        #: Breakdowns and the spend series are kept only where they are read
        #: (sessions and the global totals); a trace keeps plain counters.
        self.detailed = detailed
        self.spans = 0
        self.running = 0
        self.errors = 0
        self.llm_calls = 0
        self.llm_ns = 0
        self.llm_finished = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.cache_read = 0
        self.cache_write = 0
        self.reasoning = 0
        self.estimated = 0
        self.cost = 0.0
        self.cost_unknown = 0
        #: Breakdown: ("model"|"provider"|"kind"|"tool", value) -> Bucket
        self.by: dict[tuple[str, str], Bucket] = {}
        #: Spend over time: minute index (ns // 60e9) -> [cost USD, tokens]
        self.series: dict[int, list[float]] = {}

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def error_rate(self) -> float:
        return self.errors / self.spans if self.spans else 0.0

    @property
    def avg_llm_ns(self) -> float:
        return self.llm_ns / self.llm_finished if self.llm_finished else 0.0

    def apply(self, c: Contribution, sign: int) -> None:
        self.spans += sign
        self.running += sign * c.running
        self.errors += sign * c.error
        self.llm_calls += sign * c.llm
        if c.llm and not c.running:
            self.llm_ns += sign * c.duration_ns
            self.llm_finished += sign
        if not self.detailed:
            # A trace keeps plain counters and which models it used.
            if c.model_key is not None:
                bucket = self.by.get(c.model_key)
                if bucket is None:
                    bucket = self.by[c.model_key] = Bucket()
                bucket.spans += sign
                if bucket.spans == 0:
                    del self.by[c.model_key]
            if c.plain:
                return
        elif c.plain:
            # Most spans carry no tokens and no cost: counters only (hot path).
            by = self.by
            for key in c.keys:
                bucket = by.get(key)
                if bucket is None:
                    bucket = by[key] = Bucket()
                bucket.spans += sign
                bucket.errors += sign * c.error
                bucket.duration_ns += sign * c.duration_ns
                if bucket.spans == 0:
                    del by[key]
            return
        self.input_tokens += sign * c.input_tokens
        self.output_tokens += sign * c.output_tokens
        self.cache_read += sign * c.cache_read
        self.cache_write += sign * c.cache_write
        self.reasoning += sign * c.reasoning
        self.estimated += sign * c.estimated
        self.cost += sign * c.cost
        self.cost_unknown += sign * c.cost_unknown
        if not self.detailed:
            return
        for key in c.keys:
            bucket = self.by.get(key)
            if bucket is None:
                bucket = self.by[key] = Bucket()
            bucket.apply(c, sign)
            if bucket.spans == 0:
                del self.by[key]
        if c.cost or c.tokens:
            point = self.series.get(c.minute)
            if point is None:
                point = self.series[c.minute] = [0.0, 0]
            point[0] += sign * c.cost
            point[1] += sign * c.tokens
            if point[1] == 0 and abs(point[0]) < 1e-12:
                del self.series[c.minute]

    def fold(self, c: Contribution, sign: int) -> None:
        """Add a contribution to a *delta* (a batch's change, merged later with ``merge``).

        Unlike ``apply`` it never drops a bucket or a series point that sums
        to zero spans: in a delta, "-old +new" of one span cancels the span
        count while its tokens and cost changed.
        """
        self.spans += sign
        self.running += sign * c.running
        self.errors += sign * c.error
        self.llm_calls += sign * c.llm
        if c.llm and not c.running:
            self.llm_ns += sign * c.duration_ns
            self.llm_finished += sign
        by = self.by
        if c.plain:
            for key in c.keys:
                bucket = by.get(key)
                if bucket is None:
                    bucket = by[key] = Bucket()
                bucket.spans += sign
                bucket.errors += sign * c.error
                bucket.duration_ns += sign * c.duration_ns
            return
        self.input_tokens += sign * c.input_tokens
        self.output_tokens += sign * c.output_tokens
        self.cache_read += sign * c.cache_read
        self.cache_write += sign * c.cache_write
        self.reasoning += sign * c.reasoning
        self.estimated += sign * c.estimated
        self.cost += sign * c.cost
        self.cost_unknown += sign * c.cost_unknown
        for key in c.keys:
            bucket = by.get(key)
            if bucket is None:
                bucket = by[key] = Bucket()
            bucket.apply(c, sign)
        if c.cost or c.tokens:
            point = self.series.get(c.minute)
            if point is None:
                point = self.series[c.minute] = [0.0, 0]
            point[0] += sign * c.cost
            point[1] += sign * c.tokens

    def merge(self, d: Totals, sign: int = 1, prune: bool = True) -> None:
        """Add (sign 1) or take out (sign -1) another aggregate: a delta, or a whole trace's totals.

        Buckets and series points that end at zero spans (zero spend) are
        dropped, as ``apply`` drops them -- unless ``prune`` is false, when
        merging one delta into another (see ``fold``).
        """
        self.spans += sign * d.spans
        self.running += sign * d.running
        self.errors += sign * d.errors
        self.llm_calls += sign * d.llm_calls
        self.llm_ns += sign * d.llm_ns
        self.llm_finished += sign * d.llm_finished
        self.input_tokens += sign * d.input_tokens
        self.output_tokens += sign * d.output_tokens
        self.cache_read += sign * d.cache_read
        self.cache_write += sign * d.cache_write
        self.reasoning += sign * d.reasoning
        self.estimated += sign * d.estimated
        self.cost += sign * d.cost
        self.cost_unknown += sign * d.cost_unknown
        by = self.by
        for key, b in d.by.items():
            mine = by.get(key)
            if mine is None:
                mine = by[key] = Bucket()
            mine.merge(b, sign)
            if prune and mine.spans == 0:
                del by[key]
        if d.series:
            series = self.series
            for minute, (cost, tokens) in d.series.items():
                point = series.get(minute)
                if point is None:
                    point = series[minute] = [0.0, 0]
                point[0] += sign * cost
                point[1] += sign * tokens
                if prune and point[1] == 0 and abs(point[0]) < 1e-12:
                    del series[minute]

    def breakdown(self, dimension: str) -> list[tuple[str, Bucket]]:
        """Buckets of one dimension ("model", "provider", "kind", "tool"), costliest first."""
        rows = [(k[1], b) for k, b in self.by.items() if k[0] == dimension]
        rows.sort(key=lambda kv: (-kv[1].cost, -kv[1].tokens, kv[0]))
        return rows


class Bucket:
    """One row of a breakdown: spans, tokens, cost, errors, time."""

    __slots__ = (
        "spans",
        "errors",
        "input_tokens",
        "output_tokens",
        "cache_read",
        "cache_write",
        "estimated",
        "cost",
        "cost_unknown",
        "duration_ns",
    )

    def __init__(self) -> None:
        self.spans = 0
        self.errors = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.cache_read = 0
        self.cache_write = 0
        #: Spans whose tokens were estimated by the monitor (show "≈").
        self.estimated = 0
        self.cost = 0.0
        #: LLM spans with usage but no known price.
        self.cost_unknown = 0
        self.duration_ns = 0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def apply(self, c: Contribution, sign: int) -> None:
        self.spans += sign
        self.errors += sign * c.error
        self.input_tokens += sign * c.input_tokens
        self.output_tokens += sign * c.output_tokens
        self.cache_read += sign * c.cache_read
        self.cache_write += sign * c.cache_write
        self.estimated += sign * c.estimated
        self.cost += sign * c.cost
        self.cost_unknown += sign * c.cost_unknown
        self.duration_ns += sign * c.duration_ns

    def merge(self, b: Bucket, sign: int) -> None:
        self.spans += sign * b.spans
        self.errors += sign * b.errors
        self.input_tokens += sign * b.input_tokens
        self.output_tokens += sign * b.output_tokens
        self.cache_read += sign * b.cache_read
        self.cache_write += sign * b.cache_write
        self.estimated += sign * b.estimated
        self.cost += sign * b.cost
        self.cost_unknown += sign * b.cost_unknown
        self.duration_ns += sign * b.duration_ns



#: (kind, model, provider, tool name) -> (breakdown keys, model key): a few
#: hundred distinct combinations, built once instead of per span (shared,
#: never mutated).
_KEYS: dict[tuple, tuple[tuple[tuple[str, str], ...], tuple[str, str] | None]] = {}


def _keys_for(sig: tuple) -> tuple[tuple[tuple[str, str], ...], tuple[str, str] | None]:
    kind, model, provider, tool = sig
    keys: list[tuple[str, str]] = [("kind", kind.value)]
    model_key = None
    if model:
        model_key = ("model", model)
        keys.append(model_key)
    if provider:
        keys.append(("provider", provider))
    if tool:
        keys.append(("tool", tool))
    got = (tuple(keys), model_key)
    if len(_KEYS) < 10_000:
        _KEYS[sig] = got
    return got


class Contribution:
    """What one span adds to every aggregate that contains it."""

    __slots__ = (
        "running",
        "error",
        "llm",
        "duration_ns",
        "input_tokens",
        "output_tokens",
        "cache_read",
        "cache_write",
        "reasoning",
        "estimated",
        "cost",
        "cost_unknown",
        "keys",
        "minute",
        "plain",
        "model_key",
    )

    def __init__(self, span: Span) -> None:
        self.running = span.end_ns is None
        self.error = span.status is Status.ERROR or span.status is Status.TIMEOUT
        self.llm = span.kind is SpanKind.LLM_CALL
        self.duration_ns = span.duration_ns()
        u = span.usage
        # Usage an agent reports for its whole subtree is shown on the span
        # but never summed: its children already carry those tokens.
        if u is not None and u.scope == "span":
            self.input_tokens = u.input
            self.output_tokens = u.output
            self.cache_read = u.cache_read
            self.cache_write = u.cache_write
            self.reasoning = u.reasoning
            self.estimated = 1 if u.estimated else 0
        else:
            self.input_tokens = self.output_tokens = self.cache_read = 0
            self.cache_write = self.reasoning = self.estimated = 0
        self.cost = counted_cost(span)
        self.cost_unknown = span_flags(span)[0]
        self.minute = (span.end_ns if span.end_ns is not None else span.start_ns) // NS_PER_MIN
        llm, tool = span.llm, span.tool
        sig = (span.kind, llm.model if llm is not None else None, llm.provider if llm is not None else None,
               tool.name if tool is not None else None)
        got = _KEYS.get(sig)
        if got is None:
            got = _keys_for(sig)
        self.keys, self.model_key = got
        self.plain = not (
            self.input_tokens or self.output_tokens or self.cache_read or self.cache_write
            or self.reasoning or self.estimated or self.cost or self.cost_unknown
        )

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens




class RateMeter:
    """Spans per second over the last few seconds (for the header)."""

    __slots__ = ("_buckets",)

    def __init__(self) -> None:
        self._buckets: deque[list[int]] = deque(maxlen=6)

    def add(self, n: int, now_s: int | None = None) -> None:
        sec = int(time.monotonic()) if now_s is None else now_s
        if self._buckets and self._buckets[-1][0] == sec:
            self._buckets[-1][1] += n
        else:
            self._buckets.append([sec, n])

    def rate(self, now_s: int | None = None) -> float:
        """Mean rate over the last full seconds (the current one is partial)."""
        sec = int(time.monotonic()) if now_s is None else now_s
        full = [n for s, n in self._buckets if sec - 5 <= s < sec]
        return sum(full) / 5 if full else 0.0


