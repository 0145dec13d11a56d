"""``agenttrace-tui compare A B``: two traces or two sessions side by side.

A and B are trace ids, or session ids (``latest`` allowed), both of one
sort. See ``compare`` for how span names are matched and classified.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..format.numbers import (
    column_digits,
    fmt_cost,
    fmt_cost_delta,
    fmt_count,
    fmt_duration,
    fmt_signed,
    fmt_span_time,
    fmt_tokens,
)
from .history_common import (
    CommandError,
    add_common,
    guarded,
    open_reader,
    positive_int,
    print_json,
)
from .table import CliTable, console, name_col, num_col, text_col


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "compare",
        help="compare two traces or two sessions (added, removed, slower, faster, costlier spans)",
        description="Compare two traces or two sessions: duration, spans by kind, tokens, cost, errors, and per "
        "span name what was added, removed, got slower, faster or more expensive; biggest differences first.",
    )
    p.add_argument("a", metavar="A", help="trace id or session id (the baseline)")
    p.add_argument("b", metavar="B", help="trace id or session id (compared with A)")
    p.add_argument("--limit", type=positive_int, default=30, metavar="N", help="span-name rows shown in the table (default 30)")
    add_common(p, wide=True)
    p.set_defaults(func=guarded(run))


def _load(reader: Any, ident: str) -> tuple[str, str, list[Any]]:
    """('trace' | 'session', the full id, spans) for an id, a unique prefix or ``latest``."""
    from .history_common import resolve_session_id

    if ident != "latest":
        traces = reader.ids_with_prefix("trace", ident)
        if ident in traces or (len(traces) == 1 and not reader.ids_with_prefix("session", ident)):
            tid = ident if ident in traces else traces[0]
            return "trace", tid, reader.spans_of_trace(tid)
        if not traces and not reader.ids_with_prefix("session", ident):
            raise CommandError(f"{ident!r} is neither a trace nor a session in {reader.path}")
    sid = resolve_session_id(reader, ident)
    if reader.session(sid) is not None:
        return "session", sid, list(reader.iter_spans(sid))
    raise CommandError(f"{ident!r} is neither a trace nor a session in {reader.path}")


def run(args: argparse.Namespace) -> int:
    from ..analysis.compare import compare_spans, side_cost

    with open_reader(args) as reader:
        kind_a, id_a, spans_a = _load(reader, args.a)
        kind_b, id_b, spans_b = _load(reader, args.b)
        # A session still running: its open model calls are to come (+…), else they never end ($?).
        live = {sid for sid in {s.session_id for s in (*spans_a, *spans_b)}
                if (row := reader.session(sid)) is not None and row.status == "running"}
    if kind_a != kind_b:
        raise CommandError(f"cannot compare a {kind_a} with a {kind_b}: give two trace ids or two session ids")
    result = compare_spans(spans_a, spans_b, args.a, args.b, live.__contains__)
    result["compared"] = kind_a
    if args.json:
        print_json(result)
        return 0
    a, b, d = result["a"], result["b"], result["delta"]
    c = console()
    from ..format.sanitize import clean

    # The full ids on lines of their own: never cut, whatever the width.
    c.print(f"A: {kind_a} {clean(id_a, 1000)}\nB: {kind_b} {clean(id_b, 1000)}", markup=False, highlight=False)
    t = CliTable(text_col("", rank=0), num_col("A", rank=1), num_col("B", rank=2), num_col("Δ", rank=3))
    t.add_row("duration", fmt_span_time(a["duration_ns"], a["unfinished"]), fmt_span_time(b["duration_ns"], b["unfinished"]),
              fmt_signed(d["duration_ns"], fmt_duration))
    t.add_row("spans", fmt_count(a["spans"]), fmt_count(b["spans"]), fmt_signed(d["spans"], fmt_count))
    for k in sorted(set(a["spans_by_kind"]) | set(b["spans_by_kind"])):
        va, vb = a["spans_by_kind"].get(k, 0), b["spans_by_kind"].get(k, 0)
        t.add_row(f"  {k}", fmt_count(va), fmt_count(vb), fmt_signed(vb - va, fmt_count))
    t.add_row(
        "tokens",
        fmt_tokens(a["tokens"], a["tokens_estimated"]),
        fmt_tokens(b["tokens"], b["tokens_estimated"]),
        fmt_signed(d["tokens"], fmt_tokens),
    )
    # One number of decimals for the three amounts of the cost row.
    cd = column_digits([a["cost_priced"], b["cost_priced"], d["cost"]])
    t.add_row(
        "cost",
        fmt_cost(a["cost_priced"], a["tokens_estimated"], a["unpriced"], cd, running=a["calls_running"]),
        fmt_cost(b["cost_priced"], b["tokens_estimated"], b["unpriced"], cd, running=b["calls_running"]),
        fmt_cost_delta(d["cost_priced"] if d["cost_to_come"] else d["cost"], cd, d["cost_to_come"]),
    )
    t.add_row("errors", fmt_count(a["errors"]), fmt_count(b["errors"]), fmt_signed(d["errors"], fmt_count))
    t.print(c, wide=args.wide)
    rows = [r for r in result["spans"] if r["changes"] != ["same"]][: args.limit]
    if not rows:
        c.print("no span-level differences")
        return 0
    st = CliTable(
        name_col("SPAN NAME", rank=0, limit=80),
        text_col("CHANGE", rank=5, limit=80),  # our own words: whole
        num_col("CALLS", rank=20),
        num_col("DUR A", rank=13),
        num_col("DUR B", rank=12),
        num_col("Δ", rank=11),
        num_col("COST A", rank=15),
        num_col("COST B", rank=14),
        title="by span name",
    )
    styles = {"added": "green", "removed": "red", "slower": "yellow", "more_expensive": "yellow", "more_errors": "red"}
    digits = column_digits([x for r in rows for x in (r["cost_priced_a"], r["cost_priced_b"])])
    for r in rows:
        # JSON keeps the identifiers (more_expensive); people read words.
        ch = ", ".join(c.replace("_", " ") for c in r["changes"])
        st.add_row(
            r["name"],
            (ch, styles.get(r["changes"][0], "")),
            f"{fmt_count(r['count_a'])}→{fmt_count(r['count_b'])}",
            # A side without the span shows "-", not a zero it never had.
            fmt_span_time(r["duration_a_ns"], r["unfinished_a"]) if r["count_a"] else "-",
            fmt_span_time(r["duration_b_ns"], r["unfinished_b"]) if r["count_b"] else "-",
            fmt_signed(r["duration_delta_ns"], fmt_duration),
            side_cost(r, "a", digits),
            side_cost(r, "b", digits),
        )
    st.print(c, wide=args.wide)
    return 0
