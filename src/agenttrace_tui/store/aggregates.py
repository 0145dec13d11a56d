"""Aggregates kept incrementally per trace, session and overall.

Every stored span counts once in the totals that contain it: ``counted``
gives what it adds (tokens, cost, errors, its kind/model/provider/tool
signature) as one tuple, and a change takes the old tuple out and puts the
new one in, so ``Totals`` never need a rescan. The breakdown buckets are kept
per *signature* (kind, model, provider, tool name): a span adds to one
accumulator, not to one bucket per dimension, and merging two totals touches
one list per signature. ``Totals.by`` expands the signatures into the
("model", "gpt-x") -> ``Bucket`` rows readers use, once per change, when read.
``Totals.series`` keeps spend and tokens per minute for sparklines and burn
rate. The end of a span already counted as running moves only a few of
those numbers: ``EndTally`` keeps what such ends moved until the next fold.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable
from operator import add, sub

# The counting rules live with the span model so analysis (compare) and the
# commands count exactly as the store does.
from ..model import INTERNAL_ATTR, SUBTREE_KINDS, Span, SpanKind, Status, counted_cost, span_flags  # noqa: F401 - the two re-exported (store.batch, store.schema)

NS_PER_MIN = 60 * 1_000_000_000

_ERROR = Status.ERROR
_TIMEOUT = Status.TIMEOUT
_LLM = SpanKind.LLM_CALL

#: A signature's accumulator: the ``Bucket`` fields in this order.
ACC_FIELDS = ("spans", "errors", "input_tokens", "output_tokens", "cache_read", "cache_write", "estimated", "cost",
              "cost_unknown")


def counted(span: Span) -> tuple:
    """What one span adds to every aggregate that contains it.

    (signature, running, error, llm, duration_ns, minute, plain, input,
    output, cache_read, cache_write, reasoning, estimated, cost, cost_unknown);
    ``plain`` when it carries no tokens, no cost and no unpriced flag (most
    spans: only the counters move). The signature (kind, model, provider,
    tool name) names its breakdown buckets (``keys_of``).
    """
    end = span.end_ns
    status = span.status
    kind = span.kind
    llm, tool = span.llm, span.tool
    sig = (kind, llm.model if llm is not None else None, llm.provider if llm is not None else None,
           tool.name if tool is not None else None)
    if end is None:
        running = True
        dur = 0
        minute = span.start_ns // NS_PER_MIN
    else:
        running = False
        dur = end - span.start_ns
        if dur < 0:
            dur = 0
        minute = end // NS_PER_MIN
    # model.counts_as_error, spelled out: a framework internal's failure is not counted.
    error = (status is _ERROR or status is _TIMEOUT) and not span.attributes.get(INTERNAL_ATTR)
    u = span.usage
    c = span.cost
    if u is None and c is None:
        return (sig, running, error, kind is _LLM, dur, minute, True, 0, 0, 0, 0, 0, 0, 0.0, 0)
    # Usage an agent reports for its whole subtree is shown on the span
    # but never summed: its children already carry those tokens.
    # Cost and "unpriced" are model.counted_cost and model.span_flags spelled
    # out (two calls were a sixth of the fold; tests hold them equal).
    total = c.total if c is not None else None
    if u is None:
        i = o = cr = cw = rs = est = 0
        cost = 0.0 if total is None or kind in SUBTREE_KINDS else total
        unknown = 1 if total is None and kind is _LLM else 0  # a call that reported no tokens (span_flags)
    elif u.scope == "span":
        i, o, cr, cw, rs, est = u.input, u.output, u.cache_read, u.cache_write, u.reasoning, 1 if u.estimated else 0
        if total is None:
            cost = 0.0
            unknown = 1 if kind is _LLM else 0
        else:
            cost = total
            unknown = 0
    else:
        i = o = cr = cw = rs = est = unknown = 0
        cost = 0.0
    plain = not (i or o or cr or cw or rs or est or cost or unknown)
    return (sig, running, error, kind is _LLM, dur, minute, plain, i, o, cr, cw, rs, est, cost, unknown)


#: (kind, model, provider, tool name) -> (breakdown keys, model key): a few
#: hundred distinct combinations, built once instead of per span (shared,
#: never mutated).
_KEYS: dict[tuple, tuple[tuple[tuple[str, str], ...], tuple[str, str] | None]] = {}


def _keys_for(sig: tuple) -> tuple[tuple[tuple[str, str], ...], tuple[str, str] | None]:
    kind, model, provider, tool = sig
    keys: list[tuple[str, str]] = [("kind", kind.value)]
    model_key = None
    if model:
        model_key = ("model", model)
        keys.append(model_key)
    if provider:
        keys.append(("provider", provider))
    if tool:
        keys.append(("tool", tool))
    got = (tuple(keys), model_key)
    if len(_KEYS) < 10_000:
        _KEYS[sig] = got
    return got


#: One tuple object per distinct signature for the totals that keep it as a
#: key: ``counted`` builds a new tuple per span, and each trace's totals kept
#: the first of each of its ~10 signatures (72 B each, ~40 B per stored span).
#: Every accumulator of every ``Totals`` (deltas too) is made under
#: ``_shared(sig)``, so merging one into another finds its key by identity
#: (no tuple comparison) and never shares it again.
_SIGS: dict[tuple, tuple] = {}


def _shared(sig: tuple) -> tuple:
    got = _SIGS.get(sig)
    if got is None:
        if len(_SIGS) >= 10_000:  # as _KEYS: bounded, past it each keeps its own
            return sig
        got = _SIGS[sig] = sig
    return got


def keys_of(sig: tuple) -> tuple[tuple[str, str], ...]:
    """The breakdown keys of a signature: ("kind", k), and ("model", m), ("provider", p), ("tool", t) when set."""
    got = _KEYS.get(sig)
    if got is None:
        got = _keys_for(sig)
    return got[0]


class Totals:
    """Incremental aggregate over a set of spans (a trace, session, or all)."""

    __slots__ = (
        "spans",
        "running",
        "errors",
        "llm_calls",
        "llm_ns",
        "llm_finished",
        "llm_waiting",
        "input_tokens",
        "output_tokens",
        "cache_read",
        "cache_write",
        "reasoning",
        "estimated",
        "cost",
        "cost_unknown",
        "sigs",
        "_by",
        "series",
    )

    def __init__(self) -> None:
        self.spans = 0
        self.running = 0
        self.errors = 0
        self.llm_calls = 0
        self.llm_ns = 0
        self.llm_finished = 0
        #: Model calls running with no tokens and no cost yet: what they cost comes with their end.
        self.llm_waiting = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.cache_read = 0
        self.cache_write = 0
        self.reasoning = 0
        self.estimated = 0
        self.cost = 0.0
        self.cost_unknown = 0
        #: Breakdown by signature: (kind, model, provider, tool name) -> a list of ``ACC_FIELDS``.
        self.sigs: dict[tuple, list] = {}
        #: ``by`` as last expanded (None: changed since).
        self._by: dict[tuple[str, str], Bucket] | None = None
        #: Spend over time: minute index (ns // 60e9) -> [cost USD, tokens]
        self.series: dict[int, list[float]] = {}

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def error_rate(self) -> float:
        return self.errors / self.spans if self.spans else 0.0

    @property
    def avg_llm_ns(self) -> float:
        return self.llm_ns / self.llm_finished if self.llm_finished else 0.0

    @property
    def by(self) -> dict[tuple[str, str], Bucket]:
        """Breakdown: ("model"|"provider"|"kind"|"tool", value) -> Bucket (read only;
        expanded from the signatures when first read after a change)."""
        by = self._by
        if by is None:
            by = {}
            for sig, acc in self.sigs.items():
                for key in keys_of(sig):
                    bucket = by.get(key)
                    if bucket is None:
                        bucket = by[key] = Bucket()
                    bucket.add(acc)
            self._by = by
        return by

    def pristine(self) -> bool:
        """Nothing counted or merged in yet (or it all summed back to exactly zero)."""
        return not (self.spans or self.running or self.errors or self.llm_calls or self.llm_ns or self.llm_finished
                    or self.llm_waiting or self.input_tokens or self.output_tokens or self.cache_read
                    or self.cache_write or self.reasoning or self.estimated or self.cost or self.cost_unknown
                    or self.sigs or self.series)

    def merges_whole(self) -> bool:
        """Whether merging this delta into pristine totals keeps all of it: no accumulator at
        zero spans and no series point at zero spend, which ``merge`` would prune. (Its
        signature keys are the shared tuples already, its numbers added to zeros unchanged.)"""
        for acc in self.sigs.values():
            if not acc[0]:
                return False
        for cost, tokens in self.series.values():  # noqa: SIM110 - a loop: all() over a generator makes a frame, each trace's first fold
            if tokens == 0 and abs(cost) < 1e-12:
                return False
        return True

    def fold(self, c: tuple, sign: int) -> None:
        """Add (sign 1) or take out (sign -1) one span's ``counted`` tuple, building a *delta*
        (a batch's change, merged later with ``merge``).

        It never drops an accumulator or a series point that sums to zero
        spans: in a delta, "-old +new" of one span cancels the span count
        while its tokens and cost changed.
        """
        sig, running, error, llm, dur, minute, plain, i, o, cr, cw, rs, est, cost, unknown = c
        self.spans += sign
        if running:
            self.running += sign
        if error:
            self.errors += sign
        if llm:
            self.llm_calls += sign
            if not running:
                self.llm_ns += sign * dur
                self.llm_finished += sign
            elif plain:
                self.llm_waiting += sign
        acc = self.sigs.get(sig)
        if acc is None:
            acc = self.sigs[_shared(sig)] = [0, 0, 0, 0, 0, 0, 0, 0.0, 0]
        acc[0] += sign
        if error:
            acc[1] += sign
        if plain:
            return
        self.input_tokens += sign * i
        self.output_tokens += sign * o
        self.cache_read += sign * cr
        self.cache_write += sign * cw
        self.reasoning += sign * rs
        self.estimated += sign * est
        self.cost += sign * cost
        self.cost_unknown += sign * unknown
        acc[2] += sign * i
        acc[3] += sign * o
        acc[4] += sign * cr
        acc[5] += sign * cw
        acc[6] += sign * est
        acc[7] += sign * cost
        acc[8] += sign * unknown
        if cost or i + o:
            point = self.series.get(minute)
            if point is None:
                point = self.series[minute] = [0.0, 0]
            point[0] += sign * cost
            point[1] += sign * (i + o)

    def add_new(self, spans: Iterable[Span], running: dict[str, tuple] | None = None) -> dict[str, tuple] | None:
        """``fold(counted(span), 1)`` for each of ``spans``, spans new since the last fold (the
        fold's common case), in order, without calling ``fold``: the same rules as ``counted``
        and ``fold`` (tests hold them equal); the counters are summed in locals and stored
        once, the cost floats added in the same order as one ``fold`` per span adds them (the
        same sums to the bit).

        A span still running (no ``end_ns``) also gets what ``counted`` gives for it kept in
        ``running`` (span id -> tuple), as the fold keeps it for the span's end to take out
        instead of counting it again; ``running`` is made when first needed and returned.
        """
        sigs = self.sigs
        series = self.series
        n = n_running = llm_running = llm_waiting = llm_ended = llm_ns = errors = 0
        i_sum = o_sum = cr_sum = cw_sum = rs_sum = est_sum = unknown_sum = 0
        cost_sum = self.cost
        # The series point of the minute [lo, hi) last added to: the spans of one fold mostly
        # end in one minute, so most take it without a division and a lookup (none yet). Its
        # cost and tokens are summed in locals while they do, stored when the minute changes
        # and at the end (the cost from the point's, in the order one ``fold`` per span adds it).
        lo, hi = 1, 0
        point: list[float] = []
        point_cost = 0.0
        point_tokens: float = 0  # (an int: a point is [cost, tokens])
        for span in spans:
            kind = span.kind
            llm, tool = span.llm, span.tool
            if llm is not None:  # (one test of it, not two)
                sig = (kind, llm.model, llm.provider, tool.name if tool is not None else None)
            else:
                sig = (kind, None, None, tool.name if tool is not None else None)
            end = span.end_ns
            if end is not None:
                if kind is _LLM:
                    llm_ended += 1
                    if end > span.start_ns:
                        llm_ns += end - span.start_ns
            else:
                # Running: its spend (if any) in the minute it started, and what ``counted``
                # gives for it kept for its span_end.
                n_running += 1
                if kind is _LLM:
                    llm_running += 1
                if running is None:
                    running = {}
                if span.usage is None and span.cost is None:
                    if kind is _LLM:
                        llm_waiting += 1
                    status = span.status
                    running[span.span_id] = (sig, True, (status is _ERROR or status is _TIMEOUT)
                                             and not span.attributes.get(INTERNAL_ATTR), kind is _LLM, 0,
                                             span.start_ns // NS_PER_MIN, True, 0, 0, 0, 0, 0, 0, 0.0, 0)
                else:
                    kept = running[span.span_id] = counted(span)
                    if kept[6] and kind is _LLM:
                        llm_waiting += 1
            n += 1
            acc = sigs.get(sig)
            if acc is None:
                acc = sigs[_shared(sig)] = [0, 0, 0, 0, 0, 0, 0, 0.0, 0]
            acc[0] += 1
            status = span.status
            if (status is _ERROR or status is _TIMEOUT) and not span.attributes.get(INTERNAL_ATTR):
                errors += 1
                acc[1] += 1
            u = span.usage
            c = span.cost
            if u is None and c is None:
                continue
            total = c.total if c is not None else None
            if u is None:
                if total is None:
                    if kind is _LLM:  # a call that reported no tokens: unpriced (span_flags)
                        unknown_sum += 1
                        acc[8] += 1
                    continue
                if kind in SUBTREE_KINDS or not total:
                    continue
                # A cost with no usage of its own (not an agent's or a task's): only the spend
                # moves (the counts below add zeros).
                i = o = cr = cw = rs = est = unknown = 0
                cost = total
            else:
                if u.scope != "span":
                    continue  # usage for a subtree: shown, never summed (as ``counted``)
                # (One name at a time: five at once build a tuple and take it apart, each span.)
                i = u.input
                o = u.output
                cr = u.cache_read
                cw = u.cache_write
                rs = u.reasoning
                est = 1 if u.estimated else 0
                if total is None:
                    cost = 0.0
                    unknown = 1 if kind is _LLM else 0
                else:
                    cost = total
                    unknown = 0
                if not (i or o or cr or cw or rs or est or cost or unknown):
                    continue
            i_sum += i
            o_sum += o
            cr_sum += cr
            cost_sum += cost
            acc[2] += i
            acc[3] += o
            acc[4] += cr
            acc[7] += cost
            if cw or rs or est or unknown:  # (most spans have none of these: one test, not seven sums)
                cw_sum += cw
                rs_sum += rs
                est_sum += est
                unknown_sum += unknown
                acc[5] += cw
                acc[6] += est
                acc[8] += unknown
            if cost or i + o:
                at = end if end is not None else span.start_ns
                if not lo <= at < hi:
                    if point:
                        point[0], point[1] = point_cost, point_tokens
                    minute = at // NS_PER_MIN
                    lo = minute * NS_PER_MIN
                    hi = lo + NS_PER_MIN
                    point = series.get(minute) or series.setdefault(minute, [0.0, 0])
                    point_cost, point_tokens = point
                point_cost += cost
                point_tokens += i + o
        if point:
            point[0], point[1] = point_cost, point_tokens
        self.spans += n
        self.running += n_running
        self.llm_calls += llm_ended + llm_running
        self.llm_waiting += llm_waiting
        self.llm_ns += llm_ns
        self.llm_finished += llm_ended
        self.errors += errors
        self.input_tokens += i_sum
        self.output_tokens += o_sum
        self.cache_read += cr_sum
        self.cache_write += cw_sum
        self.reasoning += rs_sum
        self.estimated += est_sum
        self.cost = cost_sum
        self.cost_unknown += unknown_sum
        return running

    def fold_change(self, was: tuple, now: tuple) -> None:
        """``fold(was, -1)`` then ``fold(now, 1)`` for one span, in one pass when only its
        running state, status, duration or minute moved (a span_end after its span_start
        was counted: the common change), so its tokens and cost are not taken out and put back,
        or when ``was`` counted no tokens and no cost (a span_end that brought the usage).
        """
        sig, r1, e1, llm, d1, m1, plain, i, o, cr, cw, rs, est, cost, unknown = now
        same = was[6:] == now[6:]
        if was[0] != sig or not (same or was[6]):
            self.fold(was, -1)
            self.fold(now, 1)
            return
        r0, e0, d0, m0 = was[1], was[2], was[4], was[5]
        if r0 != r1:
            self.running += r1 - r0
        if e0 != e1:
            self.errors += e1 - e0
        if llm:
            if not r0:
                self.llm_ns -= d0
                self.llm_finished -= 1
            elif was[6]:
                self.llm_waiting -= 1
            if not r1:
                self.llm_ns += d1
                self.llm_finished += 1
            elif plain:
                self.llm_waiting += 1
        acc = self.sigs.get(sig)
        if acc is None:
            acc = self.sigs[_shared(sig)] = [0, 0, 0, 0, 0, 0, 0, 0.0, 0]
        if e0 != e1:
            acc[1] += e1 - e0
        if not same:
            # ``was`` counted no tokens and no cost (``fold(was, -1)`` would stop at its
            # counters): ``now``'s are added as ``fold(now, 1)`` adds them (a span_end that
            # brought the usage; the same float operations, in the same order).
            self.input_tokens += i
            self.output_tokens += o
            self.cache_read += cr
            self.cache_write += cw
            self.reasoning += rs
            self.estimated += est
            self.cost += cost
            self.cost_unknown += unknown
            acc[2] += i
            acc[3] += o
            acc[4] += cr
            acc[5] += cw
            acc[6] += est
            acc[7] += cost
            acc[8] += unknown
            if cost or i + o:
                series = self.series
                point = series.get(m1)
                if point is None:
                    point = series[m1] = [0.0, 0]
                point[0] += cost
                point[1] += i + o
        elif m0 != m1 and not plain and (cost or i + o):
            # Its spend moves to the minute it ended in.
            series = self.series
            point = series.get(m0)
            if point is None:
                point = series[m0] = [0.0, 0]
            point[0] -= cost
            point[1] -= i + o
            point = series.get(m1)
            if point is None:
                point = series[m1] = [0.0, 0]
            point[0] += cost
            point[1] += i + o

    def merge(self, d: Totals, sign: int = 1, prune: bool = True) -> None:
        """Add (sign 1) or take out (sign -1) another aggregate: a delta, or a whole trace's totals.

        Signatures and series points that end at zero spans (zero spend) are
        dropped -- unless ``prune`` is false, when merging one delta into
        another (see ``fold``).
        """
        if sign != 1:
            self._merge_signed(d, sign, prune)
            return
        # Adding (every fold merges each changed trace's delta three times: into the
        # trace, its session and the global totals): the same sums as ``_merge_signed``
        # with sign 1, without the multiplications, ten fields of a breakdown
        # accumulator added in one tuple instead of through ``map``.
        self.spans += d.spans
        self.running += d.running
        self.errors += d.errors
        self.llm_calls += d.llm_calls
        self.llm_ns += d.llm_ns
        self.llm_finished += d.llm_finished
        self.llm_waiting += d.llm_waiting
        self.input_tokens += d.input_tokens
        self.output_tokens += d.output_tokens
        self.cache_read += d.cache_read
        self.cache_write += d.cache_write
        self.reasoning += d.reasoning
        self.estimated += d.estimated
        self.cost += d.cost
        self.cost_unknown += d.cost_unknown
        if d.sigs:
            self._by = None
            sigs = self.sigs
            for sig, acc in d.sigs.items():
                mine = sigs.get(sig)
                if mine is None:
                    if prune and not acc[0]:
                        continue
                    # Never the delta's own list: a delta is merged into others after, and lists are updated in place.
                    # The key is ``_shared`` already (every accumulator is made under the shared tuple).
                    sigs[sig] = acc.copy()
                    continue
                a0, a1, a2, a3, a4, a5, a6, a7, a8 = acc
                if a2 or a3 or a7 or a8 or a4 or a5 or a6:
                    m0, m1, m2, m3, m4, m5, m6, m7, m8 = mine
                    m0 += a0
                    mine[:] = (m0, m1 + a1, m2 + a2, m3 + a3, m4 + a4, m5 + a5, m6 + a6, m7 + a7, m8 + a8)
                else:
                    # No tokens and no cost (tools, retrieval, agents...): two of the nine move.
                    m0 = mine[0] = mine[0] + a0
                    if a1:
                        mine[1] += a1
                if prune and not m0:
                    del sigs[sig]
        if d.series:
            self._merge_series(d, 1, prune)

    def _merge_signed(self, d: Totals, sign: int, prune: bool) -> None:
        """``merge`` with any sign (taking a trace out: eviction, a move to another session)."""
        self.spans += sign * d.spans
        self.running += sign * d.running
        self.errors += sign * d.errors
        self.llm_calls += sign * d.llm_calls
        self.llm_ns += sign * d.llm_ns
        self.llm_finished += sign * d.llm_finished
        self.llm_waiting += sign * d.llm_waiting
        self.input_tokens += sign * d.input_tokens
        self.output_tokens += sign * d.output_tokens
        self.cache_read += sign * d.cache_read
        self.cache_write += sign * d.cache_write
        self.reasoning += sign * d.reasoning
        self.estimated += sign * d.estimated
        self.cost += sign * d.cost
        self.cost_unknown += sign * d.cost_unknown
        if d.sigs:
            self._by = None
            sigs = self.sigs
            op = add if sign > 0 else sub
            for sig, acc in d.sigs.items():
                mine = sigs.get(sig)
                if mine is None:
                    if prune and not acc[0]:
                        continue
                    # Never the delta's own list: a delta is merged into others after, and lists are updated in place.
                    sigs[sig] = acc.copy() if sign > 0 else [-x for x in acc]
                    continue
                if acc[2] or acc[3] or acc[7] or acc[8] or acc[4] or acc[5] or acc[6]:
                    mine[:] = map(op, mine, acc)
                else:
                    # No tokens and no cost (tools, retrieval, agents...): two of the nine move.
                    mine[0] += sign * acc[0]
                    mine[1] += sign * acc[1]
                if prune and not mine[0]:
                    del sigs[sig]
        if d.series:
            self._merge_series(d, sign, prune)

    def _merge_series(self, d: Totals, sign: int, prune: bool) -> None:
        """Add (``sign`` 1) or take out (-1) ``d``'s cost and tokens per minute (a few minutes a delta)."""
        series = self.series
        for minute, (cost, tokens) in d.series.items():
            point = series.get(minute)
            if point is None:
                point = series[minute] = [0.0, 0]
            point[0] += sign * cost
            point[1] += sign * tokens
            if prune and point[1] == 0 and abs(point[0]) < 1e-12:
                del series[minute]

    def breakdown(self, dimension: str) -> list[tuple[str, Bucket]]:
        """Buckets of one dimension ("model", "provider", "kind", "tool"), costliest first."""
        rows = [(k[1], b) for k, b in self.by.items() if k[0] == dimension]
        rows.sort(key=lambda kv: (-kv[1].cost, -kv[1].tokens, kv[0]))
        return rows


def _sum_rows(into: dict, rows: dict) -> None:
    """Add ``rows`` (key -> a list of numbers) into ``into``, figure by figure; a row new to
    ``into`` is taken as it is (``rows`` is used up)."""
    for key, got in rows.items():
        acc = into.get(key)
        if acc is None:
            into[key] = got
        else:
            acc[:] = map(add, acc, got)


class EndTally:
    """What the ends of running spans moved in a trace's totals since the last fold.

    A span the last fold counted as running and that has ended since with
    nothing but its times and status changed (a bare span_end, or one that
    repeated the rest) changes few counters: one running span fewer, its
    duration, maybe an error, maybe its spend's minute. ``add`` takes that
    from what the fold counted for it (``counted``), without counting the span
    again; the fold ``settle``s the tally into the trace's, its session's and
    the global totals before anything else of the trace (it describes the
    totals as that fold left them). Per signature it keeps only the one
    number such an end moves, its errors (most ends none): a whole ``Totals``
    delta merged three times cost more than the ends it carried.

    A model call's end usually brings its usage (and so its cost) too: one
    that ran with no tokens and no cost counted (``add_spend``) adds them,
    kept per signature and per minute, as ``fold_change`` would.
    """

    __slots__ = ("ended", "errors", "llm_ns", "llm_finished", "llm_waited", "sigs", "moves", "spend", "points")

    def __init__(self) -> None:
        self.ended = 0
        self.errors = 0
        self.llm_ns = 0
        self.llm_finished = 0
        #: ended model calls that were running with no tokens and no cost (``Totals.llm_waiting``)
        self.llm_waited = 0
        #: signature -> errors its ends brought (``ACC_FIELDS`` 1), for those that brought some
        self.sigs: dict[tuple, int] = {}
        #: spend moved to the minute its span ended in: (from minute, to minute, cost, tokens)
        self.moves: list[tuple[int, int, float, int]] | None = None
        #: ends that brought spend (``add_spend``), apart, so that ``settle`` of the others
        #: stays one number a signature: signature -> [errors, input, output, cache_read,
        #: cache_write, estimated, cost, cost_unknown] (``ACC_FIELDS`` 1 to 8), reasoning
        self.spend: dict[tuple, list] | None = None
        #: minute -> [cost, tokens] brought by ends (``add_spend``)
        self.points: dict[int, list[float]] | None = None

    def add(self, was: tuple, span: Span) -> None:
        """``fold_change(was, counted(span))``, kept: ``was`` counted ``span`` as running, and it has ended."""
        # was = (sig, running, error, llm, duration, minute, plain, input, output, ..., cost, ...):
        # running is true and the duration 0 (a running span's).
        end: int = span.end_ns  # type: ignore[assignment]  # ended: the caller's condition
        self.ended += 1
        if was[3]:
            if end > span.start_ns:
                self.llm_ns += end - span.start_ns
            self.llm_finished += 1
            if was[6]:
                self.llm_waited += 1
        status = span.status
        errors = ((status is _ERROR or status is _TIMEOUT) and not span.attributes.get(INTERNAL_ATTR)) - was[2]
        if errors:
            self.errors += errors
            sigs = self.sigs
            sigs[was[0]] = sigs.get(was[0], 0) + errors
        if not was[6]:
            m0 = was[5]
            m1 = end // NS_PER_MIN
            cost = was[13]
            tokens = was[7] + was[8]
            if m0 != m1 and (cost or tokens):
                if self.moves is None:
                    self.moves = []
                self.moves.append((m0, m1, cost, tokens))

    def add_spend(self, was: tuple, now: tuple) -> None:
        """``fold_change(was, now)``, kept: ``was`` counted a running span with no tokens and
        no cost (plain), ``now`` counts it ended, under the same signature, with what its end
        brought (a model call's usage and cost)."""
        sig, _, error, llm, dur, minute, _, i, o, cr, cw, rs, est, cost, unknown = now
        self.ended += 1
        if llm:
            self.llm_ns += dur
            self.llm_finished += 1
            self.llm_waited += 1  # (``was`` is plain)
        errors = error - was[2]
        if errors:
            self.errors += errors
        spend = self.spend
        if spend is None:
            spend = self.spend = {}
        acc = spend.get(sig)
        if acc is None:
            spend[sig] = [errors, i, o, cr, cw, est, cost, unknown, rs]
        else:
            acc[0] += errors
            acc[1] += i
            acc[2] += o
            acc[3] += cr
            acc[4] += cw
            acc[5] += est
            acc[6] += cost
            acc[7] += unknown
            acc[8] += rs
        if cost or i + o:
            points = self.points
            if points is None:
                points = self.points = {}
            point = points.get(minute)
            if point is None:
                points[minute] = [cost, i + o]
            else:
                point[0] += cost
                point[1] += i + o

    def absorb(self, o: EndTally) -> None:
        """Add another trace's tally to this one (``o`` is used up: its lists may be taken),
        so that settling this one settles both."""
        self.ended += o.ended
        self.errors += o.errors
        self.llm_ns += o.llm_ns
        self.llm_finished += o.llm_finished
        self.llm_waited += o.llm_waited
        sigs = self.sigs
        for sig, errors in o.sigs.items():
            sigs[sig] = sigs.get(sig, 0) + errors
        if o.moves is not None:
            if self.moves is None:
                self.moves = o.moves
            else:
                self.moves += o.moves
        if o.spend is not None:
            if self.spend is None:
                self.spend = o.spend
            else:
                _sum_rows(self.spend, o.spend)
        if o.points is not None:
            if self.points is None:
                self.points = o.points
            else:
                _sum_rows(self.points, o.points)

    def settle(self, t: Totals) -> None:
        """Count the tallied ends in ``t`` (totals that counted their spans as running)."""
        t.running -= self.ended
        t.errors += self.errors
        t.llm_ns += self.llm_ns
        t.llm_finished += self.llm_finished
        t.llm_waiting -= self.llm_waited
        sigs = t.sigs
        if self.sigs:
            for sig, errors in self.sigs.items():
                acc = sigs.get(sig)
                if acc is None:  # (counted under it: only a bug leaves it out)
                    acc = sigs[_shared(sig)] = [0, 0, 0, 0, 0, 0, 0, 0.0, 0]
                acc[1] += errors
            t._by = None
        if self.moves is not None:
            for move in self.moves:
                _move_spend(t.series, *move)
        if self.spend is None:
            return
        t._by = None
        # fold_change's additions, spelled out: a helper called per signature and
        # target cost the SDK's live pair ~1k instructions (measured), most of the gain.
        for sig, (errors, i, o, cr, cw, est, cost, unknown, rs) in self.spend.items():
            acc = sigs.get(sig)
            if acc is None:  # (as above)
                acc = sigs[_shared(sig)] = [0, 0, 0, 0, 0, 0, 0, 0.0, 0]
            if errors:
                acc[1] += errors
            acc[2] += i
            acc[3] += o
            acc[4] += cr
            acc[5] += cw
            acc[6] += est
            acc[7] += cost
            acc[8] += unknown
            t.input_tokens += i
            t.output_tokens += o
            t.cache_read += cr
            t.cache_write += cw
            t.reasoning += rs
            t.estimated += est
            t.cost += cost
            t.cost_unknown += unknown
        if self.points is not None:
            series = t.series
            for minute, (cost, tokens) in self.points.items():
                point = series.get(minute)
                if point is None:
                    series[minute] = [cost, tokens]
                else:
                    point[0] += cost
                    point[1] += tokens


def _move_spend(series: dict[int, list[float]], m0: int, m1: int, cost: float, tokens: int) -> None:
    """Move one span's spend from minute ``m0`` to ``m1``, dropping a point it empties (as ``merge``)."""
    for minute, c, n in ((m0, -cost, -tokens), (m1, cost, tokens)):
        point = series.get(minute)
        if point is None:
            point = series[minute] = [0.0, 0]
        point[0] += c
        point[1] += n
        if point[1] == 0 and abs(point[0]) < 1e-12:
            del series[minute]


class Bucket:
    """One row of a breakdown: spans, tokens, cost, errors."""

    __slots__ = ACC_FIELDS

    def __init__(self) -> None:
        self.spans = 0
        self.errors = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.cache_read = 0
        self.cache_write = 0
        #: Spans whose tokens were estimated by the monitor (show "≈").
        self.estimated = 0
        self.cost = 0.0
        #: LLM spans with usage but no known price.
        self.cost_unknown = 0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def add(self, acc: list) -> None:
        """Add one signature's accumulator (``ACC_FIELDS`` order)."""
        spans, errors, i, o, cr, cw, est, cost, unknown = acc
        self.spans += spans
        self.errors += errors
        self.input_tokens += i
        self.output_tokens += o
        self.cache_read += cr
        self.cache_write += cw
        self.estimated += est
        self.cost += cost
        self.cost_unknown += unknown


class Contribution:
    """What one span adds to every aggregate, by name (``counted`` is the store's tuple of it)."""

    __slots__ = (
        "running",
        "error",
        "llm",
        "duration_ns",
        "input_tokens",
        "output_tokens",
        "cache_read",
        "cache_write",
        "reasoning",
        "estimated",
        "cost",
        "cost_unknown",
        "keys",
        "minute",
        "plain",
        "model_key",
    )

    def __init__(self, span: Span) -> None:
        (sig, self.running, self.error, self.llm, self.duration_ns, self.minute, self.plain, self.input_tokens,
         self.output_tokens, self.cache_read, self.cache_write, self.reasoning, self.estimated, self.cost,
         self.cost_unknown) = counted(span)
        got = _KEYS.get(sig)
        if got is None:
            got = _keys_for(sig)
        self.keys, self.model_key = got

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class RateMeter:
    """Spans per second over the last few seconds (for the header)."""

    __slots__ = ("_buckets",)

    def __init__(self) -> None:
        self._buckets: deque[list[int]] = deque(maxlen=6)

    def add(self, n: int, now_s: int | None = None) -> None:
        sec = int(time.monotonic()) if now_s is None else now_s
        if self._buckets and self._buckets[-1][0] == sec:
            self._buckets[-1][1] += n
        else:
            self._buckets.append([sec, n])

    def rate(self, now_s: int | None = None) -> float:
        """Mean rate over the last full seconds (the current one is partial)."""
        sec = int(time.monotonic()) if now_s is None else now_s
        full = [n for s, n in self._buckets if sec - 5 <= s < sec]
        return sum(full) / 5 if full else 0.0

