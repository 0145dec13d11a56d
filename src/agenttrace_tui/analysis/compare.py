"""Two traces (or two sessions) -> what changed, biggest differences first.

Like Jaeger's trace comparison, spans are matched by *name*: for each span
name the two sides' counts, total durations, tokens, cost and errors are
compared and the row is classified ``added`` (only in B), ``removed`` (only
in A), ``slower`` / ``faster`` (total duration changed by more than
``REL_THRESHOLD`` and ``ABS_THRESHOLD_NS``), ``more_expensive`` /
``cheaper`` (cost changed by more than ``REL_THRESHOLD``), ``more_errors`` /
``fewer_errors``, or ``same``. Rows are ordered by the size of the duration
change (the absent side counts as zero), then the cost change.

A span with no end (still running, or its agent gone) took a time nobody
knows: a side's ``duration_ns`` counts the ended spans, ``unfinished`` counts
the others, and a row or summary with any has no duration difference (null)
and is ``unfinished``, never called slower or faster -- as a cost with
unpriced calls is never called cheaper.

Costs are summed as the store sums them (``model.counted_cost``); a side or
row with unpriced calls has ``cost`` null (``cost_priced`` and ``unpriced``
say the rest), and is never called cheaper or more expensive.

Pure: takes spans, returns plain dicts (the CLI prints them, the UI will too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..format.numbers import fmt_row_cost
from ..model import Span, counted_cost, counts_as_error, span_flags, waiting_call

__all__ = ["summarize", "compare_spans", "REL_THRESHOLD", "ABS_THRESHOLD_NS"]

#: Relative change below which durations or costs count as "the same".
REL_THRESHOLD = 0.10
#: Duration changes smaller than this are noise.
ABS_THRESHOLD_NS = 1_000_000


def _still_to_come(s: Span, live: Callable[[str], bool] | None) -> tuple[int, int]:
    """(never ended, running): a model call open with nothing counted is to come while its
    session runs (``live(session_id)``: its cost shows as ``+…``), else it never ends (``$?``),
    as ``stats`` counts it."""
    if not waiting_call(s):
        return 0, 0
    return (0, 1) if live is not None and live(s.session_id) else (1, 0)


def summarize(spans: Iterable[Span], live: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """Duration, spans by kind, tokens, cost and errors of one side (``live``: see ``_still_to_come``)."""
    n = errors = tin = tout = unpriced = running = unfinished = 0
    cost = 0.0
    estimated = False
    start: int | None = None
    end: int | None = None
    kinds: dict[str, int] = {}
    for s in spans:
        n += 1
        kinds[s.kind.value] = kinds.get(s.kind.value, 0) + 1
        errors += counts_as_error(s)
        u = s.usage
        if u is not None and u.scope == "span":
            tin += u.input
            tout += u.output
            estimated = estimated or u.estimated
        # Counted as every sum counts (subtree costs never twice; unpriced apart).
        cost += counted_cost(s)
        cut, on = _still_to_come(s, live)
        unpriced += span_flags(s)[0] + cut
        running += on
        unfinished += s.end_ns is None
        e = s.end_ns if s.end_ns is not None else s.start_ns
        start = s.start_ns if start is None else min(start, s.start_ns)
        end = e if end is None else max(end, e)
    return {
        "spans": n,
        # From the first start to the last end or start seen: with unfinished spans, at least that.
        "duration_ns": 0 if start is None or end is None else end - start,
        "unfinished": unfinished,
        "spans_by_kind": dict(sorted(kinds.items())),
        "input_tokens": tin,
        "output_tokens": tout,
        "tokens": tin + tout,
        "tokens_estimated": estimated,
        # null unless every call was priced and none is still to come; cost_priced is the part that was.
        "cost": None if unpriced or running else round(cost, 10),
        "cost_priced": round(cost, 10),
        "unpriced": unpriced,
        "calls_running": running,
        "errors": errors,
    }


def _by_name(spans: list[Span], live: Callable[[str], bool] | None) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for s in spans:
        row = out.get(s.name)
        if row is None:
            row = out[s.name] = {"count": 0, "duration_ns": 0, "unfinished": 0, "tokens": 0, "cost": 0.0, "errors": 0,
                                 "unpriced": 0, "running": 0, "estimated": False}
        row["count"] += 1
        if s.end_ns is None:
            row["unfinished"] += 1
        else:
            row["duration_ns"] += s.duration_ns()
        if s.usage is not None and s.usage.scope == "span":
            row["tokens"] += s.usage.input + s.usage.output
        row["cost"] += counted_cost(s)
        unpriced, estimated = span_flags(s)
        cut, on = _still_to_come(s, live)
        row["unpriced"] += unpriced + cut
        row["running"] += on
        row["estimated"] = row["estimated"] or bool(estimated)
        row["errors"] += counts_as_error(s)
    return out


def side_cost(row: dict[str, Any], side: str, digits: int | None = None) -> str:
    """The cost of a ``compare_spans`` row on ``side`` (``"a"`` or ``"b"``) as the CLI's table and
    the compare screen show it: ``-`` when that side has no such span, ``—`` when its spans had
    nothing to price (a tool, an agent: never a ``$0`` charged), else ``fmt_row_cost``'s amount."""
    if not row[f"count_{side}"]:
        return "-"
    return fmt_row_cost(row[f"cost_priced_{side}"], row[f"estimated_{side}"], row[f"unpriced_{side}"], digits,
                        tokens=row[f"tokens_{side}"], running=row[f"calls_running_{side}"])


def _changed(a: float, b: float, rel: float, absolute: float = 0.0) -> bool:
    d = abs(b - a)
    return d > absolute and d > rel * max(abs(a), abs(b))


def compare_spans(a: Iterable[Span], b: Iterable[Span], label_a: str = "A", label_b: str = "B",
                  live: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """The full comparison: both summaries, their deltas, and per-name rows. ``live(session_id)``:
    whether a session still runs (its open model calls are to come; else they never end)."""
    la, lb = list(a), list(b)
    sa, sb = summarize(la, live), summarize(lb, live)
    delta = {
        k: sb[k] - sa[k]
        for k in ("spans", "duration_ns", "input_tokens", "output_tokens", "tokens", "cost_priced", "errors")
    }
    delta["cost_priced"] = round(delta["cost_priced"], 10)
    if sa["unfinished"] or sb["unfinished"]:
        delta["duration_ns"] = None  # a side's length is not known
    # A difference with an unknown side is unknown too.
    delta["cost"] = None if sa["cost"] is None or sb["cost"] is None else delta["cost_priced"]
    # Unknown only because calls still run: the priced parts' difference, more to come (+…).
    delta["cost_to_come"] = bool((sa["calls_running"] or sb["calls_running"]) and not (sa["unpriced"] or sb["unpriced"]))
    kinds = sorted(set(sa["spans_by_kind"]) | set(sb["spans_by_kind"]))
    delta["spans_by_kind"] = {
        k: sb["spans_by_kind"].get(k, 0) - sa["spans_by_kind"].get(k, 0)
        for k in kinds
        if sb["spans_by_kind"].get(k, 0) != sa["spans_by_kind"].get(k, 0)
    }
    na, nb = _by_name(la, live), _by_name(lb, live)
    rows = []
    empty = {"count": 0, "duration_ns": 0, "unfinished": 0, "tokens": 0, "cost": 0.0, "errors": 0, "unpriced": 0,
             "running": 0, "estimated": False}
    for name in set(na) | set(nb):
        ra, rb = na.get(name, empty), nb.get(name, empty)
        # A side's cost is known when every call of it was priced and none is still to come.
        known_a, known_b = not (ra["unpriced"] or ra["running"]), not (rb["unpriced"] or rb["running"])
        changes: list[str] = []
        if not ra["count"]:
            changes.append("added")
        elif not rb["count"]:
            changes.append("removed")
        else:
            if ra["unfinished"] or rb["unfinished"]:
                changes.append("unfinished")
            elif _changed(ra["duration_ns"], rb["duration_ns"], REL_THRESHOLD, ABS_THRESHOLD_NS):
                changes.append("slower" if rb["duration_ns"] > ra["duration_ns"] else "faster")
            # Below a millionth of a dollar a change is float noise, not money.
            if known_a and known_b and _changed(ra["cost"], rb["cost"], REL_THRESHOLD, 1e-6):
                changes.append("more_expensive" if rb["cost"] > ra["cost"] else "cheaper")
            if rb["errors"] != ra["errors"]:
                changes.append("more_errors" if rb["errors"] > ra["errors"] else "fewer_errors")
            if rb["count"] != ra["count"]:
                changes.append("more_calls" if rb["count"] > ra["count"] else "fewer_calls")
        rows.append(
            {
                "name": name,
                "changes": changes or ["same"],
                "count_a": ra["count"],
                "count_b": rb["count"],
                "duration_a_ns": ra["duration_ns"],
                "duration_b_ns": rb["duration_ns"],
                "unfinished_a": ra["unfinished"],
                "unfinished_b": rb["unfinished"],
                "duration_delta_ns": None if ra["unfinished"] or rb["unfinished"]
                else rb["duration_ns"] - ra["duration_ns"],
                "tokens_a": ra["tokens"],
                "tokens_b": rb["tokens"],
                "cost_a": round(ra["cost"], 10) if known_a else None,
                "cost_b": round(rb["cost"], 10) if known_b else None,
                "cost_delta": round(rb["cost"] - ra["cost"], 10) if known_a and known_b else None,
                "cost_to_come": bool((ra["running"] or rb["running"]) and not (ra["unpriced"] or rb["unpriced"])),
                # As for each side: the priced part, the calls without a price, whether tokens were estimated.
                "cost_priced_a": round(ra["cost"], 10),
                "cost_priced_b": round(rb["cost"], 10),
                "unpriced_a": ra["unpriced"],
                "unpriced_b": rb["unpriced"],
                "calls_running_a": ra["running"],
                "calls_running_b": rb["running"],
                "estimated_a": ra["estimated"],
                "estimated_b": rb["estimated"],
                "errors_a": ra["errors"],
                "errors_b": rb["errors"],
            }
        )
    rows.sort(key=lambda r: (-abs(r["duration_delta_ns"] or 0), -abs(r["cost_delta"] or 0.0), r["name"]))
    return {"a": {"label": label_a, **sa}, "b": {"label": label_b, **sb}, "delta": delta, "spans": rows}
