"""The native protocol's records: what one JSON object on the wire holds.

``ingest.protocol`` decodes bytes into these typed records (msgspec checks
types and ranges while decoding); ``normalize.native`` turns them into the
span model. See docs/protocol.md for the format a sender writes.
"""

from __future__ import annotations

from typing import Annotated, Any

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
    ToolInfo,
)

PROTOCOL_VERSION = 1
#: Default size limit of one record (a datagram, or a line of a stream).
DEFAULT_MAX_RECORD_BYTES = 64 * 1024

#: Ids are 1 to 128 characters; checked by msgspec while decoding, at C speed.
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
#: A time in ns since the epoch: non-negative and within SQLite's 64-bit INTEGER,
#: so a wild value is rejected here instead of failing the writer later.
Ns = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]


#: The protocol version, checked while decoding (another one is rejected as
#: "unsupported_version" on the error path, with the version it had).
Version = Annotated[int, msgspec.Meta(ge=PROTOCOL_VERSION, le=PROTOCOL_VERSION)]


class _Record(msgspec.Struct, tag_field="type", kw_only=True, gc=False, omit_defaults=True):
    v: Version
    #: Optional per-sender id and sequence number, for counting lost datagrams.
    sender: str | None = None
    seq: int | None = None


class _SpanFields(_Record, kw_only=True):
    # Declared in the order senders write them (the SDK's, sdk/sender.py): msgspec
    # matches each key it reads against the field after the last one it matched
    # first, so a record in this order finds every field at the first try
    # (measured: 5-12 % of the decode). The subclasses redefine name, start_ns
    # and end_ns, which keeps their place here.
    trace_id: Id
    span_id: Id
    session_id: Id | None = None
    name: str | None = None
    kind: str | None = None
    start_ns: Ns | None = None
    parent_span_id: Id | None = None
    end_ns: Ns | None = None
    status: str | None = None
    status_message: str | None = None
    status_code: str | None = None
    llm: LlmInfo | None = None
    #: A ToolInfo object or just a tool name (``"tool": "grep"``); typed, so
    #: msgspec builds the ToolInfo while decoding instead of normalize later.
    tool: ToolInfo | str | None = None
    agent: AgentInfo | None = None
    rag: RagInfo | None = None
    file: FileInfo | None = None
    usage: TokenUsage | None = None
    cost: Cost | None = None
    attributes: dict[str, Any] = {}
    # Tuples, not lists: an empty one is a shared default (an empty list would
    # be a new one per record), and the Span takes them as they are.
    events: tuple[SpanEvent, ...] = ()
    links: tuple[SpanLink, ...] = ()


class SpanRecord(_SpanFields, tag="span", kw_only=True):
    """A complete span."""

    name: str
    start_ns: Ns
    end_ns: Ns


class SpanStartRecord(_SpanFields, tag="span_start", kw_only=True):
    """A span that has begun; its duration ticks until its span_end."""

    name: str
    start_ns: Ns
    #: A span_start has no end: a value here is ignored, as an unknown field would be.
    end_ns: Any = None


class SpanEndRecord(_SpanFields, tag="span_end", kw_only=True):
    """The end of a span; may repeat or add any field of the span."""

    end_ns: Ns


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
    """A metric sample: name, labels, value."""

    name: str
    value: float
    labels: dict[str, str] = {}
    time_ns: Ns | None = None
    metric_kind: str | None = None
    #: The session the sample belongs to (our SDK sends its tracer's).
    session_id: Id | None = None


WireRecord = SpanRecord | SpanStartRecord | SpanEndRecord | SessionRecord | EventRecord | MetricRecord



class Reject(msgspec.Struct, frozen=True, gc=False):
    """Why a record (or a whole datagram/line) was refused."""

    reason: str
    detail: str
