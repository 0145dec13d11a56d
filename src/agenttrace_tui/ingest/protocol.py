"""The native wire protocol: JSON records in, typed wire records out.

One JSON object or a JSON array of objects per UDP datagram; one per line on a
stream socket. Every record has ``"v": 1`` and a ``"type"``. Unknown fields are
ignored; a record that lacks a required field, has a wrong type, or is not
JSON is rejected with a reason and never stops the records after it.
See docs/protocol.md for the format a sender writes.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

import msgspec

from ..model import (
    AgentInfo,
    Cost,
    FileInfo,
    LlmInfo,
    RagInfo,
    SpanEvent,
    SpanLink,
    TokenUsage,
)

PROTOCOL_VERSION = 1
#: Default size limit of one record (a datagram, or a line of a stream).
DEFAULT_MAX_RECORD_BYTES = 64 * 1024

#: Ids are 1 to 128 characters; checked by msgspec while decoding, at C speed.
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
#: A time in ns since the epoch: non-negative and within SQLite's 64-bit INTEGER,
#: so a wild value is rejected here instead of failing the writer later.
Ns = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]


class _Record(msgspec.Struct, tag_field="type", kw_only=True, gc=False, omit_defaults=True):
    v: int
    #: Optional per-sender id and sequence number, for counting lost datagrams.
    sender: str | None = None
    seq: int | None = None


class _SpanFields(_Record, kw_only=True):
    trace_id: Id
    span_id: Id
    parent_span_id: Id | None = None
    session_id: Id | None = None
    kind: str | None = None
    status: str | None = None
    status_message: str | None = None
    status_code: str | None = None
    llm: LlmInfo | None = None
    tool: Any = None  # ToolInfo; Any so that "tool": "grep" is accepted as a name
    agent: AgentInfo | None = None
    rag: RagInfo | None = None
    file: FileInfo | None = None
    usage: TokenUsage | None = None
    cost: Cost | None = None
    events: list[SpanEvent] = []
    links: list[SpanLink] = []
    attributes: dict[str, Any] = {}


class SpanRecord(_SpanFields, tag="span", kw_only=True):
    """A complete span."""

    name: str
    start_ns: Ns
    end_ns: Ns


class SpanStartRecord(_SpanFields, tag="span_start", kw_only=True):
    """A span that has begun; its duration ticks until its span_end."""

    name: str
    start_ns: Ns


class SpanEndRecord(_SpanFields, tag="span_end", kw_only=True):
    """The end of a span; may repeat or add any field of the span."""

    end_ns: Ns
    name: str | None = None
    start_ns: Ns | None = None


class SessionRecord(_Record, tag="session", kw_only=True):
    """Start, update or end of a session (an agent run)."""

    session_id: Id
    name: str | None = None
    service: str | None = None
    framework: str | None = None
    framework_version: str | None = None
    hostname: str | None = None
    tags: list[str] = []
    started_ns: Ns | None = None
    ended_ns: Ns | None = None
    attributes: dict[str, Any] = {}


class EventRecord(_Record, tag="event", kw_only=True):
    """An event attached to a span (which may arrive before or after it)."""

    trace_id: Id
    span_id: Id
    name: str
    time_ns: Ns
    attributes: dict[str, Any] = {}


class MetricRecord(_Record, tag="metric", kw_only=True):
    """A metric sample: name, labels, value (seed 000)."""

    name: str
    value: float
    labels: dict[str, str] = {}
    time_ns: Ns | None = None
    metric_kind: str | None = None


WireRecord = Union[SpanRecord, SpanStartRecord, SpanEndRecord, SessionRecord, EventRecord, MetricRecord]



class Reject(msgspec.Struct, frozen=True, gc=False):
    """Why a record (or a whole datagram/line) was refused."""

    reason: str
    detail: str


_one = msgspec.json.Decoder(WireRecord)
_many = msgspec.json.Decoder(Union[WireRecord, list[WireRecord]])
_raw_list = msgspec.json.Decoder(list[msgspec.Raw])


def _classify(exc: Exception) -> Reject:
    msg = str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return Reject("invalid_utf8", msg)
    if isinstance(exc, RecursionError) or "recursion" in msg:
        return Reject("too_deep", "JSON nested too deeply")
    if isinstance(exc, msgspec.ValidationError):
        if "missing required field" in msg:
            if "`type`" in msg:
                return Reject("unknown_type", "record has no \"type\" field")
            return Reject("missing_field", msg)
        if "at `$.type`" in msg or msg.endswith("- at `$[...].type`"):
            return Reject("unknown_type", msg)
        return Reject("invalid_field", msg)
    if "invalid utf-8" in msg.lower() or "utf8" in msg.lower():
        return Reject("invalid_utf8", msg)
    return Reject("malformed_json", msg)


def _check(rec: WireRecord) -> Reject | None:
    """Checks msgspec's types do not express (ids and times are checked while decoding)."""
    if rec.v != PROTOCOL_VERSION:
        return Reject("unsupported_version", f"protocol version {rec.v!r} is not supported (expected {PROTOCOL_VERSION})")
    return None


class _Versioned(msgspec.Struct):
    v: Any = None


_version_only = msgspec.json.Decoder(_Versioned)


def _version_reject(data: bytes | memoryview | msgspec.Raw) -> Reject | None:
    """On the error path: a record from a newer protocol says so, not "missing field"."""
    try:
        v = _version_only.decode(data).v
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None
    if v is None or v == PROTOCOL_VERSION:
        return None
    return Reject("unsupported_version", f"protocol version {v!r} is not supported (expected {PROTOCOL_VERSION})")


def decode(data: bytes | memoryview, max_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> tuple[list[WireRecord], list[Reject]]:
    """Decode one datagram or one stream line into records and rejects.

    The fast path decodes the whole payload in one call; only when that fails
    are the elements of an array decoded one by one, so one bad record in a
    batch costs only itself. Every payload yields at least one record or one
    reject (an empty payload or ``[]`` is rejected as "empty").
    """
    if len(data) > max_bytes:
        return [], [Reject("oversized", f"{len(data)} bytes exceeds the {max_bytes}-byte record limit")]
    try:
        out = _many.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        if isinstance(exc, msgspec.ValidationError):
            if data.lstrip()[:1] == b"[":
                return _decode_each(data)
            return [], [_version_reject(data) or _classify(exc)]
        if not bytes(data).strip():
            return [], [Reject("empty", "no record in payload")]
        return [], [_classify(exc)]
    if isinstance(out, list):
        if not out:
            return [], [Reject("empty", "empty batch: no record in the array")]
        records = out
    else:
        records = [out]
    good: list[WireRecord] = []
    bad: list[Reject] = []
    for rec in records:
        problem = _check(rec)
        if problem is None:
            good.append(rec)
        else:
            bad.append(problem)
    return good, bad


def _decode_each(data: bytes | memoryview) -> tuple[list[WireRecord], list[Reject]]:
    try:
        raws = _raw_list.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        return [], [_classify(exc)]
    good: list[WireRecord] = []
    bad: list[Reject] = []
    for raw in raws:
        try:
            rec = _one.decode(raw)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
            problem = _version_reject(raw) if isinstance(exc, msgspec.ValidationError) else None
            bad.append(problem or _classify(exc))
            continue
        problem = _check(rec)
        if problem is None:
            good.append(rec)
        else:
            bad.append(problem)
    return good, bad


_encoder = msgspec.json.Encoder()


def encode(records: WireRecord | list[WireRecord]) -> bytes:
    """Encode records the way a sender should (used by the SDK and the demo)."""
    return _encoder.encode(records)
