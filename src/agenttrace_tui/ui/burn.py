"""Burn rate ($/min and tokens/min over the last 5 minutes) from change points.

Totals are cumulative, so a ring of (time, cost, tokens) samples taken only
when a total changes is enough: the value at "now - window" is the newest
sample at or before it. The app samples once a second; ``seed`` fills the
ring from span end times when the app starts on a store that already holds
data (a replay, a restart, the test fixture).
"""

from __future__ import annotations

from collections import deque
from typing import Hashable

from ..store.memory import Store, Totals

S = 1_000_000_000
WINDOW_NS = 300 * S
#: Below this much history a rate is not shown (it would be noise).
MIN_SPAN_NS = 5 * S
ALL = "__all__"


class BurnMeter:
    def __init__(self, window_ns: int = WINDOW_NS) -> None:
        self.window_ns = window_ns
        self._rings: dict[Hashable, deque[tuple[int, float, int]]] = {}

    def _push(self, key: Hashable, t: int, cost: float, tokens: int) -> None:
        ring = self._rings.get(key)
        if ring is None:
            ring = self._rings[key] = deque()
        if ring and ring[-1][1] == cost and ring[-1][2] == tokens:
            return
        ring.append((t, cost, tokens))
        # Keep one sample at or before the window start: it is the baseline.
        cutoff = t - self.window_ns
        while len(ring) >= 2 and ring[1][0] <= cutoff:
            ring.popleft()

    def sample(self, store: Store, now_ns: int) -> None:
        self._push(ALL, now_ns, store.totals.cost, store.totals.tokens)
        for sid, entry in store.sessions.items():
            self._push(sid, now_ns, entry.totals.cost, entry.totals.tokens)

    def seed(self, store: Store, now_ns: int) -> None:
        """Baseline from spans that ended inside the window (one pass, at start)."""
        cutoff = now_ns - self.window_ns
        recent: dict[str, list[float]] = {}
        for trace in store.traces.values():
            if trace.end_ns < cutoff and not trace.running:
                continue
            acc = recent.setdefault(trace.session_id, [0.0, 0])
            for span in trace.spans.values():
                if span.end_ns is None or span.end_ns < cutoff:
                    continue
                if span.cost is not None and span.cost.total is not None:
                    acc[0] += span.cost.total
                u = span.usage
                if u is not None and u.scope == "span":
                    acc[1] += u.input + u.output
        all_c = sum(v[0] for v in recent.values())
        all_t = sum(v[1] for v in recent.values())
        t = store.totals
        self._push(ALL, cutoff, t.cost - all_c, t.tokens - all_t)
        self._push(ALL, now_ns, t.cost, t.tokens)
        for sid, entry in store.sessions.items():
            c, n = recent.get(sid, (0.0, 0))
            self._push(sid, cutoff, entry.totals.cost - c, entry.totals.tokens - n)
            self._push(sid, now_ns, entry.totals.cost, entry.totals.tokens)

    def rate(self, key: Hashable, totals: Totals, now_ns: int) -> tuple[float, float] | None:
        """($/min, tokens/min) over the window, or None without enough history."""
        ring = self._rings.get(key)
        if not ring:
            return None
        start = now_ns - self.window_ns
        base = ring[0]
        for sample in ring:
            if sample[0] <= start:
                base = sample
            else:
                break
        t0 = max(base[0], start)
        elapsed = now_ns - t0
        if elapsed < MIN_SPAN_NS:
            return None
        minutes = elapsed / (60 * S)
        return ((totals.cost - base[1]) / minutes, (totals.tokens - base[2]) / minutes)
