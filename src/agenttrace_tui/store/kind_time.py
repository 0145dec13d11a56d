"""How long spans of each kind ran: the time the cost pane shows by kind.

A kind's time in a session is how long some span of that kind was running in
it: spans of one kind nested in one another (an agent in an agent, a chain in a
chain, a tool that calls itself) or running side by side (tool calls in
parallel, a session's traces at once) count the time they share once, so no
kind's time is longer than its session ran. (A sum of the spans' durations
counted nested spans' time again at each level: the demo's crewai session read
`agent 2m10s` after 70 s.) Over all sessions the sessions' times are added, as
their costs are. A span counts once it has ended, as in the totals.

Worked out when read, from the spans in memory and the times of those a trace
dropped to keep within the span budget (``trim``), cached on each trace until
it changes (``trace_kind_time``), as the spend by agent is, and on each session
until one of its traces does (``Store.kind_times``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import TYPE_CHECKING

from ..model import Span

if TYPE_CHECKING:
    from .entries import TraceEntry

#: Time intervals (start ns, end ns), sorted and apart (``merged``).
Intervals = list[tuple[int, int]]
#: Spans of one kind in a trace: how long they ran, from when, to when, and when (``Intervals``).
Part = tuple[int, int, int, Intervals]
#: A trace's spans by kind (``SpanKind.value``).
KindTime = dict[str, Part]


def merged(intervals: Iterable[tuple[int, int]]) -> Intervals:
    """``intervals`` sorted, those that overlap or touch made one."""
    out: Intervals = []
    lo = hi = 0
    for a, b in sorted(intervals):
        if not out or a > hi:
            out.append((a, b))
            lo, hi = a, b
        elif b > hi:
            hi = b
            out[-1] = (lo, hi)
    return out


def length(intervals: Intervals) -> int:
    """How long ``merged`` intervals cover, in ns."""
    return sum(b - a for a, b in intervals)


def _ended(spans: Iterable[Span]) -> Iterator[tuple[str, int, int]]:
    """(kind, start, end) of each span that has ended after it started."""
    for s in spans:
        end = s.end_ns
        if end is not None and end > s.start_ns:
            yield s.kind.value, s.start_ns, end


def _by_kind(spans: Iterable[Span], dropped: dict[str, Intervals] | None = None) -> KindTime:
    """The time of ``spans`` (and of the intervals ``dropped``) by kind."""
    when: dict[str, list[tuple[int, int]]] = {k: list(v) for k, v in dropped.items()} if dropped else {}
    for kind, start, end in _ended(spans):
        got = when.get(kind)
        if got is None:
            when[kind] = [(start, end)]
        else:
            got.append((start, end))
    out: KindTime = {}
    for kind, got in when.items():
        m = merged(got)
        out[kind] = (length(m), m[0][0], m[-1][1], m)
    return out


def trim(trace: TraceEntry, dropped: Iterable[Span]) -> None:
    """Keep the times of spans the trace drops from memory (``store.budget``), so its kinds' time
    still counts them."""
    trace.trimmed_time = {kind: part[3] for kind, part in _by_kind(dropped, trace.trimmed_time).items()} or None


def trace_kind_time(trace: TraceEntry) -> KindTime:
    """The trace's time by kind, cached on the trace until it changes."""
    cached = trace.kind_time_cache
    if cached is not None and cached[0] == trace.version:
        return cached[1]
    got = _by_kind(trace.spans.values(), trace.trimmed_time)
    trace.kind_time_cache = (trace.version, got)
    return got


def stale(traces: Iterable[TraceEntry]) -> list[TraceEntry]:
    """The traces whose time by kind must be worked out again (changed since, or never)."""
    return [t for t in traces if (c := t.kind_time_cache) is None or c[0] != t.version]


def session_kind_time(traces: Iterable[TraceEntry]) -> dict[str, int]:
    """How long spans of each kind ran in a session of ``traces`` (their time shared counted once).

    A trace's spans of a kind whose time no other trace's of that kind overlaps (a session's turns
    one after another, most of them) add their own figure; only traces that overlap are merged.
    """
    per_kind: dict[str, list[Part]] = {}
    for t in traces:
        c = t.kind_time_cache
        for kind, part in (c[1] if c is not None and c[0] == t.version else trace_kind_time(t)).items():
            got = per_kind.get(kind)
            if got is None:
                per_kind[kind] = [part]
            else:
                got.append(part)
    out: dict[str, int] = {}
    for kind, parts in per_kind.items():
        if len(parts) == 1:
            out[kind] = parts[0][0]
            continue
        parts.sort(key=_FROM)  # (in the order they came: mostly sorted already)
        total = 0
        first = 0  # the parts from ``first`` on overlap one another, up to ``hi``
        hi = parts[0][2]
        for k in range(1, len(parts)):
            part = parts[k]
            if part[1] >= hi:
                total += _run(parts, first, k)
                first = k
                hi = part[2]
            elif part[2] > hi:
                hi = part[2]
        out[kind] = total + _run(parts, first, len(parts))
    return out


_FROM = itemgetter(1)


def _run(parts: list[Part], first: int, end: int) -> int:
    """How long ``parts[first:end]``, whose times overlap, ran together."""
    if end - first == 1:
        return parts[first][0]
    return length(merged(iv for p in parts[first:end] for iv in p[3]))
