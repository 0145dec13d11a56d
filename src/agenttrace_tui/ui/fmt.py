"""Small number formatters for the lists, header and cost panel.

Thin re-export point: span-level formatting lives with the tree
(``analysis``); this module only adds what the app's panes need on top, so
every pane shows a duration, a token count or a dollar amount the same way.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..format.numbers import (
    NOTHING_COUNTED,
    column_digits,
    fmt_attributed,
    fmt_cost,
    fmt_cost_delta,
    fmt_count,
    fmt_duration,
    fmt_row_cost,
    fmt_signed,
    fmt_span_time,
    fmt_tokens,
    plural,
)

if TYPE_CHECKING:
    from ..store.aggregates import Totals

S = 1_000_000_000


#: Span-level formatting is the tree's (one look across panes).
duration = fmt_duration
span_time = fmt_span_time
tokens = fmt_tokens
count = fmt_count
cost = fmt_cost
cost_delta = fmt_cost_delta
row_cost = fmt_row_cost
attributed = fmt_attributed
signed = fmt_signed
__all__ = ["NOTHING_COUNTED", "duration", "span_time", "tokens", "count", "cost", "row_cost", "attributed", "cost_delta", "signed", "column_digits", "plural", "ago", "clock", "clock_ms",
           "sum_cost"]


def sum_cost(t: Totals, live_calls: int, digits: int | None = None, width: int | None = None) -> str:
    """A sum's cost (a trace's, a session's, all of them) as the panes show it. Of its model
    calls still running with no tokens yet (``Totals.llm_waiting``), ``live_calls`` may still
    end: their cost is to come (``$0.42+…``); the others never will (their agent exited inside
    them, or the recording is over), so what they cost is not known (``$0.42+$?``), never a
    silent part of a total."""
    cut = t.llm_waiting - live_calls
    return fmt_cost(t.cost, t.estimated > 0, t.cost_unknown + cut, digits, width, running=live_calls)


def ago(then_ns: int, now_ns: int) -> str:
    """How long ago: 'now', '12s', '3m', '2h', '4d', '2y' (four cells at most: a time near
    1970, which a sender may well send, read '207…' in days)."""
    d = max(0, now_ns - then_ns) // S
    if d < 2:
        return "now"
    if d < 60:
        return f"{d}s"
    if d < 3600:
        return f"{d // 60}m"
    if d < 86400:
        return f"{d // 3600}h"
    if d < 365 * 86400:
        return f"{d // 86400}d"
    return f"{min(d // (365 * 86400), 999)}y"


def clock(ns: int) -> str:
    """Local wall-clock time of day, HH:MM:SS."""
    return time.strftime("%H:%M:%S", time.localtime(ns / S))


def clock_ms(ns: int) -> str:
    """Local wall-clock time with milliseconds, HH:MM:SS.mmm."""
    return f"{clock(ns)}.{(ns // 1_000_000) % 1000:03d}"


def day(ns: int) -> tuple[int, int, int]:
    """The local calendar day of ``ns``."""
    return time.localtime(ns / S)[:3]


def stamp_ms(ns: int, dated: bool) -> str:
    """``clock_ms``, after the local date (YYYY-MM-DD) when ``dated``: a time of day alone
    reads as today's, wrong for a span of another day or one that runs past midnight."""
    return f"{time.strftime('%Y-%m-%d', time.localtime(ns / S))} {clock_ms(ns)}" if dated else clock_ms(ns)
