"""Budget states of a session: "ok", "warn" from 80 % of the budget, "over" from 100 %."""

from __future__ import annotations

from typing import Literal, Protocol

# Analysis sits beside the store, not above it: a session entry is described
# by the one field read here instead of imported from store/.


class _Spent(Protocol):
    cost: float


class _Session(Protocol):
    @property
    def totals(self) -> _Spent: ...

#: Budget thresholds: "warn" from this fraction of the budget, "over" from 1.0.
BUDGET_WARN = 0.8


def budget_state(entry: _Session | None, budget: float | None) -> Literal["ok", "warn", "over"]:
    """``"over"`` at 100 % of the per-session budget, ``"warn"`` from 80 %, else ``"ok"``."""
    if entry is None or budget is None or budget <= 0:
        return "ok"
    spent = entry.totals.cost
    if spent >= budget:
        return "over"
    if spent >= BUDGET_WARN * budget:
        return "warn"
    return "ok"

