"""Small number formatters for the lists, header and cost panel.

Thin re-export point: span-level formatting lives with the tree
(``analysis``); this module only adds what the app's panes need on top, so
every pane shows a duration, a token count or a dollar amount the same way.
"""

from __future__ import annotations

import time

S = 1_000_000_000


def duration(ns: int | float) -> str:
    """Compact duration: 850ms, 2.18s, 1m05s, 2h03m."""
    ns = max(0, int(ns))
    if ns < 1_000_000:
        return f"{ns / 1000:.0f}µs" if ns >= 1000 else f"{ns}ns"
    if ns < S:
        return f"{ns / 1_000_000:.0f}ms"
    s = ns / S
    if s < 10:
        return f"{s:.2f}s"
    if s < 60:
        return f"{s:.1f}s"
    m, sec = divmod(int(s), 60)
    if m < 60:
        return f"{m}m{sec:02d}s"
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m"


def tokens(n: int | float) -> str:
    """1234 -> 1.2k, 2_500_000 -> 2.5M."""
    n = int(n)
    if abs(n) < 1000:
        return str(n)
    if abs(n) < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.1f}M"


def cost(usd: float | None) -> str:
    """Dollars with enough precision for cheap calls: $0.0081, $0.43, $12.10."""
    if usd is None:
        return "—"
    if usd == 0:
        return "$0"
    if abs(usd) < 0.01:
        return f"${usd:.4f}"
    if abs(usd) < 100:
        return f"${usd:.2f}"
    return f"${usd:,.0f}"


def ago(then_ns: int, now_ns: int) -> str:
    """How long ago: 'now', '12s', '3m', '2h', '4d'."""
    d = max(0, now_ns - then_ns) // S
    if d < 2:
        return "now"
    if d < 60:
        return f"{d}s"
    if d < 3600:
        return f"{d // 60}m"
    if d < 86400:
        return f"{d // 3600}h"
    return f"{d // 86400}d"


def clock(ns: int) -> str:
    """Local wall-clock time of day, HH:MM:SS."""
    return time.strftime("%H:%M:%S", time.localtime(ns / S))


def clock_ms(ns: int) -> str:
    """Local wall-clock time with milliseconds, HH:MM:SS.mmm."""
    return f"{clock(ns)}.{(ns // 1_000_000) % 1000:03d}"
