"""Cost reads of the store: burn rate, spend per bucket, cost per tool and per agent.

Each aggregate keeps spend and tokens per minute (``Totals.series``); these
reads sum them over a window or into buckets for sparklines. Per-tool
attribution (docs/costs.md) is a running rollup per reader key, see
``store.tools``; spend per agent is cached per trace, see ``store.agents``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal, overload

from .aggregates import NS_PER_MIN, Bucket, Totals
from .index import StoreIndex

if TYPE_CHECKING:
    from collections.abc import Callable

    from .entries import SessionEntry, TraceEntry
    from .tools import ToolCost

#: ``CostReads.agent_costs``: (agent name, its spend) costliest first, and its model calls open
#: with nothing counted yet, by agent name.
AgentRows = tuple[list[tuple[str, Bucket]], dict[str, int]]


def _in_slices(stale: list[TraceEntry], work: Callable[[TraceEntry], object], budget_spans: int, defer: bool,
               more: int = 0) -> bool:
    """``work`` on the ``stale`` traces until about ``budget_spans`` spans' worth is done; False when
    some are left. ``defer``: when more than that is left (``more``: work counted beside theirs),
    none of them."""
    if defer and sum(len(t.spans) for t in stale) + more > budget_spans:
        return False
    done = 0
    for t in stale:
        if done >= budget_spans:
            return False
        work(t)
        done += len(t.spans)
    return True


class CostReads(StoreIndex):
    """Spend over time and per tool, read from the store's totals."""

    def _totals_for(self, session_id: str | None) -> Totals | None:
        if session_id is None:
            return self.totals
        entry = self.sessions.get(session_id)
        return entry.totals if entry is not None else None

    def burn_rate(self, session_id: str | None = None, window_s: float = 300, now_ns: int | None = None) -> tuple[float, float]:
        """(USD per minute, tokens per minute) over the last ``window_s`` seconds.

        ``burn_window`` with the spend over the minutes it covers, divided by the time they cover.
        """
        cost, tokens, minutes = self.burn_window(session_id, window_s, now_ns)
        return (cost / minutes, tokens / minutes) if minutes else (0.0, 0.0)

    def burn_window(self, session_id: str | None = None, window_s: float = 300,
                    now_ns: int | None = None) -> tuple[float, float, float]:
        """(USD, tokens, minutes): what was spent over the last ``window_s / 60`` whole
        minutes and how many minutes that is; (0, 0, 0) with nothing in them.

        Spend is kept by the minute each span ended in (running spans: started
        in). The window is the whole minutes before the current one, the
        sparkline's bars: their average is never above the busiest of them (a
        window cut at the second took six minutes' spend over five, and the
        current minute's spend over the fraction of it gone by would run ahead
        of any bar). A session younger than the window is all it spent so far
        over its age (a minute at least): its whole minutes alone left out the
        latest spend, and the first of them held only the seconds it ran (a
        session 30 s old that had spent $0.027 read $0.0031/min).
        """
        totals = self._totals_for(session_id)
        if totals is None or not totals.series:
            return 0.0, 0.0, 0.0
        now = time.time_ns() if now_ns is None else now_ns
        current = now // NS_PER_MIN
        earliest = min(totals.series)
        window = max(1, round(window_s / 60))
        if earliest >= current - window:
            entry = self.sessions.get(session_id) if session_id is not None else None
            born = entry.first_ns if entry is not None and entry.first_ns else earliest * NS_PER_MIN
            first, end, minutes = earliest, current + 1, max(1.0, (now - born) / NS_PER_MIN)
        else:
            first, end = current - window, current
            minutes = float(window)
        cost = tokens = 0.0
        for minute, (c, t) in totals.series.items():
            if first <= minute < end:
                cost += c
                tokens += t
        if not cost and not tokens:
            return 0.0, 0.0, 0.0
        return cost, tokens, minutes

    def spend_series(
        self,
        session_id: str | None = None,
        bucket: Literal["minute", "hour", "day"] = "minute",
        n: int = 30,
        now_ns: int | None = None,
        what: Literal["cost", "tokens"] = "cost",
    ) -> list[float]:
        """Spend (or tokens) per bucket for the last ``n`` buckets, oldest first.

        Without ``now_ns`` the series ends at the latest bucket that has data
        (so a finished or replayed session still draws); with it, at now.
        """
        totals = self._totals_for(session_id)
        if n <= 0:
            return []
        if totals is None or not totals.series:
            return [0.0] * n
        width = {"minute": 1, "hour": 60, "day": 1440}[bucket]
        idx = 0 if what == "cost" else 1
        agg: dict[int, float] = {}
        for minute, point in totals.series.items():
            b = minute // width
            agg[b] = agg.get(b, 0.0) + point[idx]
        end = (now_ns // NS_PER_MIN) // width if now_ns is not None else max(agg)
        return [max(agg.get(b, 0.0), 0.0) for b in range(end - n + 1, end + 1)]

    def warm_tool_costs(self, budget_s: float) -> int:
        """Attribute tool costs ahead of ``tool_costs`` for traces that changed before
        the last fold of the totals, for about ``budget_s``; returns how many.

        ``tool_costs`` re-attributes every trace changed since it last ran (a
        cost pane reads once a second): under 10k spans/s that was one stall of
        15-25 ms each second, and a key pressed meanwhile waited for it. Called
        on each UI tick, this spreads the same work in small steps; the read
        then finds those traces cached at their current version. A trace that
        changed in the last fold is left alone (it is likely still growing:
        attributing it now would be wasted), and so is one seen again later.
        Only a cache is filled: what any read returns is the same.
        """
        stale = self._tools_stale
        if not stale:
            return 0
        from .tools import trace_tools

        deadline = time.perf_counter() + budget_s
        last = self._folds
        traces = self.traces
        done = 0
        while stale:
            tid = next(iter(stale))
            trace, fold = stale[tid]
            if fold >= last:
                break  # this one and every later one changed in the last fold
            del stale[tid]
            if traces.get(tid) is trace:
                trace_tools(trace)
                done += 1
                if time.perf_counter() >= deadline:
                    break
        return done

    @overload
    def tool_costs(self, session_id: str | None = None, budget_spans: None = None,
                   defer: bool = False) -> list[ToolCost]: ...
    @overload
    def tool_costs(self, session_id: str | None, budget_spans: int, defer: bool = False) -> list[ToolCost] | None: ...

    def tool_costs(self, session_id: str | None = None, budget_spans: int | None = None,
                   defer: bool = False) -> list[ToolCost] | None:
        """Per tool name: the LLM spend that decided and consumed its calls (docs/costs.md).

        ``budget_spans``: attribute at most about that many spans' worth of
        changed traces in this call; None when more were waiting (ask again:
        ``ToolRollup.read``); ``defer``: then attribute none of them in this
        call. Without a budget, always the rollup.
        """
        from .tools import ToolRollup

        # One running rollup per recent reader key (all sessions, the selected one):
        # a read re-adds only the traces that changed since the last one.
        rollups = self._tool_rollups
        rollup = rollups.pop(session_id, None) or ToolRollup()
        rollups[session_id] = rollup
        while len(rollups) > 4:
            rollups.pop(next(iter(rollups)))
        # Nothing stored changed since its last whole read (every change to a trace
        # bumps the store's version): that read, without walking every trace again
        # (the cost pane reads once a second, idle too; ~0.1 s over 50k traces).
        if rollup.last is not None and rollup.last[0] == self.version:
            return rollup.last[1]
        backlog = rollup.backlog
        # Nothing changed since the slice before: go on down its list (no walk over
        # every trace per slice); once it is done the read below finds them all cached.
        if (budget_spans is not None and backlog is not None and backlog[0] == self.version
                and (defer or rollup.attribute_some(budget_spans))):
            return None
        if session_id is None:
            traces = list(self.traces.values())
        else:
            traces = self.traces_of(session_id)
        got = rollup.read(traces, budget_spans, self.version, defer)
        if got is not None:
            rollup.last = (self.version, got)
        return got

    def agent_costs(self, session_id: str, budget_spans: int | None = None, defer: bool = False) -> AgentRows | None:
        """What each agent of a session spent (``store.agents``), costliest first, and its model
        calls open with nothing counted yet, by agent; ``([], {})`` when no span of the session
        names an agent. The session's spend no agent's spans in memory hold (spans of no agent,
        spans dropped to keep a trace within the span budget) is the ``NO_AGENT`` row: the rows
        add up to the session's totals.

        ``budget_spans``: work out at most about that many spans' worth of the traces changed
        since (whole traces) in this call; None while some are left (ask again). ``defer``: when
        more than that is left, work out none of it in this call (a draw answering a key leaves
        the work to the pane's next slice, between frames), as ``tool_costs`` does.
        """
        from .agents import rollup_agents, stale_agents, trace_agents

        entry = self.sessions.get(session_id)
        if entry is None:
            return [], {}
        # Nothing of the session changed since the last read (any change bumps its version): that read.
        kept = self._agent_rows.get(session_id)
        if kept is not None and kept[0] == entry.version:
            return kept[1]
        traces = [self.traces[t] for t in entry.trace_ids if t in self.traces]
        if budget_spans is not None and not _in_slices(stale_agents(traces), trace_agents, budget_spans, defer):
            return None
        got = self._agent_rows[session_id] = (entry.version, self._agent_rows_of(entry, *rollup_agents(traces)))
        while len(self._agent_rows) > 4:
            del self._agent_rows[next(iter(self._agent_rows))]
        return got[1]

    def kind_times(self, session_id: str | None, budget_spans: int | None = None, defer: bool = False,
                   running: bool = False, now_ns: int | None = None) -> dict[str, int] | None:
        """How long spans of each kind ran (``SpanKind.value`` -> ns), in a session or (None) over all
        of them: in a session, the time its spans of a kind shared counted once (``store.kind_time``);
        over all, the sessions' times added. Each session's is cached on it until it changes.

        ``running``: spans still open count too, until their session's end as its duration reads it
        (``SessionEntry.until_ns(now_ns)``: now while it runs); else only ended spans count.

        ``budget_spans``: work out at most about that many spans' worth of the traces changed since
        in this call; None while some are left (ask again). ``defer``: when more than that is left,
        counting a trace of each changed session as one span more (merging a session's traces is
        work too), work out none of it (the last answer: ``kind_times_known``), as ``agent_costs``.
        """
        from .kind_time import running_starts, session_kind_time, stale, trace_kind_time

        if session_id is None:
            kept = self._kind_times_all
            if kept is not None and kept[0] == self.version:
                return self._all_kind_times(kept, running, now_ns)
            entries = list(self.sessions.values())
        else:
            entry = self.sessions.get(session_id)
            if entry is None:
                return {}
            entries = [entry]
        traces = self.traces
        changed = [e for e in entries if (c := e.kind_time_cache) is None or c[0] != e.version]
        if budget_spans is not None and changed:
            held = [traces[t] for e in changed for t in e.trace_ids if t in traces]
            if not _in_slices(stale(held), trace_kind_time, budget_spans, defer, len(held)):
                return None
        for e in changed:
            of = [traces[t] for t in e.trace_ids if t in traces]
            n = e.totals.running
            ended, parts = session_kind_time(of, running_starts(reversed(of), n) if n else None)
            e.kind_time_cache = (e.version, ended, parts or None)
        if session_id is not None:
            return self._session_kind_times(entries[0], running, now_ns)
        out: dict[str, int] = {}
        opened: list[SessionEntry] = []
        for e in entries:
            c = e.kind_time_cache
            if c is None:
                continue
            for kind, ns in c[1].items():
                out[kind] = out.get(kind, 0) + ns
            if c[2]:
                opened.append(e)
        kept = self._kind_times_all = (self.version, out, opened)
        return self._all_kind_times(kept, running, now_ns)

    def kind_times_known(self, session_id: str | None, running: bool = False,
                         now_ns: int | None = None) -> dict[str, int] | None:
        """``kind_times``' last answer, if any, while a new one is being worked out (a second old at
        most in a live monitor's cost pane)."""
        if session_id is None:
            kept = self._kind_times_all
            return self._all_kind_times(kept, running, now_ns) if kept is not None else None
        entry = self.sessions.get(session_id)
        if entry is None or entry.kind_time_cache is None:
            return None
        return self._session_kind_times(entry, running, now_ns)

    @staticmethod
    def _session_kind_times(entry: SessionEntry, running: bool, now_ns: int | None) -> dict[str, int]:
        """A session's cached time by kind (worked out: ``kind_times``), with its running spans when asked."""
        from .kind_time import with_running

        c = entry.kind_time_cache
        if c is None:
            return {}
        return with_running(c[1], c[2], entry.until_ns(now_ns)) if running and c[2] else c[1]

    def _all_kind_times(self, kept: tuple[int, dict[str, int], list[SessionEntry]], running: bool,
                        now_ns: int | None) -> dict[str, int]:
        """All sessions' cached time by kind (``kind_times``), with their running spans when asked."""
        _v, out, opened = kept
        if not (running and opened):
            return out
        out = dict(out)
        sessions = self.sessions
        for e in opened:
            c = e.kind_time_cache
            if c is None or sessions.get(e.id) is not e:
                continue  # (forgotten since)
            for kind, ns in self._session_kind_times(e, True, now_ns).items():
                out[kind] = out.get(kind, 0) + ns - c[1].get(kind, 0)
        return out

    @staticmethod
    def _agent_rows_of(entry: SessionEntry, rows: dict[str, Bucket], waiting: dict[str, int]) -> AgentRows:
        """``agent_costs``' answer from the session's spend by agent in memory (``rollup_agents``)."""
        from .agents import NO_AGENT

        if not rows:
            return [], {}
        totals = entry.totals
        rest = rows.get(NO_AGENT) or Bucket()
        counted = [b for key, b in rows.items() if key != NO_AGENT]
        # (Differences of sums: the floats' noise is what the spans not held cost, nothing.)
        rest.input_tokens = totals.input_tokens - sum(b.input_tokens for b in counted)
        rest.output_tokens = totals.output_tokens - sum(b.output_tokens for b in counted)
        rest.cache_read = totals.cache_read - sum(b.cache_read for b in counted)
        rest.cache_write = totals.cache_write - sum(b.cache_write for b in counted)
        rest.estimated = totals.estimated - sum(b.estimated for b in counted)
        rest.cost = max(0.0, totals.cost - sum(b.cost for b in counted))
        rest.cost_unknown = totals.cost_unknown - sum(b.cost_unknown for b in counted)
        rest_waiting = totals.llm_waiting - sum(n for key, n in waiting.items() if key != NO_AGENT)
        if rest_waiting > 0:
            waiting[NO_AGENT] = rest_waiting
        if rest.tokens or rest.cost > 1e-12 or rest.cost_unknown or rest_waiting > 0:
            rows[NO_AGENT] = rest
        else:
            rows.pop(NO_AGENT, None)
        ranked = sorted(rows.items(), key=lambda kv: (-kv[1].cost, -kv[1].tokens, kv[0]))
        return ranked, waiting
