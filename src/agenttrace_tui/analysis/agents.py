"""Which agent runs a span, in a run of several agents (a triage agent handing off to a specialist)."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Span, SpanKind


def agent_of(span: Span, parent: Callable[[Span], Span | None]) -> str | None:
    """The agent that runs ``span``: the name of the nearest agent span at or above it, else the
    nearest agent name any span at or above it carries (a model call that names its agent with no
    agent span around it), else None. ``parent``: a span's parent, or None (not known yet, or a root)."""
    named: str | None = None
    seen: set[str] = set()
    s: Span | None = span
    while s is not None and s.span_id not in seen:
        seen.add(s.span_id)
        name = s.agent.name if s.agent is not None else None
        if name:
            if s.kind is SpanKind.AGENT:
                return str(name)
            named = named or str(name)
        s = parent(s)
    return named


def parent_in(spans: dict[tuple[str, str], Span]) -> Callable[[Span], Span | None]:
    """``agent_of``'s ``parent`` over spans keyed by (trace id, span id)."""
    return lambda s: spans.get((s.trace_id, s.parent_span_id)) if s.parent_span_id else None
