"""The key attributes shown inline after a span's name, per span kind."""

from __future__ import annotations

from typing import Any

from ..format.cost import span_cost_text
from ..format.numbers import ESTIMATED_MARK, fmt_tokens
from ..model import Span


def span_summary(span: Span, limit: int = 80) -> list[tuple[str, str, bool]]:
    """The key attributes shown inline for a span, per kind, as (label, value, whole) triples.

    Values are raw (untrusted) strings: the caller makes them safe for display.
    ``whole``: the value is a number (tokens, cost, counts), to be shown whole or
    not at all -- a cut ``$0.0033`` would read ``$0…``, as if it cost nothing;
    text may be cut. llm: model, tokens in→out, cache, cost, stop reason, cached;
    tool: tool, action, target, status; agent: name, iteration, state; rag: query,
    hits; file: operation, path; and any other span's cost last (``$?`` when it
    has no price, ``≈`` when from estimated tokens).
    """
    out: list[tuple[str, str, bool]] = []

    def add(label: str, value: Any, whole: bool = False) -> None:
        if value is None or value == "":
            return
        s = value if isinstance(value, str) else str(value)
        if len(s) > limit:
            s = s[: limit - 1] + "…"
        out.append((label, s, whole))

    llm = span.llm
    if llm is not None:
        add("", llm.model)
    u = span.usage
    if u is not None and (u.input or u.output):
        tok = f"{fmt_tokens(u.input)}→{fmt_tokens(u.output)}"
        if u.scope == "subtree":
            tok += " Σ"
        if u.estimated:
            tok = ESTIMATED_MARK + tok
        add("tok", tok, True)
        if u.cache_read:
            add("cache", fmt_tokens(u.cache_read), True)
    c = span.cost
    # Unknown shows $? (the detail says why); a real $0 stays quiet. A model call's
    # cost goes beside its tokens, before what a narrow row may leave out.
    cost = span_cost_text(c, u) if c is not None and (c.total or c.total is None) else None
    if llm is not None:
        add("", cost, True)
        cost = None
        add("stop", llm.stop_reason)
        if llm.cached:
            add("", "cached")
    t = span.tool
    if t is not None:
        add("tool", t.name)
        add("", t.action)
        add("", t.target)
        if t.status and t.status.lower() not in ("ok", "success"):
            add("status", t.status)
    a = span.agent
    if a is not None:
        add("agent", a.name)
        if a.iteration is not None:
            add("iter", a.iteration, True)
        add("state", a.state)
    r = span.rag
    if r is not None:
        if r.query:
            add("query", f"\u201c{r.query}\u201d")
        if r.sources_found is not None:
            add("hits", r.sources_found, True)
        if r.top_score is not None:
            add("score", f"{r.top_score:.2f}", True)
    f = span.file
    if f is not None:
        add("", f.operation)
        add("", f.path)
    add("", cost, True)
    return out


# -- structure ----------------------------------------------------------------
