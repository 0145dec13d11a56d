"""Which agent runs a span, and what each agent of a run spent.

In a run of several agents (a triage agent handing off to a specialist, a
coding agent and its sub-agent) each span is the agent's that runs it: the
nearest agent span at or above it that names its agent (``agent_of``), or
the nearest span above it inside which a named agent runs with no agent span
of its own (``model.RUNS_AGENT_ATTR``: CrewAI's delegation to a coworker). A
trace's spend by agent is cached on the trace until it changes
(``trace_agents``), so a reader that asks again and again (the cost pane)
recomputes only the traces that changed; the CLI's ``costs --group-by agent``
charges spans by the same rule, so both show the same figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ..model import RUNS_AGENT_ATTR, Span, SpanKind, waiting_call
from .aggregates import Bucket, counted

if TYPE_CHECKING:
    from .entries import TraceEntry

#: The row of spans no agent runs (in a run where some agent does).
NO_AGENT = "(no agent)"
_AGENT = SpanKind.AGENT
_LLM = SpanKind.LLM_CALL
_RUNS = RUNS_AGENT_ATTR


#: An agent's name as a delegation's arguments may write it, by the trace it runs in (see ``spellings``).
Spellings = dict[tuple[str, str], str]


def spellings(spans: Iterable[Span]) -> Spellings:
    """The agents' names as their agent spans write them, by (trace id, name casefolded): the name a
    delegation runs (``RUNS_AGENT_ATTR``) is the model's words, in the model's case (CrewAI finds the
    coworker ignoring case), and is shown as the agent's own span writes it, one row an agent."""
    return {(s.trace_id, s.agent.name.casefold()): s.agent.name for s in spans
            if s.kind is _AGENT and s.agent is not None and s.agent.name}


def agent_of(span: Span, parent: Callable[[Span], Span | None], below: bool = False,
             spelled: Spellings | None = None) -> str | None:
    """The agent that runs ``span``: the name of the nearest agent span at or above it, or of the
    agent run inside the nearest span above it that names one (``RUNS_AGENT_ATTR``: a delegation tool
    call, itself its caller's; written as ``spelled`` has it, if there), else the nearest agent name
    any span at or above it carries (a model call that names its agent with no agent span around it),
    else None. ``parent``: a span's parent, or None (not known yet, or a root). ``below``: the agent
    that runs the spans below ``span`` (a delegation span's is the agent it names)."""
    named: str | None = None
    seen: set[str] = set()
    s: Span | None = span
    while s is not None and s.span_id not in seen:
        seen.add(s.span_id)
        if (below or s is not span) and (runs := s.attributes.get(_RUNS)):
            runs = str(runs)
            return spelled.get((s.trace_id, runs.casefold()), runs) if spelled else runs
        name = s.agent.name if s.agent is not None else None
        if name:
            if s.kind is _AGENT:
                return str(name)
            named = named or str(name)
        s = parent(s)
    return named


def parent_in(spans: dict[tuple[str, str], Span]) -> Callable[[Span], Span | None]:
    """``agent_of``'s ``parent`` over spans keyed by (trace id, span id)."""
    return lambda s: spans.get((s.trace_id, s.parent_span_id)) if s.parent_span_id else None


#: A trace's spend by agent: agent name -> what its spans spent (``Bucket``), and -> its model
#: calls open with nothing counted yet (``model.waiting_call``: what they cost is to come).
AgentSpend = tuple[dict[str, Bucket], dict[str, int]]
_NONE: AgentSpend = ({}, {})


def _attributed(trace: TraceEntry) -> AgentSpend:
    """The trace's spend by agent, over its spans in memory: the figures the totals count
    (``aggregates.counted``) for the spans that spent something or are model calls. Nothing
    when no span of the trace names an agent (one walk, none up)."""
    spans = trace.spans
    if not any((s.agent is not None and s.agent.name) or _RUNS in s.attributes for s in spans.values()):
        return _NONE
    spelled = spellings(spans.values()) if any(_RUNS in s.attributes for s in spans.values()) else None

    def parent(s: Span) -> Span | None:
        return spans.get(s.parent_span_id) if s.parent_span_id else None

    # A span that names no agent is its parent's agent's: answered once a parent (a model call's
    # siblings share theirs), not walked up again for each child.
    of_parent: dict[str, str | None] = {}
    out: dict[str, Bucket] = {}
    waiting: dict[str, int] = {}
    for s in spans.values():
        # Only what moves a figure shown by agent (tokens, cost, model calls): a span with no
        # usage and no cost that is no model call counts nothing (``counted``'s plain case).
        if s.usage is None and s.cost is None and s.kind is not _LLM:
            continue
        (_sig, _running, error, _llm, _dur, _minute, _plain, i, o, cr, cw, _rs, est, cost, unknown) = counted(s)
        pid = s.parent_span_id
        if (s.agent is not None and s.agent.name) or pid is None:
            name = agent_of(s, parent, spelled=spelled)
        elif pid in of_parent:
            name = of_parent[pid]
        else:
            p = spans.get(pid)
            name = of_parent[pid] = agent_of(p, parent, below=True, spelled=spelled) if p is not None else None
        key = name or NO_AGENT
        b = out.get(key)
        if b is None:
            b = out[key] = Bucket()
        b.spans += 1
        b.errors += error
        b.input_tokens += i
        b.output_tokens += o
        b.cache_read += cr
        b.cache_write += cw
        b.estimated += est
        b.cost += cost
        b.cost_unknown += unknown
        if s.end_ns is None and waiting_call(s):
            waiting[key] = waiting.get(key, 0) + 1
    return out, waiting


def trace_agents(trace: TraceEntry) -> AgentSpend:
    """``_attributed`` cached on the trace until it changes."""
    cached = trace.agent_cache
    if cached is not None and cached[0] == trace.version:
        return cached[1]
    got = _attributed(trace)
    trace.agent_cache = (trace.version, got)
    return got


def stale_agents(traces: Iterable[TraceEntry]) -> list[TraceEntry]:
    """The traces whose spend by agent must be worked out again (changed since, or never)."""
    return [t for t in traces if (c := t.agent_cache) is None or c[0] != t.version]


def rollup_agents(traces: Iterable[TraceEntry]) -> AgentSpend:
    """The spend by agent over ``traces`` (each trace's cached), summed."""
    total: dict[str, Bucket] = {}
    waiting: dict[str, int] = {}
    for t in traces:
        buckets, open_calls = trace_agents(t)
        for key, b in buckets.items():
            acc = total.get(key)
            if acc is None:
                acc = total[key] = Bucket()
            acc.add([b.spans, b.errors, b.input_tokens, b.output_tokens, b.cache_read, b.cache_write, b.estimated,
                     b.cost, b.cost_unknown])
        for key, n in open_calls.items():
            waiting[key] = waiting.get(key, 0) + n
    return total, waiting
