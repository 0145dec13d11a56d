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
dropped to keep within the span budget (``trim``). Each trace keeps its figures
until it changes (``trace_kind_time``: how long each kind ran in it and from
when to when, a few numbers); a session adds those of its traces whose times
no other trace's overlap (a session's turns one after another, most of them)
and merges the times of those that do, which keep their spans' times by kind
(``trace_intervals``) until they change. A session's answer is kept on it
until one of its traces changes (``Store.kind_times``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..model import Span

if TYPE_CHECKING:
    from .entries import TraceEntry

#: Time intervals (start ns, end ns), sorted and apart (``merged``).
Intervals = list[tuple[int, int]]
#: A trace's figures (``trace_kind_time``): (its version, from, to, its kinds, how long each ran) over
#: its ended spans, kinds as ``SpanKind.value`` in a tuple shared by every trace of those kinds.
Figures = tuple[int, int, int, tuple[str, ...], tuple[int, ...]]
#: The tuples of kinds the traces' figures share (a few: traces of one agent are alike).
_KINDS: dict[tuple[str, ...], tuple[str, ...]] = {}


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


def covered(intervals: list[tuple[int, int]]) -> int:
    """How long ``intervals`` cover together, in ns (``length(merged(intervals))`` without the list)."""
    if not intervals:
        return 0
    intervals.sort()
    total = 0
    lo, hi = intervals[0]
    for a, b in intervals:
        if a > hi:
            total += hi - lo
            lo, hi = a, b
        elif b > hi:
            hi = b
    return total + hi - lo


def _ended(spans: Iterable[Span]) -> Iterator[tuple[str, int, int]]:
    """(kind, start, end) of each span that has ended after it started."""
    for s in spans:
        end = s.end_ns
        if end is not None and end > s.start_ns:
            yield s.kind.value, s.start_ns, end


def _times(spans: Iterable[Span], dropped: dict[str, Intervals] | None = None) -> dict[str, Intervals]:
    """When ``spans`` of each kind ran (with the intervals ``dropped``), ``merged``."""
    when: dict[str, list[tuple[int, int]]] = {k: list(v) for k, v in dropped.items()} if dropped else {}
    for kind, start, end in _ended(spans):
        got = when.get(kind)
        if got is None:
            when[kind] = [(start, end)]
        else:
            got.append((start, end))
    return {kind: merged(got) for kind, got in when.items()}


def trim(trace: TraceEntry, dropped: Iterable[Span]) -> None:
    """Keep the times of spans the trace drops from memory (``store.budget``), so its kinds' time
    still counts them."""
    trace.trimmed_time = _times(dropped, trace.trimmed_time) or None


def trace_intervals(trace: TraceEntry) -> dict[str, Intervals]:
    """When the trace's spans of each kind ran, kept on the trace until it changes (only a trace
    whose times overlap another's is asked)."""
    kept = trace.kind_intervals
    if kept is not None and kept[0] == trace.version:
        return kept[1]
    got = _times(trace.spans.values(), trace.trimmed_time)
    trace.kind_intervals = (trace.version, got)
    return got


def trace_kind_time(trace: TraceEntry) -> Figures:
    """The trace's ``Figures``, kept on the trace until it changes."""
    kept = trace.kind_time_cache
    if kept is not None and kept[0] == trace.version:
        return kept
    ki = trace.kind_intervals
    when = ki[1] if ki is not None and ki[0] == trace.version else _times(trace.spans.values(), trace.trimmed_time)
    if not when:
        got: Figures = (trace.version, 0, 0, (), ())
    else:
        kinds = tuple(when)
        if len(_KINDS) < 1_000:  # (shared, so a trace keeps a reference, not a tuple of its own)
            kinds = _KINDS.setdefault(kinds, kinds)
        got = (trace.version, min(m[0][0] for m in when.values()), max(m[-1][1] for m in when.values()), kinds,
               tuple(length(m) for m in when.values()))
    trace.kind_time_cache = got
    return got


def stale(traces: Iterable[TraceEntry]) -> list[TraceEntry]:
    """The traces whose time by kind must be worked out again (changed since, or never)."""
    return [t for t in traces if (c := t.kind_time_cache) is None or c[0] != t.version]


def session_kind_time(traces: Iterable[TraceEntry]) -> dict[str, int]:
    """How long spans of each kind ran in a session of ``traces`` (their time shared counted once):
    the figures of a trace whose times no other's overlap added, the times of those that overlap
    merged."""
    held: list[TraceEntry] = []
    for t in traces:
        c = t.kind_time_cache
        if c is None or c[0] != t.version:
            c = trace_kind_time(t)
        if c[3]:  # (a trace with no span ended counts nothing)
            held.append(t)
    out: dict[str, int] = {}
    if not held:
        return out
    held.sort(key=_from)  # (in the order they came: mostly sorted already)
    #: the figures of traces alone in their time, by their kinds
    alone: dict[tuple[str, ...], list[tuple[int, ...]]] = {}
    n = len(held)
    first = 0  # the traces from ``first`` on overlap one another, up to ``hi``
    hi = held[0].kind_time_cache[2]
    for k in range(1, n + 1):
        c = held[k].kind_time_cache if k < n else _AFTER
        if c[1] < hi:
            if c[2] > hi:
                hi = c[2]
            continue
        if k - first == 1:  # one trace that overlaps no other: its own figures, summed below
            f = held[first].kind_time_cache
            got = alone.get(f[3])
            if got is None:
                alone[f[3]] = [f[4]]
            else:
                got.append(f[4])
        else:
            _merge(out, held[first:k])
        first = k
        hi = c[2]
    for kinds, rows in alone.items():
        for kind, ns in zip(kinds, map(sum, zip(*rows, strict=True)), strict=True):
            out[kind] = out.get(kind, 0) + ns
    return out


#: Past every trace: closes the last run of ``session_kind_time``'s sweep.
_AFTER: Figures = (0, 1 << 80, 1 << 80, (), ())


def _from(t: TraceEntry) -> int:
    return t.kind_time_cache[1]


def _merge(out: dict[str, int], run: list[TraceEntry]) -> None:
    """Add to ``out`` how long each kind ran in the traces of ``run``, whose times overlap."""
    when: dict[str, list[tuple[int, int]]] = {}
    for t in run:
        for kind, m in trace_intervals(t).items():
            when.setdefault(kind, []).extend(m)
    for kind, m in when.items():
        out[kind] = out.get(kind, 0) + covered(m)
