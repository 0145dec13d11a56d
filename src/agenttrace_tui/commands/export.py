"""``agenttrace-tui export``: saved spans as native JSON Lines, OTLP JSON or CSV.

Spans are streamed from the database (a session is read in pages), so a
large export never holds every span in memory. Formats: see ``history.export``.
A file is made to be shared, so it holds no credential the screen hides unless
``--keep-secrets`` asks for what was sent (a backup to re-import exactly).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

import msgspec

from ..format.numbers import plural
from .history_common import CommandError, add_common, guarded, open_reader


def register(subparsers: Any) -> None:
    from ..history.export import FORMATS

    p = subparsers.add_parser(
        "export",
        help="export saved spans as JSON, OTLP JSON or CSV",
        description="Export a trace, a session, or everything. OTLP JSON is one ExportTraceServiceRequest per line "
        "(readable by OpenTelemetry tools and by `agenttrace-tui import`).",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--session", metavar="ID", help="one session ('latest' for the most recent)")
    which.add_argument("--trace", metavar="ID", help="one trace")
    p.add_argument("--format", choices=FORMATS, default="json", help="output format (default json: native records)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--keep-secrets", action="store_true",
                   help="keep each credential an agent sent (an API key in a span's arguments, an authorization "
                   "attribute) as it was sent; by default the file holds it as the screen shows it, «secret»")
    add_common(p, json_flag=False)
    p.set_defaults(func=guarded(run), json=False)


def _select(reader: Any, args: argparse.Namespace) -> tuple[dict[str, Any], set[str], Iterator[Any]]:
    """(sessions by id, the ids of those still running, spans in time order) for the chosen scope."""
    from .history_common import resolve_session_id

    if args.trace is not None:
        from .history_common import resolve_trace_id

        args.trace = resolve_trace_id(reader, args.trace)
        spans = reader.spans_of_trace(args.trace)
        if not spans:
            raise CommandError(f"no trace {args.trace!r}")
        return (*_sessions(reader, {s.session_id for s in spans}), iter(spans))
    if args.session is not None:
        sid = resolve_session_id(reader, args.session)
        if reader.session(sid) is None:
            raise CommandError(f"no session {sid!r}")
        return (*_sessions(reader, {sid}), reader.iter_spans(sid))
    rows = reader.sessions(limit=2**62)
    ids = [r.id for r in reversed(rows)]  # oldest first

    def every() -> Iterator[Any]:
        for sid in ids:
            yield from reader.iter_spans(sid)

    return {r.id: _exported(r) for r in rows}, {r.id for r in rows if r.status == "running"}, every()


def _sessions(reader: Any, ids: set[str]) -> tuple[dict[str, Any], set[str]]:
    out = {}
    running = set()
    for sid in sorted(ids):
        row = reader.session(sid)
        if row is not None:
            out[sid] = _exported(row)
            if row.status == "running":
                running.add(sid)
    return out, running


def _exported(row: Any) -> Any:
    """The session as exported: one the file reads interrupted (its monitor stopped, or its
    process exited, with spans open) and that never sent its end ends at its last activity,
    so an import of the export reads it interrupted too, not running for ever. (The monitor's
    end marks are the file's own, not the session's record.)"""
    s = row.session
    if row.status == "interrupted" and s.ended_ns is None and row.last_ns:
        return msgspec.structs.replace(s, ended_ns=row.last_ns)
    return s


def run(args: argparse.Namespace) -> int:
    from ..history.export import SecretsHidden, write_csv, write_json, write_otlp_json

    hiding = None if args.keep_secrets else SecretsHidden()
    with open_reader(args) as reader:
        sessions, running, spans = _select(reader, args)
        if hiding is not None and args.format != "csv":  # (a CSV's text cells are hidden as they are written)
            sessions = {sid: hiding.session(s) for sid, s in sessions.items()}
            spans = hiding.spans(spans)
        # Closed in the finally below unless it is stdout. Opened once the scope is known,
        # so a bad --session or --trace leaves an existing file as it was.
        try:
            out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout  # noqa: SIM115
        except OSError as exc:  # a missing directory, a directory, no permission
            raise CommandError(f"cannot export to {args.output}: {exc.strerror or exc}") from None
        try:
            if args.format == "json":
                n = write_json(out, sessions.values(), spans)
            elif args.format == "csv":
                n = write_csv(out, spans, running)
            else:
                n = write_otlp_json(out, sessions, spans)
        finally:
            if args.output:
                out.close()
            else:
                out.flush()
    hidden = f"; {plural(hiding.count, 'secret')} hidden (--keep-secrets keeps them)" if hiding and hiding.count else ""
    if args.output:
        from ..format.sanitize import clean

        print(f"exported {plural(n, 'span')} to {clean(args.output, 300)} ({args.format}){hidden}", file=sys.stderr)
    elif hidden:
        print(f"exported {plural(n, 'span')} ({args.format}){hidden}", file=sys.stderr)
    return 0
