"""Plain-text renderings of tokens and dollars, shared by UI, CLI and exports.

Numbers the monitor estimated carry the mark ``≈`` wherever they show; a cost
nobody can price shows as ``unknown``, never as ``$0``.
"""

from __future__ import annotations

from ..model import Cost, TokenUsage

ESTIMATED_MARK = "≈"


def fmt_tokens(n: float, estimated: bool = False) -> str:
    """``1,234`` or ``≈1,234``; large counts shortened (``12.3k``, ``4.56M``)."""
    n = round(n)
    if n >= 10_000_000:
        text = f"{n / 1e6:.1f}M"
    elif n >= 1_000_000:
        text = f"{n / 1e6:.2f}M"
    elif n >= 100_000:
        text = f"{n / 1e3:.0f}k"
    else:
        text = f"{n:,}"
    return ESTIMATED_MARK + text if estimated else text


def fmt_usd(value: float | None, estimated: bool = False) -> str:
    """``$1.23``, ``$0.0042``, ``≈$0.10``, or ``unknown`` for None."""
    if value is None:
        return "unknown"
    if value == 0:
        text = "$0"
    elif abs(value) < 0.01:
        text = f"${value:.4f}"
    elif abs(value) < 100:
        text = f"${value:.2f}"
    else:
        text = f"${value:,.0f}"
    return ESTIMATED_MARK + text if estimated else text


def span_cost_text(cost: Cost | None, usage: TokenUsage | None) -> str:
    """One span's cost as shown: reported/computed amount, ``≈`` if from estimated tokens."""
    if cost is None:
        return ""
    if cost.total is None:
        return "unknown"
    return fmt_usd(cost.total, estimated=bool(usage is not None and usage.estimated and cost.source != "reported"))
