"""``agenttrace-tui spans query``: spans matching filters, for scripts and quick looks."""

from __future__ import annotations

import argparse
from typing import Any

from ..format.cost import span_cost_text
from ..format.numbers import column_digits, fmt_count, fmt_duration, fmt_time
from ..format.sanitize import clean, without_secrets
from ..model import span_state, unpriced_reasons
from .history_common import (
    CommandError,
    add_common,
    guarded,
    open_reader,
    positive_int,
    print_json,
    time_arg,
    to_builtins,
)
from .table import CliTable, console, id_col, name_col, num_col, text_col


def register(subparsers: Any) -> None:
    from ..model import Status

    p = subparsers.add_parser("spans", help="query saved spans", description="Saved spans.")
    # Given no ACTION, the command line gets its default one (cli.DEFAULT_ACTIONS).
    sub = p.add_subparsers(dest="spans_command", metavar="ACTION", required=True)
    q = sub.add_parser("query", help="spans matching every given filter, by start time")
    q.add_argument("--session", metavar="ID", help="session id ('latest' for the most recent)")
    q.add_argument("--trace", metavar="ID", help="trace id, or a unique prefix of one")
    q.add_argument("--kind", metavar="KIND", help="span kind, as in the monitor's filter: llm, tool, file, rag, ... or llm_call, tool_execution, ...")
    q.add_argument("--model", metavar="NAME", help="LLM model, exact (ignoring case); end with * for a prefix: 'gpt-4o*'")
    q.add_argument("--status", choices=[s.value for s in Status], help="span status")
    q.add_argument("--since", metavar="TIME", help="started at or after TIME (ISO, or 30m, 1h, 2d, today)")
    q.add_argument("--until", metavar="TIME", help="started before TIME")
    q.add_argument("--limit", type=positive_int, default=100, metavar="N", help="at most N spans (default 100)")
    add_common(q, wide=True)
    q.set_defaults(func=guarded(run))


def span_dict(span: Any, session_running: bool = False) -> dict[str, Any]:
    """A span for --json: every stored field (a credential in it as the table and the app show it,
    ``«secret»``: ``export`` keeps what was sent), plus its state, duration and the estimate flag."""
    d: dict[str, Any] = without_secrets(to_builtins(span))[0]  # type: ignore[assignment]
    d["state"] = span_state(span, session_running)
    d["duration_ns"] = None if span.end_ns is None else span.duration_ns()
    d["tokens_estimated"] = bool(span.usage is not None and span.usage.estimated)
    return d


def tokens_cell(span: Any) -> str:
    u = span.usage
    if u is None or not (u.input or u.output):
        return ""
    return f"{fmt_count(u.input, u.estimated)}/{fmt_count(u.output)}"


def run(args: argparse.Namespace) -> int:
    from ..analysis.filter import FilterError, resolve_kinds
    from .history_common import resolve_session_id, resolve_trace_id

    since = time_arg(args.since, "--since")
    until = time_arg(args.until, "--until")
    try:
        kinds = resolve_kinds(args.kind) if args.kind is not None else None
    except FilterError as exc:
        raise CommandError(f"--kind: {exc}") from None
    with open_reader(args) as reader:
        sid = resolve_session_id(reader, args.session) if args.session is not None else None
        tid = resolve_trace_id(reader, args.trace) if args.trace is not None else None
        spans = reader.query_spans(
            session_id=sid,
            trace_id=tid,
            kinds=kinds,
            model=args.model,
            status=args.status,
            since_ns=since,
            until_ns=until,
            limit=args.limit,
        )
        # A span with no end reads running only while its session does (as in the monitor):
        # in a session that ended, was interrupted or went quiet, no end will come.
        open_sessions = {sp.session_id for sp in spans if sp.end_ns is None}
        live = {sid for sid in open_sessions if (row := reader.session(sid)) is not None and row.status == "running"}
    if args.json:
        print_json([span_dict(s, s.session_id in live) for s in spans])
        return 0
    t = CliTable(
        text_col("STARTED", rank=50),
        id_col("TRACE", rank=0),
        id_col("SPAN", rank=1),
        name_col("NAME", rank=30, limit=60),
        text_col("KIND", rank=40),
        text_col("STATUS", rank=25),
        num_col("DURATION", rank=12),
        name_col("MODEL/TOOL", rank=90, limit=60),
        num_col("TOKENS", rank=11),
        num_col("COST", rank=10),
    )
    digits = column_digits(s.cost.total for s in spans if s.cost is not None)
    for s in spans:
        what = (s.llm.model if s.llm and s.llm.model else None) or (s.tool.name if s.tool else None) or ""
        bad = s.status.value in ("error", "timeout")
        status = "unfinished" if span_state(s, s.session_id in live) == "unfinished" else s.status.value
        t.add_row(
            fmt_time(s.start_ns),
            s.trace_id,
            s.span_id,
            s.name,
            s.kind.value,
            (status, "red" if bad else ""),
            fmt_duration(None if s.end_ns is None else s.duration_ns()),
            what,
            tokens_cell(s),
            span_cost_text(s.cost, s.usage, digits),
        )
    c = console()
    if spans:
        t.print(c, wide=args.wide)
        for reason in unpriced_reasons(spans)[:5]:
            c.print(f"$? = {clean(reason, 200)}", highlight=False, markup=False)
    else:
        c.print("no spans")
    return 0
