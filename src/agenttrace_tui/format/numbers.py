"""Plain-text numbers for every surface (tree rows, panes, CLI tables, headless).

One place decides how a duration, a token count and a dollar amount look, so
the UI, the CLI and exports agree. Numbers the monitor estimated carry ``≈``;
a cost nobody could price shows ``$?`` (the detail view says why).
"""

from __future__ import annotations

import math
import time

ESTIMATED_MARK = "≈"


def fmt_duration(ns: int | float | None) -> str:
    """A short human duration: ``850ns``, ``12µs``, ``3.4ms``, ``1.23s``, ``2m05s``, ``1h02m``."""
    if ns is None:
        return "-"
    ns = max(0, int(ns))
    if ns < 1_000:
        return f"{ns}ns"
    if ns < 1_000_000:
        us = ns / 1_000
        return f"{us:.1f}µs" if us < 10 else f"{us:.0f}µs"
    if ns < 1_000_000_000:
        ms = ns / 1_000_000
        return f"{ms:.1f}ms" if ms < 10 else f"{ms:.0f}ms"
    s = ns / 1_000_000_000
    if s < 10:
        return f"{s:.2f}s"
    if s < 60:
        return f"{s:.1f}s"
    total = int(s)
    if total < 3600:
        return f"{total // 60}m{total % 60:02d}s"
    if total < 86400:
        return f"{total // 3600}h{(total % 3600) // 60:02d}m"
    return f"{total // 86400}d{(total % 86400) // 3600:02d}h"


def fmt_tokens(n: int | float, estimated: bool = False) -> str:
    """Token counts: ``950``, ``1.2k``, ``12k``, ``3.4M``; ``≈`` marks an estimate."""
    if estimated:
        return ESTIMATED_MARK + fmt_tokens(n)
    n = int(n)
    sign = "-" if n < 0 else ""
    n = abs(n)
    if n < 1000:
        return f"{sign}{n}"
    if n < 10_000:
        return f"{sign}{n / 1000:.1f}k"
    if n < 1_000_000:
        return f"{sign}{n // 1000}k"
    if n < 10_000_000:
        return f"{sign}{n / 1_000_000:.1f}M"
    return f"{sign}{n // 1_000_000}M"


def fmt_cost(usd: float | None, estimated: bool = False) -> str:
    """Dollars with enough digits to tell small LLM costs apart; ``$?`` when unknown."""
    if estimated and usd is not None:
        return ESTIMATED_MARK + fmt_cost(usd)
    if usd is None or not math.isfinite(usd):
        return "$?"
    a = abs(usd)
    if a == 0:
        return "$0"
    if a < 0.01:
        return f"${usd:.4f}"
    if a < 100:
        return f"${usd:.2f}"
    return f"${usd:,.0f}"


def fmt_time(ns: int | None) -> str:
    """Local wall-clock time of an epoch-ns timestamp; ``-`` when unknown."""
    if not ns:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ns / 1e9))
