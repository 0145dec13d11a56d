"""A trace as an ASCII tree, for ``traces tree`` and plain-text reports.

    [Trace: execute_query] (Total: 2m05s, Spans: 14, Tokens: 3.1k, Cost: $0.0132)
    ├── [Span: orchestrator_decompose] (Duration: 5.00s)
    │   ├── [Span: llm_planning_call] (Duration: 1.20s, Model: "llama3.1", Tokens: 450/120)
    │   └── [Span: parse_plan] (Duration: 10ms)
    ├── [Span: rag_context_retrieval] (Duration: 30.0s) <--- HOTSPOT

With a single root span, the root is the ``[Trace: ...]`` line (as in the
seed) and its children form the top level; several roots each get a row.

Structure, critical path and the HOTSPOT rule come from ``analysis`` (the
same ones the UI tree uses). Every untrusted value (names, models, paths,
messages) goes through ``sanitize.clean`` and is quoted, so the output is
safe to print and readable when piped. Pure: lines are lists of
``(text, style)`` segments; the caller decides whether to colour them.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace

from ..analysis.critical_path import analyze
from ..analysis.tree import TraceTree, without_internal
from ..format.cost import span_cost_text
from ..format.numbers import fmt_cost, fmt_duration, fmt_span_time, fmt_tokens
from ..format.sanitize import clean
from ..model import INTERNAL_ATTR, Span, Status, counted_cost, span_flags, waiting_call

__all__ = ["render_tree", "to_plain", "span_attributes", "HOTSPOT_MARK", "Segment", "Line"]

HOTSPOT_MARK = "<--- HOTSPOT"
Segment = tuple[str, str]
Line = list[Segment]

_ERROR = frozenset({Status.ERROR, Status.TIMEOUT})


def _q(value: object, limit: int = 80) -> str:
    return '"' + clean(value, limit).replace('"', '\\"') + '"'


def span_attributes(span: Span, running: bool = False) -> list[str]:
    """The inline ``Label: value`` pairs of one span, per its typed parts. A span with no
    end reads "Running" when its session still runs (``running``), else "Unfinished", as
    in the monitor: no end will come, and how long it took is not known."""
    out: list[str] = []
    if span.end_ns is None:
        out.append("Running" if running else "Unfinished: no end recorded")
    else:
        out.append(f"Duration: {fmt_duration(span.duration_ns())}")
    llm = span.llm
    if llm is not None:
        if llm.model:
            out.append(f"Model: {_q(llm.model)}")
        if llm.provider:
            out.append(f"Provider: {_q(llm.provider)}")
    u = span.usage
    if u is not None and (u.input or u.output):
        mark = "≈" if u.estimated else ""
        tok = f"Tokens: {mark}{u.input}/{u.output}"
        if u.scope == "subtree":
            tok += " (subtree)"
        out.append(tok)
        if u.cache_read or u.cache_write:
            out.append(f"Cache: {u.cache_read} read/{u.cache_write} write")
    if llm is not None and llm.stop_reason:
        out.append(f"Stop: {_q(llm.stop_reason)}")
    t = span.tool
    if t is not None:
        if t.name:
            out.append(f"Tool: {_q(t.name)}")
        if t.action:
            out.append(f"Op: {_q(t.action)}")
        if t.target:
            out.append(f"Target: {_q(t.target)}")
    a = span.agent
    if a is not None:
        if a.name:
            out.append(f"Agent: {_q(a.name)}")
        if a.iteration is not None:
            out.append(f"Iteration: {a.iteration}")
        if a.state:
            out.append(f"State: {_q(a.state)}")
    r = span.rag
    if r is not None:
        if r.query:
            out.append(f"Query: {_q(r.query, 60)}")
        if r.sources_found is not None:
            out.append(f"Hits: {r.sources_found}")
        if r.top_score is not None:
            out.append(f"Score: {r.top_score:.2f}")
    f = span.file
    if f is not None and not (t is not None and t.target and t.target == f.path):
        if f.operation:
            out.append(f"Op: {_q(f.operation)}")
        if f.path:
            out.append(f"Path: {_q(f.path)}")
    c = span.cost
    if c is not None and (c.total or c.total is None):
        out.append(f"Cost: {span_cost_text(c, span.usage)}")
    if span.status in _ERROR or span.status.value == "cancelled":
        msg = f" {_q(span.status_message, 120)}" if span.status_message else ""
        out.append(f"Status: {span.status.value.upper()}{msg}")
    return out


def build_tree(spans: Iterable[Span]) -> TraceTree:
    """The tree of a trace's spans read from the DB (orphans become top-level)."""
    by_id = {s.span_id: s for s in spans}
    children: dict[str | None, list[str]] = {}
    for sid, s in by_id.items():
        children.setdefault(s.parent_span_id if s.parent_span_id != sid else None, []).append(sid)
    return TraceTree.from_trace(SimpleNamespace(spans=by_id, children=children, version=0))


def render_tree(spans: Iterable[Span], now_ns: int | None = None, attributes: bool = True,
                running: bool = False, internal: bool = True) -> list[Line]:
    """The lines of one trace's tree (empty for no spans); ``running``: its session still runs;
    ``internal=False``: a client's framework internals left out, each span under its nearest
    ancestor of the agent's own, as the monitor's tree shows it (the figures stay the trace's)."""
    tree = build_tree(spans)
    by_id = tree.spans
    if not by_id:
        return []
    hidden = set() if internal else {sid for sid, s in by_id.items() if s.attributes.get(INTERNAL_ATTR)}
    if hidden and len(hidden) < len(by_id):
        tree = without_internal(tree, hidden)
    else:
        hidden = set()
    roots = [sid for i, sid in enumerate(tree.order) if tree.parent[i] < 0]
    if now_ns is None:
        now_ns = max((s.end_ns or s.start_ns) for s in by_id.values())
    an = analyze(tree, now_ns)
    single_root = len(roots) == 1
    root = by_id[tree.order[0]]
    name = root.name if single_root else root.trace_id
    tokens = sum(s.usage.input + s.usage.output for s in by_id.values() if s.usage and s.usage.scope == "span")
    estimated = any(s.usage.estimated for s in by_id.values() if s.usage)
    # Summed as every surface sums (subtree costs once; unpriced calls apart).
    cost = sum(counted_cost(s) for s in by_id.values())
    unpriced = sum(span_flags(s)[0] for s in by_id.values())
    # Model calls open with nothing counted: their cost is to come while the session runs,
    # and not known once it does not (they will never end), as the monitor's lists say.
    open_calls = sum(map(waiting_call, by_id.values()))
    errors = sum(1 for s in by_id.values() if s.status in _ERROR)
    # With spans open the whole is not known: "+?" as every surface says it (fmt_span_time).
    open_spans = sum(1 for s in by_id.values() if s.end_ns is None)
    summary = [f"Total: {fmt_span_time(an.duration_ns, open_spans)}", f"Spans: {len(by_id)}"]
    if tokens:
        summary.append(f"Tokens: {fmt_tokens(tokens, estimated)}")
    if cost or unpriced or open_calls:
        cost_text = fmt_cost(cost, estimated, unpriced + (0 if running else open_calls), running=open_calls if running else 0)
        summary.append(f"Cost: {cost_text}")
    if errors:
        summary.append(f"Errors: {errors}")
    # One root is the trace line itself, its own attributes there -- unless it counted tokens or
    # cost of its own (a model call with calls under it): then the trace line's figures are the
    # trace's, and the root has its own line below for its own.
    merged = single_root and root.usage is None and root.cost is None
    if merged and attributes:
        # (Its "Running" / "Unfinished" mark stays: the total does not say which spans are open.)
        summary += [a for a in span_attributes(root, running) if not a.startswith(("Duration:", "Cost:"))]
    head: Line = [("[Trace: ", "bold"), (clean(name, 120), "bold"), ("] ", "bold"), (f"({', '.join(summary)})", "dim")]
    if merged and root.span_id in an.hotspots:
        head.append((" " + HOTSPOT_MARK, "bold red"))
    lines: list[Line] = [head]
    # With one root merged its children are the top level; otherwise every root is.
    skip = 1 if merged else 0
    # Guides: for each depth, whether the ancestor at that depth was a last child.
    last_at: list[bool] = []
    n = len(tree.order)
    for i in range(skip, n):
        sid = tree.order[i]
        span = by_id[sid]
        d = tree.depth[i] - skip
        is_last = tree.is_last(i)  # O(1): a wide parent must not make this quadratic
        del last_at[d:]
        if d > MAX_GUIDES:
            # A deep chain: only the nearest guides are drawn, the rest is a count,
            # so a line stays short and the output linear in the trace's size.
            prefix = f"[+{d - MAX_GUIDES}] " + "".join("    " if last else "│   " for last in last_at[-MAX_GUIDES:])
        else:
            prefix = "".join("    " if last else "│   " for last in last_at)
        prefix += "└── " if is_last else "├── "
        last_at.append(is_last)
        err = span.status in _ERROR
        line: Line = [(prefix, "dim"), ("[Span: ", ""), (clean(span.name, 120), "red" if err else "bold"), ("]", "")]
        if attributes:
            attrs = span_attributes(span, running)
            if attrs:
                line.append((" (" + ", ".join(attrs) + ")", "red" if err else ""))
        if sid in an.hotspots:
            line.append((" " + HOTSPOT_MARK, "bold red"))
        lines.append(line)
    if hidden:
        lines.append([(f"{len(hidden)} of the {len(by_id)} spans are a client's framework internals, not shown"
                       " (--internal shows them).", "dim")])
    return lines


#: Levels of guides drawn before a line shows "[+N]" for the deeper ones.
MAX_GUIDES = 32


def to_plain(lines: list[Line]) -> str:
    return "\n".join("".join(text for text, _ in line) for line in lines)
