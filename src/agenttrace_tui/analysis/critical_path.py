"""The critical path of a trace and the HOTSPOT rule (``HOTSPOT_RULE``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .tree import TraceTree

HOTSPOT_SHARE = 0.20

HOTSPOT_RULE = """\
Critical path: walking back from the end of the trace, the chain of spans the
trace actually waited on — at each span, the child that finished last, then
the child that finished last before that one started, and so on (parallel
siblings that finished earlier are off the path). Marked ● in the tree.

HOTSPOT: a span on the critical path whose critical time (the part of the
path inside it) is at least 20 % of the trace's duration, and which is not
merely the parent of a hotspot: when one of its critical children also takes
>= 20 %, the mark moves down to that child, unless the parent's own critical
time outside its critical children is itself >= 20 %. The trace's top span
is marked only for its own time. Traces with a single span have no hotspot."""


@dataclass(slots=True)
class TraceAnalysis:
    """Critical path and hotspots of one trace at one time."""

    start_ns: int = 0
    end_ns: int = 0
    #: span id -> critical time (ns of the critical path inside its subtree)
    critical: dict[str, int] = field(default_factory=dict)
    #: span id -> critical time spent in the span itself, not in a critical child
    self_ns: dict[str, int] = field(default_factory=dict)
    hotspots: frozenset[str] = frozenset()

    @property
    def duration_ns(self) -> int:
        return max(0, self.end_ns - self.start_ns)


def analyze(tree: TraceTree, now_ns: int, share: float = HOTSPOT_SHARE) -> TraceAnalysis:
    """Critical path (see ``HOTSPOT_RULE``) and hotspots; O(n log n), no recursion."""
    spans, order, end = tree.spans, tree.order, tree.end
    n = len(order)
    res = TraceAnalysis()
    if n == 0:
        return res
    objs = [spans[sid] for sid in order]
    starts = [s.start_ns for s in objs]
    ends = [s.end_ns if s.end_ns is not None else now_ns for s in objs]
    ends = [e if e >= b else b for e, b in zip(ends, starts, strict=True)]
    t0 = min(starts)
    t1 = max(ends)
    res.start_ns, res.end_ns = t0, t1
    tops = [i for i in range(n) if tree.parent[i] < 0]
    crit: dict[int, int] = {}
    crit_kids: dict[int, list[int]] = {}

    def pick(kids: list[int], seg_start: int, seg_end: int, owner: int, stack: list[tuple[int, int, int]]) -> None:
        # Last-finishing child first; then the last one that finished before it started.
        cursor = seg_end
        for c in sorted(kids, key=lambda c: (ends[c], -starts[c]), reverse=True):
            if cursor <= seg_start:
                break
            if starts[c] >= cursor:
                continue
            stack.append((c, min(ends[c], cursor), owner))
            cursor = starts[c]

    stack: list[tuple[int, int, int]] = []
    pick(tops, t0, t1, -1, stack)
    while stack:
        i, limit, owner = stack.pop()
        seg_end = min(ends[i], limit)
        crit[i] = max(0, seg_end - starts[i])
        crit_kids.setdefault(owner, []).append(i)
        kids = tree.children_of(i) if end[i] > i + 1 else []
        if kids:
            pick(kids, starts[i], seg_end, i, stack)
    total = t1 - t0
    threshold = share * total
    selfs = {i: max(0, c - sum(crit[k] for k in crit_kids.get(i, ()))) for i, c in crit.items()}
    hot: set[str] = set()
    if n > 1 and total > 0:
        for i, c in crit.items():
            if c < threshold:
                continue
            big_kid = any(crit[k] >= threshold for k in crit_kids.get(i, ()))
            top = tree.parent[i] < 0
            if selfs[i] >= threshold or (not big_kid and not top):
                hot.add(order[i])
    res.critical = {order[i]: c for i, c in crit.items()}
    res.self_ns = {order[i]: s for i, s in selfs.items()}
    res.hotspots = frozenset(hot)
    return res


# -- filter language ------------------------------------------------------------
