"""``agenttrace-tui compare A B``: two traces or two sessions side by side.

A and B are trace ids, or session ids (``latest`` allowed), both of one
sort. See ``compare`` for how span names are matched and classified.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..format.numbers import column_digits, fmt_cost, fmt_cost_delta, fmt_duration, fmt_signed, fmt_tokens
from .history_common import (
    CommandError,
    add_common,
    cell,
    console,
    guarded,
    open_reader,
    positive_int,
    print_json,
    table,
)


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
    add_common(p)
    p.set_defaults(func=guarded(run))


def _load(reader: Any, ident: str) -> tuple[str, list[Any]]:
    """('trace' | 'session', spans) for an id."""
    from .history_common import resolve_session_id

    if ident != "latest":
        traces = reader.ids_with_prefix("trace", ident)
        if ident in traces or (len(traces) == 1 and not reader.ids_with_prefix("session", ident)):
            tid = ident if ident in traces else traces[0]
            return "trace", reader.spans_of_trace(tid)
        if not traces and not reader.ids_with_prefix("session", ident):
            raise CommandError(f"{ident!r} is neither a trace nor a session in {reader.path}")
    sid = resolve_session_id(reader, ident)
    if reader.session(sid) is not None:
        return "session", list(reader.iter_spans(sid))
    raise CommandError(f"{ident!r} is neither a trace nor a session in {reader.path}")


def run(args: argparse.Namespace) -> int:
    from ..analysis.compare import compare_spans

    with open_reader(args) as reader:
        kind_a, spans_a = _load(reader, args.a)
        kind_b, spans_b = _load(reader, args.b)
    if kind_a != kind_b:
        raise CommandError(f"cannot compare a {kind_a} with a {kind_b}: give two trace ids or two session ids")
    result = compare_spans(spans_a, spans_b, args.a, args.b)
    result["compared"] = kind_a
    if args.json:
        print_json(result)
        return 0
    a, b, d = result["a"], result["b"], result["delta"]
    c = console()
    t = table("", "A", "B", "Δ", title=f"{kind_a}s")
    t.add_row("id", cell(args.a, 40), cell(args.b, 40), "")
    t.add_row("duration", fmt_duration(a["duration_ns"]), fmt_duration(b["duration_ns"]), fmt_signed(d["duration_ns"], fmt_duration))
    t.add_row("spans", str(a["spans"]), str(b["spans"]), fmt_signed(d["spans"], str))
    for k in sorted(set(a["spans_by_kind"]) | set(b["spans_by_kind"])):
        va, vb = a["spans_by_kind"].get(k, 0), b["spans_by_kind"].get(k, 0)
        t.add_row(f"  {k}", str(va), str(vb), fmt_signed(vb - va, str))
    t.add_row(
        "tokens",
        fmt_tokens(a["tokens"], a["tokens_estimated"]),
        fmt_tokens(b["tokens"], b["tokens_estimated"]),
        fmt_signed(d["tokens"], fmt_tokens),
    )
    t.add_row(
        "cost",
        fmt_cost(a["cost_priced"], a["tokens_estimated"], a["unpriced"]),
        fmt_cost(b["cost_priced"], b["tokens_estimated"], b["unpriced"]),
        fmt_cost_delta(d["cost"]),
    )
    t.add_row("errors", str(a["errors"]), str(b["errors"]), fmt_signed(d["errors"], str))
    c.print(t)
    rows = [r for r in result["spans"] if r["changes"] != ["same"]][: args.limit]
    if not rows:
        c.print("no span-level differences")
        return 0
    st = table("SPAN NAME", "CHANGE", "CALLS", "DUR A", "DUR B", "Δ", "COST A", "COST B", title="by span name")
    styles = {"added": "green", "removed": "red", "slower": "yellow", "more_expensive": "yellow", "more_errors": "red"}
    digits = column_digits([x for r in rows for x in (r["cost_a"], r["cost_b"])])
    for r in rows:
        # JSON keeps the identifiers (more_expensive); people read words.
        ch = ", ".join(c.replace("_", " ") for c in r["changes"])
        st.add_row(
            cell(r["name"], 50),
            cell(ch, 40, style=styles.get(r["changes"][0], "")),
            f"{r['count_a']}→{r['count_b']}",
            # A side without the span shows "-", not a zero it never had.
            fmt_duration(r["duration_a_ns"]) if r["count_a"] else "-",
            fmt_duration(r["duration_b_ns"]) if r["count_b"] else "-",
            fmt_signed(r["duration_delta_ns"], fmt_duration),
            fmt_cost(r["cost_a"], digits=digits) if r["count_a"] else "-",
            fmt_cost(r["cost_b"], digits=digits) if r["count_b"] else "-",
        )
    c.print(st)
    return 0
