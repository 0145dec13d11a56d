"""How long spans of each kind ran: the time the cost pane shows by kind.

A kind's time in a session is how long some span of that kind was running in
it: spans of one kind nested in one another (an agent in an agent, a chain in a
chain, a tool that calls itself) or running side by side (tool calls in
parallel, a session's traces at once) count the time they share once, so no
kind's time is longer than its session ran. (A sum of the spans' durations
counted nested spans' time again at each level: the demo's crewai session read
`agent 2m10s` after 70 s.) Over all sessions the sessions' times are added, as
their costs are. A span still running counts until the session's end as its
duration reads it (now, while the session runs: ``with_running``), so an agent
that has run for five minutes reads five minutes, not nothing until it ends.

Worked out when read, from the spans in memory and the times of those a trace
dropped to keep within the span budget (``trim``). Each trace keeps its figures
until it changes (``trace_kind_time``: how long each kind ran in it and from
when to when, a few numbers); a session adds those of its traces whose times
no other trace's overlap (a session's turns one after another, most of them)
and merges the times of those that do, which keep their spans' times by kind
(``trace_intervals``) until they change. A session's answer is kept on it
until one of its traces changes (``Store.kind_times``), with, for each kind that
has spans still running, when the first of them started and how long its ended
spans ran from then on (worked out in the same sweep): a read adds the rest up
to its clock without working anything out again.
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
#: Kinds with spans still running in a session: kind -> (when the first of them started, how long
#: the kind's ended spans ran from then on), ``session_kind_time``.
Running = dict[str, tuple[int, int]]
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


def session_kind_time(traces: Iterable[TraceEntry], running: dict[str, int] | None = None) -> tuple[dict[str, int], Running]:
    """How long spans of each kind ran in a session of ``traces`` (their time shared counted once):
    the figures of a trace whose times no other's overlap added, the times of those that overlap
    merged; and for each kind of ``running`` (when its first span still running started:
    ``running_starts``) that start and how long the kind's ended spans ran from then on
    (``Running``, for ``with_running``)."""
    held: list[TraceEntry] = []
    for t in traces:
        c = t.kind_time_cache
        if c is None or c[0] != t.version:
            c = trace_kind_time(t)
        if c[3]:  # (a trace with no span ended counts nothing)
            held.append(t)
    out: dict[str, int] = {}
    running = running or {}
    after = dict.fromkeys(running, 0)
    if held:
        _sweep(held, out, after, running)
    return out, {kind: (running[kind], ns) for kind, ns in after.items()}


def _sweep(held: list[TraceEntry], out: dict[str, int], after: dict[str, int], running: dict[str, int]) -> None:
    """``session_kind_time``'s work over the traces that have ended spans: the traces in the order
    their times begin, in runs of traces whose times overlap (runs lie apart in time)."""
    held.sort(key=_from)  # (in the order they came: mostly sorted already)
    #: no run that ends by then has time after a running span's start; one that begins after
    #: ``latest`` has all its time after every running kind's start
    cut = min(running.values()) if running else _AFTER[2]
    latest = max(running.values()) if running else _AFTER[2]
    #: the figures of traces alone in their time, by their kinds
    alone: dict[tuple[str, ...], list[tuple[int, ...]]] = {}
    #: once a trace alone begins after ``latest`` (so do all after it): how many figures each
    #: kinds' list held before it (a session's turns after its running span began are the rest)
    split: dict[tuple[str, ...], int] | None = None
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
            if split is None and hi > cut:
                if f[1] >= latest:
                    split = {kinds: len(rows) for kinds, rows in alone.items()}
                else:
                    _after(after, running, held[first:k], dict(zip(f[3], f[4], strict=True)))
            got = alone.get(f[3])
            if got is None:
                alone[f[3]] = [f[4]]
            else:
                got.append(f[4])
        else:
            ran = _merge(out, held[first:k])
            if hi > cut:
                _after(after, running, held[first:k], ran)
        first = k
        hi = c[2]
    for kinds, rows in alone.items():
        at = len(rows) if split is None else split.get(kinds, 0)
        for kind, before, since in zip(kinds, _sums(rows[:at], kinds), _sums(rows[at:], kinds), strict=True):
            out[kind] = out.get(kind, 0) + before + since
            if since and kind in after:
                after[kind] += since


def _sums(rows: list[tuple[int, ...]], kinds: tuple[str, ...]) -> Iterable[int]:
    """Each column of ``rows`` (figures of ``kinds``) added."""
    return map(sum, zip(*rows, strict=True)) if rows else (0 for _ in kinds)


def _after(after: dict[str, int], running: dict[str, int], run: list[TraceEntry], ran: dict[str, int]) -> None:
    """Add to ``after`` how long each running kind's ended spans in ``run`` (traces whose times
    overlap, ``ran`` by kind) ran from its first running span's start on: all of it when the run
    begins after that start; from the start, when the run spans it (at most one run a kind)."""
    lo = run[0].kind_time_cache[1]
    hi = max(t.kind_time_cache[2] for t in run)
    for kind, since in running.items():
        if hi <= since or kind not in ran:
            continue
        if lo >= since:
            after[kind] += ran[kind]
            continue
        clipped: list[tuple[int, int]] = []
        for t in run:
            for a, b in trace_intervals(t).get(kind, ()):
                if b > since:
                    clipped.append((a if a > since else since, b))
        after[kind] += covered(clipped)


#: Past every trace: closes the last run of ``session_kind_time``'s sweep.
_AFTER: Figures = (0, 1 << 80, 1 << 80, (), ())


def _from(t: TraceEntry) -> int:
    return t.kind_time_cache[1]


def _merge(out: dict[str, int], run: list[TraceEntry]) -> dict[str, int]:
    """Add to ``out`` how long each kind ran in the traces of ``run``, whose times overlap; returns
    that by kind."""
    when: dict[str, list[tuple[int, int]]] = {}
    for t in run:
        for kind, m in trace_intervals(t).items():
            when.setdefault(kind, []).extend(m)
    ran = {kind: covered(m) for kind, m in when.items()}
    for kind, ns in ran.items():
        out[kind] = out.get(kind, 0) + ns
    return ran


def running_starts(traces: Iterable[TraceEntry], n: int) -> dict[str, int]:
    """When the first span of each kind still running started, in ``traces`` (newest first: open
    spans are nearly always in the last ones), read until the ``n`` spans that run are found."""
    out: dict[str, int] = {}
    for t in traces:
        running = t.counted_running  # (the fold keeps there the spans it counted as running)
        if not running:
            continue
        spans = t.spans
        for sid in running:
            s = spans.get(sid)
            if s is None or s.end_ns is not None:
                continue
            n -= 1
            kind = s.kind.value
            got = out.get(kind)
            if got is None or s.start_ns < got:
                out[kind] = s.start_ns
        if n <= 0:
            break
    return out


def with_running(ended: dict[str, int], running: Running, until: int) -> dict[str, int]:
    """``ended`` (a session's time by kind over its ended spans) with its spans still running counted
    until ``until``: from the first one's start on, the kind ran throughout, so its time is what its
    ended spans ran before that start, plus the time from that start to ``until`` (or what they ran
    after it, should they end later: a clock behind the spans')."""
    if not running:
        return ended
    out = dict(ended)
    for kind, (since, after) in running.items():
        more = until - since - after
        if more > 0:
            out[kind] = out.get(kind, 0) + more
    return out
