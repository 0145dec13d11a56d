"""``agenttrace-tui compare A B``: two traces or two sessions side by side.

A and B are trace ids, or session ids (``latest`` allowed), both of one
sort. See ``compare`` for how span names are matched and classified.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..format.numbers import fmt_cost, fmt_duration, fmt_tokens
from .history_common import (
    CommandError,
    add_common,
    cell,
    console,
    guarded,
    open_reader,
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
    p.add_argument("--limit", type=int, default=30, metavar="N", help="span-name rows shown in the table (default 30)")
    add_common(p)
    p.set_defaults(func=guarded(run))


def _load(reader: Any, ident: str) -> tuple[str, list[Any]]:
    """('trace' | 'session', spans) for an id."""
    from .history_common import resolve_session_id

    if ident != "latest" and reader.trace(ident) is not None:
        return "trace", reader.spans_of_trace(ident)
    sid = resolve_session_id(reader, ident)
    if reader.session(sid) is not None:
        return "session", list(reader.iter_spans(sid))
    raise CommandError(f"{ident!r} is neither a trace nor a session in {reader.path}")


def _signed(v: float, fmt: Any) -> str:
    if v == 0:
        return "0"
    return ("+" if v > 0 else "-") + fmt(abs(v))


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
    t.add_row("duration", fmt_duration(a["duration_ns"]), fmt_duration(b["duration_ns"]), _signed(d["duration_ns"], fmt_duration))
    t.add_row("spans", str(a["spans"]), str(b["spans"]), _signed(d["spans"], str))
    for k in sorted(set(a["spans_by_kind"]) | set(b["spans_by_kind"])):
        va, vb = a["spans_by_kind"].get(k, 0), b["spans_by_kind"].get(k, 0)
        t.add_row(f"  {k}", str(va), str(vb), _signed(vb - va, str))
    t.add_row(
        "tokens",
        fmt_tokens(a["tokens"], a["tokens_estimated"]),
        fmt_tokens(b["tokens"], b["tokens_estimated"]),
        _signed(d["tokens"], fmt_tokens),
    )
    t.add_row("cost", fmt_cost(a["cost"]), fmt_cost(b["cost"]), _signed(d["cost"], fmt_cost))
    t.add_row("errors", str(a["errors"]), str(b["errors"]), _signed(d["errors"], str))
    c.print(t)
    rows = [r for r in result["spans"] if r["changes"] != ["same"]][: args.limit]
    if not rows:
        c.print("no span-level differences")
        return 0
    st = table("SPAN NAME", "CHANGE", "CALLS", "DUR A", "DUR B", "Δ", "COST A", "COST B", title="by span name")
    styles = {"added": "green", "removed": "red", "slower": "yellow", "more_expensive": "yellow", "more_errors": "red"}
    for r in rows:
        ch = ", ".join(r["changes"])
        st.add_row(
            cell(r["name"], 50),
            cell(ch, 40, style=styles.get(r["changes"][0], "")),
            f"{r['count_a']}→{r['count_b']}",
            fmt_duration(r["duration_a_ns"]),
            fmt_duration(r["duration_b_ns"]),
            _signed(r["duration_delta_ns"], fmt_duration),
            fmt_cost(r["cost_a"]),
            fmt_cost(r["cost_b"]),
        )
    c.print(st)
    return 0
