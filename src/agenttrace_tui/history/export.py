"""Saved spans -> files: native JSON Lines, CSV for spreadsheets, OTLP JSON.

* ``json``: our native wire records, one per line (``docs/protocol.md``):
  ``session`` records, then ``span`` (or ``span_start`` for a span that was
  still running). Any agenttrace-tui can send or import them back.
* ``csv``: one row per span with the columns of ``CSV_COLUMNS`` (``state``:
  ended, running, or unfinished for a span whose session ended first); token counts
  the monitor estimated are marked by ``tokens_estimated=true`` (the token
  columns stay plain numbers so spreadsheets can sum them); an unknown cost
  is an empty ``cost_usd`` (never 0) with its ``cost_reason``. Text cells are
  sanitised and defused (OWASP: a leading ``'`` before ``= + - @``).
* ``otlp-json``: one ``ExportTraceServiceRequest`` per line (the layout of the
  OpenTelemetry Collector's file exporter), one resource per session. Ids
  that are not OTLP hex ids are hashed into valid ones. Attributes follow the
  OTel GenAI conventions so other tools show models, tokens and tools; the
  span exactly as we store it rides along in ``agenttrace.native`` (and the
  session in the resource's ``agenttrace.session``) so our own import
  restores every field, the estimated-token flag and cost source included.

A file is for sharing: ``SecretsHidden`` gives the spans and sessions with each
credential an agent sent in them hidden as the screen hides it (``«secret»``),
every other field as stored; the CSV's text cells are hidden as they are written.

Pure functions over model objects and a text stream: no SQLite here.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import time
from collections.abc import Collection, Iterable, Iterator
from typing import Any, TextIO

import msgspec

from ..format.cost import FAILED_NO_TOKENS, NEVER_ENDED, UNTIL_ITS_END
from ..format.sanitize import clean, may_hold_secrets, without_secrets
from ..model import Session, Span, SpanKind, Status, span_state, waiting_call
from ..normalize.records import PROTOCOL_VERSION

__all__ = [
    "FORMATS",
    "CSV_COLUMNS",
    "NATIVE_ATTR",
    "SESSION_ATTR",
    "native_records",
    "SecretsHidden",
    "write_json",
    "write_csv",
    "write_otlp_json",
    "otlp_request",
    "span_to_otlp",
    "any_value",
    "kv_list",
    "otlp_trace_id",
    "otlp_span_id",
]

FORMATS = ("json", "otlp-json", "csv")
#: Span attribute holding the span as we store it (exact round trips).
NATIVE_ATTR = "agenttrace.native"
#: Resource attribute holding the session as we store it.
SESSION_ATTR = "agenttrace.session"
#: Spans per OTLP request line.
OTLP_CHUNK = 1000

_json = msgspec.json.Encoder()
_HEX = frozenset("0123456789abcdef")


# -- credentials ----------------------------------------------------------------
class SecretsHidden:
    """Spans and sessions as shared: each credential in them hidden as on screen; ``count``
    says how many were (a span or session with none is passed on as it is)."""

    def __init__(self) -> None:
        self.count = 0

    def _hidden(self, obj: Any, kind: type) -> Any:
        if not may_hold_secrets(_json.encode(obj).decode().lower()):
            return obj  # (most spans: a few searches of their JSON, where hiding walks every value)
        value, n = without_secrets(msgspec.to_builtins(obj))
        if not n:
            return obj
        self.count += n
        return msgspec.convert(value, kind)

    def spans(self, spans: Iterable[Span]) -> Iterator[Span]:
        for span in spans:
            yield self._hidden(span, Span)

    def session(self, session: Session) -> Session:
        hidden: Session = self._hidden(session, Session)
        return hidden


# -- native JSON Lines ----------------------------------------------------------
def native_records(sessions: Iterable[Session], spans: Iterable[Span]) -> Iterator[dict[str, Any]]:
    """Wire records (dicts) for the sessions, then the spans."""
    for s in sessions:
        rec = msgspec.to_builtins(s)
        rec["session_id"] = rec.pop("id")
        yield {"v": PROTOCOL_VERSION, "type": "session", **rec}
    for span in spans:
        rec = msgspec.to_builtins(span)
        if span.cost is not None:
            # Explicit, so an import tells our computed figure from one an agent reported.
            rec["cost"]["source"] = span.cost.source
        kind = "span" if span.end_ns is not None else "span_start"
        yield {"v": PROTOCOL_VERSION, "type": kind, **rec}


# Characters JSON allows raw that a terminal or editor showing the file would
# act on (C1 controls such as CSI, bidi overrides, invisible and line-breaking
# format characters, tag characters): written as \u escapes, same data.
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\U000e0000-\U000e007f]"
)


def _escape_char(m: re.Match[str]) -> str:
    code = ord(m.group())
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_safe(text: str) -> str:
    """JSON text with every control a terminal could act on escaped (still the same JSON value)."""
    return _JSON_UNSAFE.sub(_escape_char, text)


def write_json(out: TextIO, sessions: Iterable[Session], spans: Iterable[Span]) -> int:
    """Native records, one per line; returns the spans written."""
    n = 0
    for rec in native_records(sessions, spans):
        out.write(json_safe(_json.encode(rec).decode()))
        out.write("\n")
        n += rec["type"] != "session"
    return n


# -- CSV ----------------------------------------------------------------------------
CSV_COLUMNS = (
    "session_id",
    "trace_id",
    "span_id",
    "parent_span_id",
    "name",
    "kind",
    "status",
    "state",
    "status_message",
    "start",
    "start_ns",
    "end_ns",
    "duration_ms",
    "provider",
    "model",
    "tool",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "total_tokens",
    "tokens_estimated",
    "cost_usd",
    "cost_source",
    "cost_reason",
)


def _defuse(value: Any) -> Any:
    """An untrusted text cell: control characters made visible (no escape
    sequence reaches a terminal that shows the file), and a leading
    ``= + - @`` quoted so a spreadsheet does not run it as a formula."""
    if not isinstance(value, str):
        return value
    value = clean(value, 32_768)
    if value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _iso(ns: int | None) -> str:
    if ns is None:
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns / 1e9)) + f".{(ns // 1000) % 1_000_000:06d}Z"


def csv_row(span: Span, session_running: bool = False) -> list[Any]:
    """``session_running``: whether the span's session still runs (its open spans read
    "running" in ``state``, else "unfinished", as in the tables and the JSON)."""
    u = span.usage
    c = span.cost
    llm = span.llm
    dur = "" if span.end_ns is None else round(span.duration_ns() / 1e6, 3)
    # A model call that failed with no tokens costs $0 in every sum and says why in the detail:
    # so here (its cells were empty, which this file's reader takes for "unknown").
    failed = (c is None and u is None and span.kind is SpanKind.LLM_CALL and span.end_ns is not None
              and span.status is Status.ERROR)
    # A model call open with nothing counted: its cell is empty, and the reason says why
    # (its cost is to come while its session runs; it never ends once the session stopped).
    why_open = (UNTIL_ITS_END if session_running else NEVER_ENDED) if waiting_call(span) else ""
    return [
        # Ids are a sender's free text too: defused like every text cell.
        _defuse(span.session_id),
        _defuse(span.trace_id),
        _defuse(span.span_id),
        _defuse(span.parent_span_id or ""),
        _defuse(span.name),
        span.kind.value,
        span.status.value,
        span_state(span, session_running),
        _defuse(span.status_message or ""),
        _iso(span.start_ns),
        span.start_ns,
        "" if span.end_ns is None else span.end_ns,
        dur,
        _defuse(llm.provider or "") if llm else "",
        _defuse(llm.model or "") if llm else "",
        _defuse(span.tool.name or "") if span.tool else "",
        u.input if u else "",
        u.output if u else "",
        u.cache_read if u else "",
        u.cache_write if u else "",
        u.reasoning if u else "",
        u.sum if u else "",
        ("true" if u.estimated else "false") if u else "",
        # Empty, never 0, when unknown; cost_reason says why (or whose price was used). Rounded
        # as every figure kept (cost_json): 0.009975000000000001 is float residue, not a price.
        0 if failed else "" if c is None or c.total is None else round(c.total, 10),
        _defuse(c.source) if c is not None else "",
        FAILED_NO_TOKENS if failed else why_open or
        _defuse((c.reason or (f"priced as {c.priced_as}" if c.priced_as else "")) if c is not None else ""),
    ]


def write_csv(out: TextIO, spans: Iterable[Span], running: Collection[str] = ()) -> int:
    """``running``: the ids of the sessions that still run (see ``csv_row``)."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    n = 0
    for span in spans:
        w.writerow(csv_row(span, span.session_id in running))
        n += 1
    return n


# -- OTLP JSON ------------------------------------------------------------------------
def _is_hex(s: str, n: int) -> bool:
    return len(s) == n and _HEX.issuperset(s) and s.strip("0") != ""


def otlp_trace_id(trace_id: str) -> str:
    """Our trace id as 32 hex digits: itself when it already is one, else a hash."""
    low = trace_id.lower()
    return low if _is_hex(low, 32) else hashlib.sha256(trace_id.encode("utf-8", "replace")).hexdigest()[:32]


def otlp_span_id(span_id: str) -> str:
    low = span_id.lower()
    return low if _is_hex(low, 16) else hashlib.sha256(span_id.encode("utf-8", "replace")).hexdigest()[:16]


def any_value(v: Any) -> dict[str, Any]:
    """A Python value as an OTLP JSON AnyValue."""
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, str):
        return {"stringValue": v}
    if isinstance(v, dict):
        return {"kvlistValue": {"values": kv_list(v)}}
    if isinstance(v, (list, tuple)):
        return {"arrayValue": {"values": [any_value(x) for x in v]}}
    if v is None:
        return {}
    return {"stringValue": str(v)}


def kv_list(attrs: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": str(k), "value": any_value(v)} for k, v in attrs.items()]


_OPERATION = {
    SpanKind.LLM_CALL: "chat",
    SpanKind.TOOL_EXECUTION: "execute_tool",
    SpanKind.AGENT: "invoke_agent",
    SpanKind.EMBEDDING: "embeddings",
}


def _standard_attributes(span: Span) -> dict[str, Any]:
    """What other OTel tools understand (GenAI semantic conventions)."""
    a: dict[str, Any] = dict(span.attributes)
    a["session.id"] = span.session_id
    a["agenttrace.kind"] = span.kind.value
    op = _OPERATION.get(span.kind)
    if op:
        a["gen_ai.operation.name"] = op
    if span.llm is not None:
        if span.llm.provider:
            a["gen_ai.provider.name"] = span.llm.provider
        if span.llm.model:
            a["gen_ai.request.model"] = span.llm.model
        if span.llm.stop_reason:
            a["gen_ai.response.finish_reasons"] = [span.llm.stop_reason]
    u = span.usage
    if u is not None and u.scope == "span":
        a["gen_ai.usage.input_tokens"] = u.input
        a["gen_ai.usage.output_tokens"] = u.output
        if u.cache_read:
            a["gen_ai.usage.cache_read.input_tokens"] = u.cache_read
        if u.cache_write:
            a["gen_ai.usage.cache_creation.input_tokens"] = u.cache_write
    if span.tool is not None:
        if span.tool.name:
            a["gen_ai.tool.name"] = span.tool.name
        if span.tool.call_id:
            a["gen_ai.tool.call.id"] = span.tool.call_id
    if span.agent is not None and span.agent.name:
        a["gen_ai.agent.name"] = span.agent.name
    if span.file is not None and span.file.path:
        a["file.path"] = span.file.path
    if u is not None and u.estimated:
        a["agenttrace.usage.estimated"] = True
    c = span.cost
    if c is not None and c.total is not None:
        a["agenttrace.cost.usd"] = c.total
    elif c is not None:
        # No price: say so instead of leaving a reader to assume $0.
        a["agenttrace.cost.unpriced"] = True
        if c.reason:
            a["agenttrace.cost.reason"] = c.reason
    if span.end_ns is None:
        # Its end time below is its start (OTLP needs one): say so instead of leaving a
        # reader to take it for a span that took no time.
        a["agenttrace.span.no_end"] = True
    a[NATIVE_ATTR] = _json.encode(span).decode()
    return a


def span_to_otlp(span: Span) -> dict[str, Any]:
    """One span as an OTLP JSON span object."""
    tid = otlp_trace_id(span.trace_id)
    out: dict[str, Any] = {
        "traceId": tid,
        "spanId": otlp_span_id(span.span_id),
        "name": span.name,
        "kind": 3 if span.kind in (SpanKind.LLM_CALL, SpanKind.EMBEDDING, SpanKind.API_CALL) else 1,
        "startTimeUnixNano": str(span.start_ns),
        # A running span gets end = start for tools that need one; our import
        # knows it was running from the native copy.
        "endTimeUnixNano": str(span.end_ns if span.end_ns is not None else span.start_ns),
        "attributes": kv_list(_standard_attributes(span)),
    }
    if span.parent_span_id:
        out["parentSpanId"] = otlp_span_id(span.parent_span_id)
    if span.events:
        out["events"] = [
            {"timeUnixNano": str(e.time_ns), "name": e.name, "attributes": kv_list(e.attributes)} for e in span.events
        ]
    if span.links:
        out["links"] = [
            {
                "traceId": otlp_trace_id(ln.trace_id),
                "spanId": otlp_span_id(ln.span_id),
                "attributes": kv_list(ln.attributes),
            }
            for ln in span.links
        ]
    status: dict[str, Any] = {}
    if span.status in (Status.ERROR, Status.TIMEOUT):
        status["code"] = 2
        if span.status_message:
            status["message"] = span.status_message
    elif span.status is Status.OK:
        status["code"] = 1
    out["status"] = status
    return out


def _resource(session: Session | None, session_id: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {"service.name": (session.service if session else None) or "agenttrace", "session.id": session_id}
    if session is not None:
        if session.hostname:
            attrs["host.name"] = session.hostname
        service_version, _ = session.versions
        if service_version:
            attrs["service.version"] = service_version
        attrs[SESSION_ATTR] = _json.encode(session).decode()
    return {"attributes": kv_list(attrs)}


def otlp_request(session: Session | None, session_id: str, spans: list[Span]) -> dict[str, Any]:
    from .. import __version__

    return {
        "resourceSpans": [
            {
                "resource": _resource(session, session_id),
                "scopeSpans": [
                    {
                        "scope": {"name": "agenttrace-tui", "version": __version__},
                        "spans": [span_to_otlp(s) for s in spans],
                    }
                ],
            }
        ]
    }


def write_otlp_json(
    out: TextIO, sessions: dict[str, Session], spans: Iterable[Span], chunk: int = OTLP_CHUNK
) -> int:
    """One request per line, each holding up to ``chunk`` spans of one session."""
    n = 0
    batch: list[Span] = []
    current: str | None = None

    def flush() -> None:
        if batch:
            assert current is not None
            out.write(json_safe(json.dumps(otlp_request(sessions.get(current), current, batch), ensure_ascii=False)))
            out.write("\n")
            batch.clear()

    for span in spans:
        if span.session_id != current or len(batch) >= chunk:
            flush()
            current = span.session_id
        batch.append(span)
        n += 1
    flush()
    return n
