"""``agenttrace-tui sessions list|show|delete``: saved sessions from the database.

``list`` reads only the sessions summary table (its ``last_ns`` index), so it
stays fast however many spans the file holds.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..format.numbers import (
    column_digits,
    cost_json,
    fmt_cost,
    fmt_count,
    fmt_duration,
    fmt_span_time,
    fmt_time,
    fmt_tokens,
    plural,
)
from .history_common import (
    CommandError,
    add_common,
    cost_footnote,
    guarded,
    open_reader,
    positive_int,
    print_json,
    resolve_session_id,
    time_arg,
    to_builtins,
)
from .table import CliTable, console, id_col, name_col, num_col, text_col

STATUSES = ("running", "done", "error", "interrupted")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("sessions", help="list, show or delete saved sessions", description="Saved sessions.")
    # Given no ACTION, the command line gets its default one (cli.DEFAULT_ACTIONS).
    sub = p.add_subparsers(dest="sessions_command", metavar="ACTION", required=True)

    ls = sub.add_parser("list", help="recent sessions, most recently active first")
    ls.add_argument("--limit", type=positive_int, default=50, metavar="N", help="at most N sessions (default 50)")
    ls.add_argument("--since", metavar="TIME", help="active since TIME (ISO, or 30m, 1h, 2d, today, yesterday)")
    ls.add_argument("--framework", metavar="NAME", help="only sessions of this framework")
    ls.add_argument("--status", choices=STATUSES, help="only sessions with this status")
    add_common(ls, wide=True)
    ls.set_defaults(func=guarded(run_list))

    show = sub.add_parser("show", help="one session with its traces")
    show.add_argument("session_id", metavar="ID", help="session id, or 'latest'")
    add_internal_arg(show)
    add_common(show, wide=True)
    show.set_defaults(func=guarded(run_show))

    rm = sub.add_parser("delete", help="delete a session with its traces and spans")
    rm.add_argument("session_id", metavar="ID", help="session id, a unique prefix of one, or 'latest'")
    add_common(rm)
    rm.set_defaults(func=guarded(run_delete))


# Kept for the command registry's convention (func=run).
def run(args: argparse.Namespace) -> int:
    return run_list(args)


def session_dict(row: Any) -> dict[str, Any]:
    s = row.session
    service_version, framework_version = s.versions
    return {
        "id": s.id,
        "name": s.name,
        "service": s.service,
        "service_version": service_version,
        "framework": s.framework,
        "framework_version": framework_version,
        "hostname": s.hostname,
        "tags": list(s.tags),
        "started_ns": row.first_ns,
        "last_ns": row.last_ns,
        "ended_ns": s.ended_ns,
        "duration_ns": row.duration_ns,
        "status": row.status,
        "traces": row.traces,
        "spans": row.spans,
        "errors": row.errors,
        "running": row.running,
        "input_tokens": row.input_tokens,
        "output_tokens": row.output_tokens,
        "tokens": row.tokens,
        **cost_json(row.cost, row.unpriced + row.calls_cut, row.estimated, row.calls_running),
    }


def trace_dict(row: Any) -> dict[str, Any]:
    # With spans open (``running``) its end and length are not known: null, as a span's are
    # (the table reads "+?"); 0 read as a trace that took no time.
    known = not row.running
    return {
        "trace_id": row.trace_id,
        "session_id": row.session_id,
        "name": row.name,
        "start_ns": row.start_ns,
        "end_ns": row.end_ns if known else None,
        "duration_ns": row.duration_ns if known else None,
        "spans": row.spans,
        "errors": row.errors,
        "running": row.running,
        "input_tokens": row.input_tokens,
        "output_tokens": row.output_tokens,
        "tokens": row.tokens,
        **cost_json(row.cost, row.unpriced + row.calls_cut, row.estimated, row.calls_running),
        "models": list(row.models),
        "internal": row.internal,
    }


def add_internal_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--internal", action="store_true",
                   help="list the traces made only of a client's framework internals too (Codex's and OpenCode's "
                        "runtime: folded away by default, as the monitor's trace list folds them)")


def listed_traces(reader: Any, session_id: str | None, limit: int, internal: bool) -> tuple[list, int]:
    """The traces a listing shows, newest first, and how many traces of framework internals
    it folded away: all of them with ``internal``, else the others, unless nothing else is
    left (a client's start-up alone: listed as it is, as the monitor lists it)."""
    if internal:
        return reader.traces(session_id, limit=limit), 0
    rows = reader.traces(session_id, limit=limit, internal=False)
    folded = reader.internal_traces(session_id)
    if not rows and folded:
        return reader.traces(session_id, limit=limit), 0
    return rows, folded


def internal_footnote(c: Any, folded: int) -> None:
    if folded:
        c.print(f"{plural(folded, 'trace')} made only of a client's framework internals not listed"
                " (--internal lists them).", highlight=False, markup=False)


def trace_table(with_session: bool) -> CliTable:
    """The traces table of ``traces list`` and ``sessions show`` (same columns, same ranks)."""
    return CliTable(
        id_col("TRACE"),
        *([id_col("SESSION", rank=28)] if with_session else []),
        name_col("NAME", rank=30),
        text_col("STARTED", rank=50),
        num_col("DURATION", rank=14),
        num_col("SPANS", rank=12),
        num_col("ERRORS", rank=13),
        num_col("TOKENS", rank=11),
        num_col("COST", rank=10),
        name_col("MODELS", rank=90, limit=80),
    )


def add_trace_row(t: CliTable, tr: Any, digits: int, with_session: bool) -> None:
    t.add_row(
        tr.trace_id,
        *([tr.session_id] if with_session else []),
        tr.name,
        fmt_time(tr.start_ns),
        fmt_span_time(tr.duration_ns, tr.running),  # spans open: "+?", as the tree and compare say
        fmt_count(tr.spans),
        (fmt_count(tr.errors), "red" if tr.errors else ""),
        fmt_tokens(tr.tokens, tr.estimated > 0),
        row_cost(tr, digits),
        ",".join(tr.models),
    )


def row_cost(row: Any, digits: int | None = None) -> str:
    """A session's or trace's cost as the tables show it: its open model calls to come
    (``+…``) or, once its session stopped with them open, not known (``$?``)."""
    return fmt_cost(row.cost, row.estimated > 0, row.unpriced + row.calls_cut, digits, running=row.calls_running)


def _cost_notes(row: Any) -> str:
    """What a session's figure leaves out, in words: " (1 LLM call without a price; 2 running)"."""
    notes = [text for n, text in (
        (row.unpriced, f"{plural(row.unpriced, 'LLM call')} without a price"),
        (row.calls_cut, f"{plural(row.calls_cut, 'call')} never ended"),
        (row.calls_running, f"{plural(row.calls_running, 'call')} running"),
    ) if n]
    return f" ({'; '.join(notes)})" if notes else ""


def _status_style(status: str) -> str:
    return {"error": "red", "running": "yellow", "interrupted": "magenta"}.get(status, "green")


def run_list(args: argparse.Namespace) -> int:
    since = time_arg(getattr(args, "since", None), "--since")
    with open_reader(args) as reader:
        rows = reader.sessions(
            getattr(args, "limit", 50) or 50,
            since_ns=since,
            framework=getattr(args, "framework", None),
            status=getattr(args, "status", None),
        )
    if getattr(args, "json", False):
        print_json([session_dict(r) for r in rows])
        return 0
    t = CliTable(
        id_col("ID"),
        name_col("NAME", rank=30),
        text_col("FRAMEWORK", rank=90, limit=40),
        text_col("STARTED", rank=50),
        num_col("DURATION", rank=14),
        num_col("TRACES", rank=20),
        num_col("SPANS", rank=12),
        num_col("ERRORS", rank=13),
        num_col("TOKENS", rank=11),
        num_col("COST", rank=10),
        text_col("STATUS", rank=25),
    )
    digits = column_digits(r.cost for r in rows)
    for r in rows:
        s = r.session
        t.add_row(
            s.id,
            s.shown_name or "",
            s.framework or "",
            fmt_time(r.first_ns),
            fmt_duration(r.duration_ns),
            fmt_count(r.traces),
            fmt_count(r.spans),
            (fmt_count(r.errors), "red" if r.errors else ""),
            fmt_tokens(r.tokens, r.estimated > 0),
            row_cost(r, digits),
            (r.status, _status_style(r.status)),
        )
    c = console()
    if rows:
        t.print(c, wide=args.wide)
        cost_footnote(c, sum(r.unpriced for r in rows), sum(r.estimated for r in rows),
                      cut=sum(r.calls_cut for r in rows), running=sum(r.calls_running for r in rows))
    else:
        c.print("no sessions", highlight=False)
    return 0


def run_show(args: argparse.Namespace) -> int:
    with open_reader(args) as reader:
        sid = resolve_session_id(reader, args.session_id)
        row = reader.session(sid)
        if row is None:
            raise CommandError(f"no session {sid!r} in {reader.path}")
        traces, folded = listed_traces(reader, sid, 100_000, args.internal)
    if args.json:
        out = session_dict(row)
        out["attributes"] = to_builtins(row.session.attributes)
        out["trace_list"] = [trace_dict(t) for t in traces]
        print_json(out)
        return 0
    from rich.text import Text

    from ..format.sanitize import clean

    c = console()
    s = row.session
    service_version, framework_version = s.versions
    head = Text()
    for label, value in (
        ("session", s.id),
        ("name", s.shown_name or "-"),
        ("service", " ".join(x for x in (s.service, service_version) if x) or "-"),
        ("framework", " ".join(x for x in (s.framework, framework_version) if x) or "-"),
        ("host", s.hostname or "-"),
        ("started", fmt_time(row.first_ns)),
        ("duration", fmt_duration(row.duration_ns)),
        ("status", row.status),
        ("spans", f"{plural(row.spans, 'span')} in {plural(row.traces, 'trace')}, {plural(row.errors, 'error')}"),
        ("tokens", f"{fmt_count(row.tokens, row.estimated > 0)} ({fmt_count(row.input_tokens)} in / {fmt_count(row.output_tokens)} out)"),
        ("cost", row_cost(row) + _cost_notes(row)),
    ):
        head.append(f"{label:>10}: ", style="bold")
        head.append(clean(value, 200))
        head.append("\n")
    c.print(head, end="")
    t = trace_table(with_session=False)
    digits = column_digits(tr.cost for tr in traces)
    for tr in traces:
        add_trace_row(t, tr, digits, with_session=False)
    t.print(c, wide=args.wide)
    cost_footnote(c, row.unpriced, row.estimated, sid, cut=row.calls_cut, running=row.calls_running)
    internal_footnote(c, folded)
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from ..store.sqlite import delete_session

    if not args.session_id:
        # resolve_session_id reads "" as latest: a delete names what it deletes.
        raise CommandError("give a session id, a unique prefix of one, or 'latest'")
    # The id as every session command takes it: latest, or a unique prefix (an ambiguous one lists the candidates).
    with open_reader(args) as reader:
        sid = resolve_session_id(reader, args.session_id)
        path = reader.path
    found = delete_session(path, sid)
    if not found:  # deleted by someone else in between
        raise CommandError(f"no session {sid!r}")
    if args.json:
        print_json({"deleted": found, "session_id": sid})
    else:
        from ..format.sanitize import clean

        print(f"deleted session {clean(sid, 200)}")
    return 0
