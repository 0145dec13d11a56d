"""``agenttrace-tui import FILE``: OTLP JSON (ours or other tools') into the database.

Accepted files, detected per JSON value, so one file may mix them:

* OTLP JSON ``ExportTraceServiceRequest`` documents (``{"resourceSpans": ...}``),
  one per file, one per line (the Collector's file exporter, our export), or
  concatenated; ids in hex (the spec) or base64 (protobuf's JSON default);
* the OpenTelemetry Python SDK's console format (``ReadableSpan.to_json()``,
  what ``ConsoleSpanExporter`` prints): objects with ``context``/``parent_id``;
* our native records (``agenttrace-tui export --format json``).

Streaming: the file is read in 1 MiB chunks and each complete JSON value is
converted and written as soon as it is complete, so a file of many requests
never sits in memory at once (a single huge document does, unavoidably).

Spans are de-duplicated by (trace id, span id): a repeat inside the file or
one already in the database is merged into the stored span (the same rule
as live ingest) and counted, never stored twice. Writes go through the
SQLite writer's own batch encoder (``store.sqlite.encode_batch`` /
``write_batch``) so trace and session summaries stay right.

Bad input is counted by reason and reported; it never stops the import.
But a file that held something and gave nothing to store (a CSV file, an
OTLP logs export) ends with one error line and exit status 1, so a script
does not take it for a success; an empty file is "nothing to import", status 0.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import msgspec

from ..model import Session, Span, SpanEnd, Update

__all__ = ["register", "run", "ImportStats", "import_file", "iter_json_values", "updates_from_value"]

READ_CHUNK = 1 << 20
_span_json = msgspec.json.Decoder(Span)
_session_json = msgspec.json.Decoder(Session)


class ImportStats:
    """What an import did: spans stored, duplicates merged, rejects and values fixed by reason."""

    def __init__(self) -> None:
        self.spans = 0
        self.duplicates = 0
        self.sessions: set[str] = set()
        self.traces: set[str] = set()
        self.values = 0
        self.rejected: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        #: Values the door fixed (the record kept): reason -> count (``store.bulk``).
        self.fixed: Counter[str] = Counter()
        self.fix_examples: dict[str, str] = {}

    def reject(self, reason: str, detail: str, n: int = 1) -> None:
        self.rejected[reason] += n
        self.examples.setdefault(reason, detail[:200])

    def fix(self, reason: str, detail: str) -> None:
        self.fixed[reason] += 1
        self.fix_examples.setdefault(reason, detail[:200])

    def as_dict(self) -> dict[str, Any]:
        return {
            "spans": self.spans,
            "duplicates": self.duplicates,
            "sessions": len(self.sessions),
            "traces": len(self.traces),
            "rejected": dict(self.rejected),
            "reject_examples": dict(self.examples),
            "fixed": dict(self.fixed),
            "fix_examples": dict(self.fix_examples),
        }


# -- reading JSON values from a stream --------------------------------------------------
def iter_json_values(fh: TextIO, stats: ImportStats, chunk: int = READ_CHUNK) -> Iterator[Any]:
    """Every top-level JSON value of a stream: JSON Lines, concatenated or one document.

    A line that is a complete value takes a fast path; a value spanning lines
    (pretty-printed) is decoded once the buffer holds all of it. A broken
    line is counted and skipped; the values after it still import.
    """
    dec = json.JSONDecoder()
    buf = ""
    retry_at = 0  # buffer length before which a failed multi-line decode is not retried
    eof = False
    while not eof:
        data = fh.read(chunk)
        if not data:
            eof = True
        buf += data
        pos = 0
        n = len(buf)
        while pos < n:
            while pos < n and buf[pos] in " \t\r\n":
                pos += 1
            if pos >= n:
                break
            nl = buf.find("\n", pos)
            if nl != -1:
                line = buf[pos:nl]
                try:
                    yield msgspec.json.decode(line)
                    pos = nl + 1
                    continue
                except msgspec.DecodeError:
                    pass
            if not eof and n < retry_at:
                break
            try:
                value, end = dec.raw_decode(buf, pos)
            except json.JSONDecodeError as exc:
                complete_line = nl != -1 and exc.pos < nl and not _opens_value(buf, pos, nl)
                if complete_line or eof:
                    stop = nl if nl != -1 else n
                    stats.reject("invalid_json", f"{exc.msg} at line text {buf[pos:min(stop, pos + 80)]!r}")
                    pos = stop + 1 if nl != -1 else n
                    continue
                retry_at = n * 2  # wait for much more data before trying again
                break
            retry_at = 0
            yield value
            pos = end
        buf = buf[pos:]


def _opens_value(buf: str, pos: int, nl: int) -> bool:
    """Does this line start a value continued on later lines (pretty-printed JSON)?"""
    head = buf[pos:nl].rstrip()
    return head in ("{", "[") or head.endswith((",", "{", "[", ":"))


# -- values -> updates ------------------------------------------------------------------
def _kv_get(kvs: Any, key: str) -> Any:
    # From the end: our exports put the native copy last.
    if isinstance(kvs, list):
        for kv in reversed(kvs):
            if isinstance(kv, dict) and kv.get("key") == key:
                v = kv.get("value") or {}
                return v.get("stringValue") if isinstance(v, dict) else None
    return None


class _Context:
    """State kept across the values of one file."""

    def __init__(self, stats: ImportStats) -> None:
        self.stats = stats
        #: trace id -> session id learnt so far (a trace stays in one session)
        self.trace_sessions: dict[str, str] = {}


def updates_from_value(value: Any, ctx: _Context) -> Iterator[list[Update]]:
    """One top-level JSON value -> batches of updates (bad parts counted in ctx.stats)."""
    stats = ctx.stats
    stats.values += 1
    if isinstance(value, list):
        if all(isinstance(v, dict) and "context" in v for v in value[:5]) and value:
            yield from _sdk_console(value, ctx)
            return
        for v in value:
            yield from updates_from_value(v, ctx)
        return
    if not isinstance(value, dict):
        stats.reject("unknown_document", f"a JSON {type(value).__name__} is not a trace export")
        return
    if "resourceSpans" in value or "resource_spans" in value:
        yield from _otlp(value, ctx)
    elif "type" in value and "v" in value:
        got = _native(value, stats)
        if got:
            yield got
    elif "context" in value and "name" in value:
        yield from _sdk_console([value], ctx)
    elif "resourceLogs" in value or "resourceMetrics" in value:
        stats.reject("not_traces", "logs and metrics exports are not imported (traces only)")
    elif not value:
        stats.reject("unknown_document", "an empty object is not an OTLP trace export")
    else:
        keys = ", ".join(list(value)[:5]) + (", ..." if len(value) > 5 else "")
        stats.reject("unknown_document", f"an object with keys {keys} is not an OTLP trace export")


def _native(rec: dict[str, Any], stats: ImportStats) -> list[Update]:
    kind = rec.get("type")
    body = {k: v for k, v in rec.items() if k not in ("v", "type", "sender", "seq")}
    try:
        if kind in ("span", "span_start") and body.get("session_id"):
            span = msgspec.convert(body, Span)
            cost = body.get("cost")
            if span.cost is not None and isinstance(cost, dict) and "source" not in cost and span.cost.total is not None:
                # A figure the sender gave (our exports name their source): it wins, as live.
                span.cost.source = "reported"
            return [span]
        if kind == "session":
            body["id"] = body.pop("session_id")
            return [msgspec.convert(body, Session)]
    except (msgspec.ValidationError, KeyError, TypeError):
        pass
    # Anything else (or a hand-written record): the live decoder decides.
    from ..ingest.protocol import decode
    from ..normalize.native import normalize

    records, rejects = decode(msgspec.json.encode(rec))
    for r in rejects:
        stats.reject(r.reason, r.detail)
    updates, bad = normalize(records)
    for r in bad:
        stats.reject(r.reason, r.detail)
    # A file has no store to end a span in: an end alone is a report of its span, merged by the writer.
    return [u.as_span() if isinstance(u, SpanEnd) else u for u in updates if isinstance(u, (Span, SpanEnd, Session))]


def _otlp(doc: dict[str, Any], ctx: _Context) -> Iterator[list[Update]]:
    """Our own spans come back exactly from their native copy; others are decoded."""
    from ..history.export import NATIVE_ATTR, SESSION_ATTR
    from ..ingest.otlp_decode import Rejects, convert_traces

    resource_spans = doc.get("resourceSpans", doc.get("resource_spans"))
    if not isinstance(resource_spans, list):
        ctx.stats.reject("invalid_otlp", "`resourceSpans` is not a list")
        return
    native: list[Update] = []
    foreign: list[Any] = []
    for rs in resource_spans:
        if not isinstance(rs, dict):
            ctx.stats.reject("invalid_otlp", "resourceSpans item is not an object")
            continue
        res = rs.get("resource")
        if not isinstance(res, dict):
            res = {}
        sess = _kv_get(res.get("attributes"), SESSION_ATTR)
        if isinstance(sess, str):
            try:
                native.append(_session_json.decode(sess))
            except msgspec.DecodeError as exc:
                ctx.stats.reject("invalid_native", f"session: {exc}")
        scopes = rs.get("scopeSpans", rs.get("scope_spans", rs.get("instrumentationLibrarySpans"))) or []
        rest_scopes = []
        for ss in scopes if isinstance(scopes, list) else []:
            if not isinstance(ss, dict):
                continue
            rest = []
            for sp in ss.get("spans") or []:
                blob = _kv_get(sp.get("attributes"), NATIVE_ATTR) if isinstance(sp, dict) else None
                if isinstance(blob, str):
                    try:
                        native.append(_span_json.decode(blob))
                        continue
                    except msgspec.DecodeError as exc:
                        ctx.stats.reject("invalid_native", f"span: {exc}")
                rest.append(sp)
            if rest:
                rest_scopes.append({**ss, "spans": rest})
        if rest_scopes:
            foreign.append({**rs, "scopeSpans": rest_scopes})
    if native:
        yield native
    if foreign:
        rejects = Rejects()
        for chunk in convert_traces(foreign, True, rejects, ctx.trace_sessions.get):
            for u in chunk:
                if isinstance(u, Span):
                    ctx.trace_sessions.setdefault(u.trace_id, u.session_id)
            yield chunk
        for reason, n in rejects.by_reason.items():
            ctx.stats.reject(reason, rejects.first.get(reason, ""), n)


def _iso_ns(value: Any) -> int:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    s = str(value)
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    dt = _dt.datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_dt.UTC)
    return (int(dt.replace(microsecond=0).timestamp()) * 1_000_000 + dt.microsecond) * 1000


def _hex(value: Any) -> str:
    s = str(value or "")
    return s[2:] if s.startswith("0x") else s


_STATUS = {"OK": 1, "ERROR": 2, "UNSET": 0}


def _sdk_console(spans: list[Any], ctx: _Context) -> Iterator[list[Update]]:
    """``ReadableSpan.to_json()`` objects -> OTLP JSON shape -> the OTLP decoder."""
    from ..history.export import any_value, kv_list

    by_resource: dict[str, dict[str, Any]] = {}
    for sp in spans:
        try:
            c = sp["context"]
            out: dict[str, Any] = {
                "traceId": _hex(c["trace_id"]),
                "spanId": _hex(c["span_id"]),
                "name": sp.get("name") or "",
                "startTimeUnixNano": str(_iso_ns(sp["start_time"])),
                "endTimeUnixNano": str(_iso_ns(sp["end_time"])) if sp.get("end_time") else "0",
                "attributes": kv_list(sp.get("attributes") or {}),
                "events": [
                    {
                        "name": e.get("name", ""),
                        "timeUnixNano": str(_iso_ns(e["timestamp"])),
                        "attributes": kv_list(e.get("attributes") or {}),
                    }
                    for e in sp.get("events") or []
                ],
            }
            if sp.get("parent_id"):
                out["parentSpanId"] = _hex(sp["parent_id"])
            st = sp.get("status") or {}
            out["status"] = {"code": _STATUS.get(str(st.get("status_code", "UNSET")).upper(), 0)}
            if st.get("description"):
                out["status"]["message"] = st["description"]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            ctx.stats.reject("invalid_span", f"SDK console span: {exc!r}")
            continue
        res = (sp.get("resource") or {}).get("attributes") or {}
        key = json.dumps(res, sort_keys=True, default=str)
        entry = by_resource.get(key)
        if entry is None:
            entry = by_resource[key] = {
                "resource": {"attributes": [{"key": k, "value": any_value(v)} for k, v in res.items()]},
                "scopeSpans": [{"spans": []}],
            }
        entry["scopeSpans"][0]["spans"].append(out)
    if by_resource:
        yield from _otlp({"resourceSpans": list(by_resource.values())}, ctx)



# -- writing ---------------------------------------------------------------------------------
def import_file(src: str | Path | TextIO, db_path: str | Path, batch: int = 2000, prices: str | None = None) -> ImportStats:
    """Import one file (or an open text stream) into the database; returns the stats.
    ``prices``: the monitor's price file (see ``history_common.pricing_hook``)."""
    from ..store.bulk import BulkWriter
    from .history_common import pricing_hook

    stats = ImportStats()
    ctx = _Context(stats)
    # Every format is priced as live ingest is, on the merged span.
    hook = pricing_hook(prices)
    sink = BulkWriter(db_path, stats, batch)
    sink.span_hook = hook
    try:
        if isinstance(src, (str, Path)):
            with open(src, encoding="utf-8", errors="replace") as fh:
                for value in iter_json_values(fh, stats):
                    for updates in updates_from_value(value, ctx):
                        sink.add(updates)
        else:
            for value in iter_json_values(src, stats):
                for updates in updates_from_value(value, ctx):
                    sink.add(updates)
    finally:
        sink.close()
    return stats


# -- the command ---------------------------------------------------------------------------
def register(subparsers: Any) -> None:
    from .history_common import add_common

    p = subparsers.add_parser(
        "import",
        help="import an OTLP JSON file (ours or another tool's) into the database",
        description="Import OTLP JSON trace exports (one document, JSON Lines, or the OTel SDK's console "
        "format) or our native JSON Lines. Spans already stored are merged, not duplicated. '-' reads stdin.",
    )
    p.add_argument("file", metavar="FILE", help="file to import ('-' for stdin)")
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..enrich.prices import PriceFileError
    from .history_common import db_path_for_write, fail, prices_path, print_json

    db = db_path_for_write(args)
    try:
        stats = import_file(sys.stdin if args.file == "-" else args.file, db, prices=prices_path(args))
    except PriceFileError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"cannot import {args.file}: {exc.strerror or exc}")
    except sqlite3.Error as exc:
        return fail(f"cannot write {db}: {exc}")
    result = stats.as_dict()
    name = "stdin" if args.file == "-" else args.file
    empty = stats.values == 0 and not stats.rejected
    if args.json:
        print_json(result)
    elif empty:
        from ..format.sanitize import clean

        print(f"nothing to import: {clean(name, 300)} is empty")
    else:
        from ..format.numbers import plural
        from ..format.sanitize import clean

        print(
            f"imported {plural(stats.spans, 'span')} in {plural(len(stats.traces), 'trace')},"
            f" {plural(len(stats.sessions), 'session')} into {clean(db)}; {plural(stats.duplicates, 'duplicate')} merged"
        )
        for reason, n in stats.rejected.most_common():
            print(f"  skipped {n} {clean(reason)}: {clean(stats.examples.get(reason, ''), 200)}")
        for reason, n in stats.fixed.most_common():
            print(f"  fixed {n} {clean(reason)}: {clean(stats.fix_examples.get(reason, ''), 200)}")
    if stats.rejected and stats.spans == 0 and not stats.sessions:
        # It held something and none of it could be stored: not a success.
        reasons = ", ".join(f"{n} {reason}" for reason, n in stats.rejected.most_common())
        return fail(f"nothing imported from {name}: all skipped ({reasons})")
    return 0
