"""Budget states of a session: "ok", "warn" from 80 % of the budget, "over" from 100 %."""

from __future__ import annotations

from typing import Literal

from ..store.entries import SessionEntry

#: Budget thresholds: "warn" from this fraction of the budget, "over" from 1.0.
BUDGET_WARN = 0.8


def budget_state(entry: SessionEntry | None, budget: float | None) -> Literal["ok", "warn", "over"]:
    """``"over"`` at 100 % of the per-session budget, ``"warn"`` from 80 %, else ``"ok"``."""
    if entry is None or budget is None or budget <= 0:
        return "ok"
    spent = entry.totals.cost
    if spent >= budget:
        return "over"
    if spent >= BUDGET_WARN * budget:
        return "warn"
    return "ok"

