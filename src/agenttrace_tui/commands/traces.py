"""``agenttrace-tui traces list|tree``: saved traces, and one trace as an ASCII tree."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..format.numbers import column_digits
from .history_common import (
    CommandError,
    add_common,
    cost_footnote,
    guarded,
    open_reader,
    positive_int,
    print_json,
)
from .sessions import add_internal_arg, add_trace_row, internal_footnote, listed_traces, trace_dict, trace_table
from .spans import span_dict
from .table import console


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("traces", help="list saved traces, or print one as a tree", description="Saved traces.")
    # Given no ACTION, the command line gets its default one (cli.DEFAULT_ACTIONS).
    sub = p.add_subparsers(dest="traces_command", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="traces, newest first")
    ls.add_argument("--session", metavar="ID", help="only traces of this session ('latest' for the most recent)")
    ls.add_argument("--limit", type=positive_int, default=100, metavar="N", help="at most N traces (default 100)")
    add_internal_arg(ls)
    add_common(ls, wide=True)
    ls.set_defaults(func=guarded(run_list))
    # "show" as for sessions: the word a user tries first for one trace.
    tree = sub.add_parser("tree", aliases=["show"], help="one trace as an ASCII tree with durations and HOTSPOT marks")
    tree.add_argument("trace_id", metavar="ID", help="trace id, a unique prefix of one, or 'latest'")
    tree.add_argument("--no-attributes", dest="attributes", action="store_false", help="names and tree only")
    tree.add_argument("--internal", action="store_true",
                      help="draw a client's framework internals too (Codex's and OpenCode's runtime spans: left out "
                           "of the tree by default, each span under its nearest ancestor of the agent's own, as the "
                           "monitor shows it; --json lists every span either way)")
    add_common(tree)
    tree.set_defaults(func=guarded(run_tree))


def run(args: argparse.Namespace) -> int:
    return run_list(args)


def run_list(args: argparse.Namespace) -> int:
    from .history_common import resolve_session_id

    with open_reader(args) as reader:
        sid = resolve_session_id(reader, args.session) if args.session is not None else None
        rows, folded = listed_traces(reader, sid, args.limit, args.internal)
    if args.json:
        print_json([trace_dict(r) for r in rows])
        return 0
    t = trace_table(with_session=True)
    digits = column_digits(tr.cost for tr in rows)
    for tr in rows:
        add_trace_row(t, tr, digits, with_session=True)
    c = console()
    if rows:
        t.print(c, wide=args.wide)
        cost_footnote(c, sum(r.unpriced for r in rows), sum(r.estimated for r in rows), sid,
                      cut=sum(r.calls_cut for r in rows), running=sum(r.calls_running for r in rows))
    else:
        c.print("no traces")
    internal_footnote(c, folded)
    return 0


def run_tree(args: argparse.Namespace) -> int:
    from .ascii_tree import render_tree, to_plain
    from .history_common import resolve_trace_id

    with open_reader(args) as reader:
        args.trace_id = resolve_trace_id(reader, args.trace_id)
        spans = reader.spans_of_trace(args.trace_id)
        summary = reader.trace(args.trace_id) if args.json else None
        # A span with no end reads running only while its session does (as in the monitor).
        running = any(s.end_ns is None for s in spans) and (
            (row := reader.session(spans[0].session_id)) is not None and row.status == "running")
    if not spans:
        raise CommandError(f"no trace {args.trace_id!r}")
    if args.json:
        from ..analysis.critical_path import analyze
        from .ascii_tree import build_tree

        tree = build_tree(spans)
        by_id = tree.spans
        an = analyze(tree, max((s.end_ns or s.start_ns) for s in spans))
        out = []
        for i, sid in enumerate(tree.order):
            d = span_dict(by_id[sid], running)
            d["depth"] = tree.depth[i]
            d["hotspot"] = sid in an.hotspots
            d["critical_ns"] = an.critical.get(sid, 0)
            out.append(d)
        # The trace's own figures too, as `traces list --json` gives them (the head line's).
        doc = trace_dict(summary) if summary is not None else {"trace_id": args.trace_id}
        doc["span_count"] = doc.pop("spans", len(spans))  # ("spans" is the tree below)
        open_spans = summary is not None and summary.running  # (its length is not known: null)
        print_json({**doc, "duration_ns": None if open_spans else an.duration_ns, "spans": out})
        return 0
    lines = render_tree(spans, attributes=args.attributes, running=running, internal=args.internal)
    if sys.stdout.isatty():
        from rich.text import Text

        c = console()
        for line in lines:
            t = Text(no_wrap=True, end="\n")
            for text, style in line:
                t.append(text, style=style)
            c.print(t, soft_wrap=True)
    else:
        sys.stdout.write(to_plain(lines) + "\n")
    return 0
