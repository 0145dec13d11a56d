"""Budget notices: one when a session reaches 80 % of ``--budget``, one at 100 %.

``BudgetWatch.check`` looks only when the store changed since the last look
and returns what to say; the app shows it (``notify``). While paused the app
still checks: the notices are about money, not the view.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from ..analysis.budget import budget_state
from ..store.entries import SessionEntry
from ..store.memory import Store
from . import fmt
from .text import clean

#: More sessions than this crossing at once (a replayed or restarted store): one line, not a storm.
MAX_SINGLE_NOTICES = 3


class Notice(NamedTuple):
    message: str
    severity: Literal["warning", "error"]
    timeout: float


class BudgetWatch:
    """The thresholds each session has crossed, so each is told once."""

    def __init__(self, budget: float | None) -> None:
        self.budget = budget
        self._seen: dict[str, str] = {}
        self._version = -1

    def check(self, store: Store) -> list[Notice]:
        budget = self.budget
        if budget is None or store.version == self._version:
            return []
        self._version = store.version
        seen = self._seen
        crossed: list[tuple[SessionEntry, str]] = []
        for sid, entry in store.sessions.items():
            state: str = budget_state(entry, budget)
            before = seen.get(sid, "ok")
            if state == before or state == "ok" or before == "over":
                continue
            seen[sid] = state
            crossed.append((entry, state))
        if len(crossed) > MAX_SINGLE_NOTICES:
            over = sum(1 for _, st in crossed if st == "over")
            return [Notice(
                f"{over} sessions over budget, {len(crossed) - over} past 80% (budget {fmt.cost(budget)} per session).",
                "error" if over else "warning", 8,
            )]
        out: list[Notice] = []
        for entry, state in crossed:
            label = clean(entry.session.label, 60)
            t = entry.totals
            # (a running session's calls still open add to it when they end: "+…")
            spent = f"{fmt.sum_cost(t, t.llm_waiting if entry.status() == 'running' else 0)} of {fmt.cost(budget)}"
            if state == "over":
                out.append(Notice(f"Session {label} is over budget: {spent}.", "error", 8))
            else:
                out.append(Notice(f"Session {label} used 80% of its budget: {spent}.", "warning", 6))
        return out
