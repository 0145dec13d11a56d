"""Which tool calls burn tokens: LLM spend attributed to the tool calls around it.

The rule (docs/costs.md):

* The LLM call that **decided** a tool call is the llm span whose response
  preview names the tool's call id; failing that, the last llm sibling (same
  parent) that started at or before the tool started; failing that, the
  nearest llm ancestor.
* The LLM call that **consumed** its result is the first llm sibling that
  started at or after the tool ended (a running tool has no consumer yet).
* An LLM call that decided (or consumed) several tool calls splits its cost
  and tokens equally among them, so the per-tool columns add up to no more
  than the LLM spend -- nothing is counted twice.

Derived per trace and cached by the trace's change counter, so a reader
recomputes only traces that changed since it last asked.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, overload

from ..model import INTERNAL_ATTR, Span, SpanKind, Status, span_flags

if TYPE_CHECKING:
    from .entries import TraceEntry


class ToolCost:
    """One tool name's share of LLM spend, plus its own calls."""

    __slots__ = (
        "name",
        "calls",
        "errors",
        "duration_ns",
        "decided_cost",
        "decided_tokens",
        "consumed_cost",
        "consumed_tokens",
        "decided_calls",
        "consumed_calls",
        "decided_unpriced",
        "consumed_unpriced",
        "decided_waiting",
        "consumed_waiting",
        "estimated",
        "server",
    )

    def __init__(self, name: str) -> None:
        self.name = name
        #: The MCP server its calls ran on, where a call's span names it (``ToolInfo.server``).
        self.server: str | None = None
        self.calls = 0
        self.errors = 0
        self.duration_ns = 0
        self.decided_cost = 0.0
        self.decided_tokens = 0.0
        self.consumed_cost = 0.0
        self.consumed_tokens = 0.0
        #: Its calls that a model call decided, and that one consumed (none: no share, not $0).
        self.decided_calls = 0
        self.consumed_calls = 0
        #: Of those, the calls whose share came from a model call with no price (its cost is not
        #: known: ``$?``), and from one still running with nothing counted yet (``$…``).
        self.decided_unpriced = self.consumed_unpriced = 0
        self.decided_waiting = self.consumed_waiting = 0
        #: Tool calls whose attributed LLM tokens were (partly) estimated.
        self.estimated = 0

    @property
    def cost(self) -> float:
        return self.decided_cost + self.consumed_cost

    @property
    def tokens(self) -> float:
        return self.decided_tokens + self.consumed_tokens

    def add(self, other: ToolCost) -> None:
        # Spelled out (not a loop over __slots__ with getattr/setattr): a rollup adds
        # one of these per tool per trace, and this runs several times faster.
        self.calls += other.calls
        self.errors += other.errors
        self.duration_ns += other.duration_ns
        self.decided_cost += other.decided_cost
        self.decided_tokens += other.decided_tokens
        self.consumed_cost += other.consumed_cost
        self.consumed_tokens += other.consumed_tokens
        self.decided_calls += other.decided_calls
        self.consumed_calls += other.consumed_calls
        self.decided_unpriced += other.decided_unpriced
        self.consumed_unpriced += other.consumed_unpriced
        self.decided_waiting += other.decided_waiting
        self.consumed_waiting += other.consumed_waiting
        self.estimated += other.estimated
        if self.server is None:
            self.server = other.server


#: Statuses a tool call counts as an error in.
_FAILED = frozenset({Status.ERROR, Status.TIMEOUT})
# Module constants: ``SpanKind.X`` on the class costs ~0.2 µs a read on Python 3.11.
_LLM = SpanKind.LLM_CALL
_TOOL = SpanKind.TOOL_EXECUTION


def _is_llm(s: Span) -> bool:
    return s.kind is _LLM


def _is_tool(s: Span) -> bool:
    return s.kind is _TOOL or (s.tool is not None and s.kind is not _LLM)


def _spend(s: Span) -> tuple[float, int, bool, bool, bool]:
    """(cost, tokens, estimated, unpriced, waiting) of a model call: unpriced as every rollup
    counts it (``span_flags``), waiting when it runs with nothing counted yet."""
    u = s.usage
    tokens = u.input + u.output if u is not None and u.scope == "span" else 0
    c = s.cost
    cost = c.total if c is not None and c.total is not None and (u is None or u.scope == "span") else 0.0
    waiting = s.end_ns is None and not tokens and not cost
    return cost, tokens, bool(u is not None and u.estimated), bool(span_flags(s)[0]), waiting


#: A trace's calls that take part in ``across_traces``: its tool calls when it holds no model
#: call, its model calls when it holds no tool call (else nothing).
Loose = tuple[tuple[Span, ...], tuple[Span, ...]]
_NOT_LOOSE: Loose = ((), ())
#: ``ToolRollup``'s bucket: (the traces and versions summed, their sum, their ``Loose`` calls by
#: session, whether a tool call is among those)
_Bucket = tuple[list[tuple["TraceEntry", int]], dict[str, "ToolCost"], list[tuple[str, Loose]], bool]


def attribute_trace(trace: TraceEntry) -> dict[str, ToolCost]:
    """Tool name -> ToolCost for one trace (uncached)."""
    return _attributed(trace)[0]


def _attributed(trace: TraceEntry) -> tuple[dict[str, ToolCost], Loose]:
    """``attribute_trace``, and the trace's calls ``across_traces`` may match (``Loose``)."""
    spans = trace.spans
    # One pass sorts the spans (what _is_llm and _is_tool say, spelled out: this
    # runs once per changed trace per cost-pane read, over every span of it).
    llm_kind = SpanKind.LLM_CALL
    tool_kind = SpanKind.TOOL_EXECUTION
    tools: list[Span] = []
    llms_by_parent: dict[str | None, list[Span]] = {}
    answering: list[Span] = []
    for s in spans.values():
        kind = s.kind
        if kind is llm_kind:
            group = llms_by_parent.get(s.parent_span_id)
            if group is None:
                llms_by_parent[s.parent_span_id] = [s]
            else:
                group.append(s)
            if s.llm is not None and s.llm.response_preview:
                answering.append(s)
        elif (kind is tool_kind or s.tool is not None) and not s.attributes.get(INTERNAL_ATTR):
            tools.append(s)  # (a framework internal with a tool part is no tool call: OpenCode's Tool.execute)
    if not tools:
        return {}, ((), tuple(s for group in llms_by_parent.values() for s in group)) if llms_by_parent else _NOT_LOOSE
    if not llms_by_parent:
        return _charged(tools, {}, {}), (tuple(tools), ())  # no model call here to charge them to
    for group in llms_by_parent.values():
        group.sort(key=lambda s: s.start_ns)

    decided: dict[str, tuple[Span, list[Span]]] = {}  # llm span id -> (it, the tools it decided)
    consumed: dict[str, tuple[Span, list[Span]]] = {}
    below: dict[str | None, list[Span]] | None = None  # made when a tool first needs it (_llms_below)
    for t in tools:
        siblings = llms_by_parent.get(t.parent_span_id, ())
        decider: Span | None = None
        call_id = t.tool.call_id if t.tool is not None else None
        if call_id:
            for s in answering:
                if call_id in s.llm.response_preview:  # type: ignore[union-attr, operator]
                    decider = s
                    break
        if decider is None:
            for s in siblings:
                if s.start_ns <= t.start_ns:
                    decider = s
                else:
                    break
        if decider is None:
            pid = t.parent_span_id
            seen = 0
            while pid is not None and seen < 1000:  # bounded: ids may form a cycle
                p = spans.get(pid)
                if p is None:
                    break
                if _is_llm(p):
                    decider = p
                    break
                pid = p.parent_span_id
                seen += 1
        consumer: Span | None = None
        if t.end_ns is not None:
            for s in siblings:
                if s.start_ns >= t.end_ns and s is not decider:
                    consumer = s
                    break
        if decider is None or (consumer is None and t.end_ns is not None):
            # The model calls sit beside the tool in subtrees of their own (LangGraph's agent
            # node runs the model, its tools node the tool; the AI SDK and ADK for TypeScript
            # run it inside the step that asked for it, the next step beside that one): the
            # nearest scope around the tool that holds one (``_scope_calls``).
            if below is None:
                below = _llms_below(spans, llms_by_parent)
            scoped_decider, scoped_consumer = _scope_calls(spans, below, t, decider)
            decider = decider or scoped_decider
            consumer = consumer or scoped_consumer
        # (get first: setdefault would build a tuple and a list for every tool call)
        if decider is not None:
            if (got := decided.get(decider.span_id)) is None:
                decided[decider.span_id] = (decider, [t])
            else:
                got[1].append(t)
        if consumer is not None:
            if (got := consumed.get(consumer.span_id)) is None:
                consumed[consumer.span_id] = (consumer, [t])
            else:
                got[1].append(t)
    return _charged(tools, decided, consumed), _NOT_LOOSE


def across_traces(loose: Iterable[tuple[str, Loose]]) -> dict[str, ToolCost]:
    """The shares of tool calls in traces that hold no model call, from the model calls of the
    same session in traces that hold no tool call (``loose``: each trace's session and ``Loose``).

    Gemini CLI sends each model call and each tool call as a trace of its own: no rule within
    a trace finds the call that asked for a tool or the one that read its result. Across the
    session's traces, the last such model call that started at or before the tool started
    decided it, the first that started at or after it ended consumed it. Only calls no trace
    of their own could charge take part: no model call is charged twice.
    """
    tools: dict[str, list[Span]] = {}
    calls: dict[str, list[Span]] = {}
    for sid, (alone_tools, alone_calls) in loose:
        if alone_tools:
            tools.setdefault(sid, []).extend(alone_tools)
        if alone_calls:
            calls.setdefault(sid, []).extend(alone_calls)
    decided: dict[tuple[str, str], tuple[Span, list[Span]]] = {}
    consumed: dict[tuple[str, str], tuple[Span, list[Span]]] = {}
    for sid, ts in tools.items():
        group = sorted(calls.get(sid, ()), key=_start)
        if not group:
            continue
        for t in ts:
            i = bisect.bisect_right(group, t.start_ns, key=_start)
            decider = group[i - 1] if i > 0 else None
            if decider is not None:
                decided.setdefault((decider.trace_id, decider.span_id), (decider, []))[1].append(t)
            if t.end_ns is not None:
                i = bisect.bisect_left(group, t.end_ns, key=_start)
                if i < len(group) and group[i] is decider:
                    i += 1
                if i < len(group):
                    c = group[i]
                    consumed.setdefault((c.trace_id, c.span_id), (c, []))[1].append(t)
    return _charged([], decided, consumed) if decided or consumed else {}


def _charged(tools: list[Span], decided: Mapping[Any, tuple[Span, list[Span]]],
             consumed: Mapping[Any, tuple[Span, list[Span]]]) -> dict[str, ToolCost]:
    """Tool name -> its calls of ``tools`` with the shares of the model calls that decided
    and consumed tool calls (a key per model call -> (the call, the tool calls it decided or
    consumed)); a tool call not in ``tools`` adds its shares only."""
    out: dict[str, ToolCost] = {}

    def row(t: Span) -> ToolCost:
        name = (t.tool.name if t.tool is not None and t.tool.name else None) or t.name or "?"
        r = out.get(name)
        if r is None:
            r = out[name] = ToolCost(name)
        return r

    for t in tools:
        tool = t.tool
        name = (tool.name if tool is not None and tool.name else None) or t.name or "?"
        r = out.get(name)
        if r is None:
            r = out[name] = ToolCost(name)
        if tool is not None and tool.server is not None:
            r.server = tool.server
        r.calls += 1
        if t.status in _FAILED:
            r.errors += 1
        end = t.end_ns
        if end is not None and end > t.start_ns:  # Span.duration_ns() with no clock
            r.duration_ns += end - t.start_ns
    marked: set[str] = set()
    for table, is_decided in ((decided, True), (consumed, False)):
        for llm, ts in table.values():
            cost, tokens, estimated, unpriced, waiting = _spend(llm)
            share_c, share_t = cost / len(ts), tokens / len(ts)
            for t in ts:
                r = row(t)
                if is_decided:
                    r.decided_cost += share_c
                    r.decided_tokens += share_t
                    r.decided_calls += 1
                    r.decided_unpriced += unpriced
                    r.decided_waiting += waiting
                else:
                    r.consumed_cost += share_c
                    r.consumed_tokens += share_t
                    r.consumed_calls += 1
                    r.consumed_unpriced += unpriced
                    r.consumed_waiting += waiting
                if estimated and t.span_id not in marked:
                    marked.add(t.span_id)
                    r.estimated += 1
    return out


#: How far up a span's ancestors the scope rule looks (ids may form a cycle; real trees are shallow).
MAX_SCOPE_DEPTH = 64


def _ancestor_ids(spans: dict[str, Span], span: Span) -> list[str]:
    """The ids of ``span``'s stored ancestors, its parent first (at most ``MAX_SCOPE_DEPTH``)."""
    out: list[str] = []
    pid = span.parent_span_id
    while pid is not None and len(out) < MAX_SCOPE_DEPTH:
        p = spans.get(pid)
        if p is None or pid in out:
            break
        out.append(pid)
        pid = p.parent_span_id
    return out


def _llms_below(spans: dict[str, Span], llms_by_parent: dict[str | None, list[Span]]) -> dict[str | None, list[Span]]:
    """Span id -> the model calls in its subtree, by start; None -> all of the trace's."""
    below: dict[str | None, list[Span]] = {}
    for group in llms_by_parent.values():
        for s in group:
            for a in (*_ancestor_ids(spans, s), None):
                got = below.get(a)
                if got is None:
                    below[a] = [s]
                else:
                    got.append(s)
    for group in below.values():
        group.sort(key=_start)
    return below


def _scope_calls(spans: dict[str, Span], below: dict[str | None, list[Span]], t: Span,
                 decider: Span | None) -> tuple[Span | None, Span | None]:
    """The model calls that decided and consumed tool call ``t`` when its siblings and
    ancestors say nothing: in the nearest span around ``t`` whose subtree holds a model call
    (outside ``t``'s own) that started at or before ``t``, the last such call; in the nearest
    one whose subtree holds one that started at or after ``t`` ended (other than ``decider``),
    the first such call. The trace is the outermost scope (OpenCode reports each step of a
    turn as a tree of its own)."""
    inside = {s.span_id for s in below.get(t.span_id, ())}  # (a tool seldom runs model calls)
    found: Span | None = None
    consumer: Span | None = None
    for a in (*_ancestor_ids(spans, t), None):
        group = below.get(a)
        if not group:
            continue
        # (By start, found by bisection: a trace's widest scope may hold thousands of calls.)
        if found is None:
            i = bisect.bisect_right(group, t.start_ns, key=_start)
            while i > 0 and group[i - 1].span_id in inside:
                i -= 1
            found = group[i - 1] if i > 0 else None
        if consumer is None and t.end_ns is not None:
            i = bisect.bisect_left(group, t.end_ns, key=_start)
            while i < len(group) and ((s := group[i]) is decider or s is found or s.span_id in inside):
                i += 1
            consumer = group[i] if i < len(group) else None
        if found is not None and (consumer is not None or t.end_ns is None):
            break
    return found, consumer


def _start(s: Span) -> int:
    return s.start_ns


def trace_tools(trace: TraceEntry) -> dict[str, ToolCost]:
    """``attribute_trace`` cached on the trace until it changes."""
    cached = trace.tool_cache
    if cached is not None and cached[0] == trace.version:
        return cached[1]
    result, loose = _attributed(trace)
    trace.tool_cache = (trace.version, result, loose)
    return result


def trace_loose(trace: TraceEntry) -> Loose:
    """The trace's calls ``across_traces`` may match, cached as ``trace_tools``."""
    cached = trace.tool_cache
    if cached is None or cached[0] != trace.version:
        trace_tools(trace)
        cached = trace.tool_cache
        assert cached is not None
    return cached[2]


def _sum(parts: Iterable[dict[str, ToolCost]]) -> dict[str, ToolCost]:
    total: dict[str, ToolCost] = {}
    for part in parts:
        for name, r in part.items():
            acc = total.get(name)
            if acc is None:
                acc = total[name] = ToolCost(name)
            acc.add(r)
    return total


def _ranked(total: dict[str, ToolCost]) -> list[ToolCost]:
    return sorted(total.values(), key=lambda r: (-r.cost, -r.tokens, r.name))


def rollup_tools(traces: Iterable[TraceEntry]) -> list[ToolCost]:
    """Sum per-trace attributions and ``across_traces``; costliest tools first."""
    traces = list(traces)
    total = _sum(trace_tools(t) for t in traces)
    return _ranked(_sum([total, across_traces((t.session_id, trace_loose(t)) for t in traces)]))


#: Consecutive traces (by arrival, ``TraceEntry.first_seen``) summed together in one bucket...
RUN = 32
#: ...and consecutive buckets in one group: a read sums the changed buckets, the
#: changed groups, then the groups.
GROUP = 32


class ToolRollup:
    """``rollup_tools`` for a reader that asks again and again (the cost pane, once a second).

    Summing every trace's attribution on each read walks the whole store: with
    200k spans that took a quarter of a second of the UI tick, once a second,
    and every key pressed meanwhile waited for it. Here the traces are cut
    into buckets of ``RUN`` consecutive traces in arrival order, and the
    buckets into groups of ``GROUP``; a bucket's sum is kept until one of its
    traces changes, is added or leaves, and a group's until one of its
    buckets does. Under ingest the new spans land in the newest traces and
    eviction takes the oldest, so a read re-adds the one or two buckets at
    each end, their groups, then the few group sums, however many traces are
    stored (buckets by a hash of the id would all change within a second of
    eviction). Every sum is rebuilt from the per-trace figures (never kept
    up by subtraction), so no rounding drift accumulates.
    """

    def __init__(self) -> None:
        #: bucket -> its traces and their sum (``_Bucket``)
        self._buckets: dict[int, _Bucket] = {}
        #: group -> (the bucket sums summed, their sum)
        self._groups: dict[int, tuple[list[dict[str, ToolCost]], dict[str, ToolCost]]] = {}
        #: (the store's version, the rollup) of the last whole read, kept by ``Store.tool_costs``
        self.last: tuple[int, list[ToolCost]] | None = None
        #: (the store's version, traces to attribute, next index) left by a budgeted read
        self.backlog: tuple[int, list[TraceEntry], int] | None = None

    def attribute_some(self, budget_spans: int) -> bool:
        """Attribute the next ``budget_spans`` spans' worth of the backlog; True while some is left."""
        if self.backlog is None:
            return False
        version, stale, i = self.backlog
        done = 0
        while i < len(stale) and done < budget_spans:
            t = stale[i]
            trace_tools(t)
            done += len(t.spans)
            i += 1
        self.backlog = (version, stale, i) if i < len(stale) else None
        return self.backlog is not None

    @overload
    def read(self, traces: Iterable[TraceEntry], budget_spans: None = None, version: int = 0,
             defer: bool = False) -> list[ToolCost]: ...
    @overload
    def read(self, traces: Iterable[TraceEntry], budget_spans: int, version: int = 0,
             defer: bool = False) -> list[ToolCost] | None: ...

    def read(self, traces: Iterable[TraceEntry], budget_spans: int | None = None,
             version: int = 0, defer: bool = False) -> list[ToolCost] | None:
        """The rollup of ``traces``, costliest tool first.

        With ``budget_spans``: when the traces not attributed since they last
        changed hold more spans than that, attribute only about that many
        spans' worth of them (whole traces, in the order given), keep the rest
        as the backlog of the store at ``version`` and return None -- the
        caller goes on with ``attribute_some`` while nothing changes, and gets
        the same rollup a read without a budget gives once the rest is done.
        A store filled before its first read (a replay, an import) is
        attributed a slice at a time instead of all at once in one frame.
        ``defer``: attribute nothing now, only leave the backlog (a caller
        answering a key leaves the work to its next slice, between frames).
        """
        self.backlog = None
        if budget_spans is not None:
            traces = traces if isinstance(traces, list) else list(traces)
            # Only the check first: a read that stops after its slice sums nothing.
            stale: list[TraceEntry] = []
            stale_spans = 0
            for t in traces:
                cached = t.tool_cache
                if cached is None or cached[0] != t.version:
                    stale.append(t)
                    stale_spans += len(t.spans)
            if stale_spans > budget_spans:
                self.backlog = (version, stale, 0)
                if not defer:
                    self.attribute_some(budget_spans)
                return None
        grouped: dict[int, list[tuple[TraceEntry, int]]] = {}
        for t in traces:
            key = t.first_seen // RUN
            members = grouped.get(key)
            if members is None:
                grouped[key] = [(t, t.version)]
            else:
                members.append((t, t.version))
        old = self._buckets
        fresh: dict[int, _Bucket] = {}
        by_group: dict[int, list[dict[str, ToolCost]]] = {}
        loose_tools = False
        for key, members in grouped.items():
            kept = old.get(key)
            if kept is None or not _same(kept[0], members):
                total = _sum(trace_tools(t) for t, _ in members)
                # (each trace's cache is current now: trace_tools just read or filled it)
                loose = [(t.session_id, got) for t, _ in members
                         if (got := t.tool_cache[2]) is not _NOT_LOOSE]  # type: ignore[index]
                kept = (members, total, loose, any(tools for _, (tools, _calls) in loose))
            fresh[key] = kept
            loose_tools = loose_tools or kept[3]
            parts = by_group.get(key // GROUP)
            if parts is None:
                by_group[key // GROUP] = [kept[1]]
            else:
                parts.append(kept[1])
        self._buckets = fresh
        old_groups = self._groups
        groups: dict[int, tuple[list[dict[str, ToolCost]], dict[str, ToolCost]]] = {}
        for g, parts in by_group.items():
            was = old_groups.get(g)
            if was is not None and len(was[0]) == len(parts) and all(a is b for a, b in zip(was[0], parts, strict=True)):
                groups[g] = was
            else:
                groups[g] = (parts, _sum(parts))
        self._groups = groups
        sums = _sum(total for _, total in groups.values())
        if loose_tools:  # (seldom: a client that sends its tool calls as traces of their own)
            sums = _sum([sums, across_traces(x for _, _, loose, _ in fresh.values() for x in loose)])
        return _ranked(sums)


def _same(a: list[tuple[TraceEntry, int]], b: list[tuple[TraceEntry, int]]) -> bool:
    """The same trace objects at the same versions, in the same order."""
    return len(a) == len(b) and all(x is y and v == w for (x, v), (y, w) in zip(a, b, strict=True))
