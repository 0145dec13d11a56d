"""A span's cost with its provenance, for the detail view, the tree and exports.

Only the wording lives here; every figure goes through ``numbers.fmt_cost``
so a span shows the same amount wherever it appears.
"""

from __future__ import annotations

from ..model import Cost, TokenUsage
from .numbers import fmt_cost

#: Why a model call that failed and reported no tokens counts $0 (every sum counts it so).
FAILED_NO_TOKENS = "the call failed; no tokens reported"
#: What a model call still running with nothing counted costs: it comes with its end.
UNTIL_ITS_END = "not known until the call ends"
#: Why a model call left open with nothing counted has no cost once its session stopped
#: running (its agent exited inside it): it will never end (``model.waiting_call``).
NEVER_ENDED = "a call was still open when its session stopped running"
#: Ends ``Cost.priced_as`` when the price is the model's that answered the call: the name it asked
#: for has no price (an Azure OpenAI deployment's name is the caller's own).
ANSWERED = " (the model that answered)"


def priced_as_text(cost: Cost, provider: str | None) -> str:
    """Whose price a span's figure is when it is not its own model's (``cost.priced_as``), and why."""
    shown = cost.priced_as or ""
    if shown.endswith(ANSWERED):
        why = "the model the call asked for has no price"
    elif provider:
        why = "the span's provider has no price for this model"
    else:
        why = "the span names no provider"
    return f"priced as {shown}: {why}"


def cost_estimated(cost: Cost | None, usage: TokenUsage | None) -> bool:
    """True when the figure was computed from tokens the monitor estimated."""
    return bool(cost is not None and cost.source != "reported" and usage is not None and usage.estimated)


def span_unpriced(cost: Cost | None, usage: TokenUsage | None) -> bool:
    """An LLM call's usage with no price: its cost is unknown, never $0."""
    return cost is not None and cost.total is None


def span_cost_text(cost: Cost | None, usage: TokenUsage | None, digits: int | None = None) -> str:
    """One span's cost as shown: the amount, ``≈`` if from estimated tokens, ``$?`` if unknown, "" if none."""
    if cost is None:
        return ""
    if cost.total is None:
        return fmt_cost(None)
    return fmt_cost(cost.total, estimated=cost_estimated(cost, usage), digits=digits)


def cost_source_text(cost: Cost, usage: TokenUsage | None) -> str:
    """Where a span's figure came from, in words (the detail view's cost line)."""
    if cost.total is None:
        return cost.reason or "no price"
    if cost.reason:  # a figure with a reason of its own: a local model's $0 says why it is $0
        return cost.reason
    if cost_estimated(cost, usage):
        return "computed from estimated tokens"
    return cost.source
