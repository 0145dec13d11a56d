"""Wire records -> model updates, applying the attribute conventions.

A ``span_end`` that says only how a span ended (ids, end time, status)
becomes a ``SpanEnd``, which the store applies to the span it holds. Any other
``span_end`` becomes a *partial* span: its unknown name is ``""`` and its
unknown start is ``0``; the store merges it into whatever it already has for
that span id (see ``store.merge.merge_span``).
"""

from __future__ import annotations

import time
from typing import Any, Literal, cast

import msgspec

from ..model import (
    AgentInfo,
    AttachedEvent,
    FileInfo,
    LlmInfo,
    Metric,
    RagInfo,
    Session,
    Span,
    SpanEnd,
    SpanEvent,
    SpanKind,
    Status,
    TokenUsage,
    ToolInfo,
    Update,
)
from . import conventions
from .limits import I64, I64_MIN, MAX_TOKENS, _cost_ok
from .part_fill import agent_fill, file_fill, llm_fill, rag_fill, tool_fill
from .records import (
    EventRecord,
    MetricRecord,
    Reject,
    SessionRecord,
    SpanEndRecord,
    SpanRecord,
    SpanStartRecord,
    WireRecord,
)

_PART_TYPES: dict[str, type[msgspec.Struct]] = {
    "llm": LlmInfo,
    "tool": ToolInfo,
    "agent": AgentInfo,
    "rag": RagInfo,
    "file": FileInfo,
    "usage": TokenUsage,
}
_STATUS = {s.value: s for s in Status}
#: A status by its exact value (what most senders send).
STATUS_OF = _STATUS


class NormalizeError(ValueError):
    """A record that decoded but cannot become a span; ``str()`` says why."""


#: Every attribute key some convention reads: a span without any of them skips the table.
_CONVENTION_KEYS = frozenset(key for _, _, _, keys in conventions.ATTRIBUTE_MAP for key in keys)
#: Parts whose fields all default to None: an empty one (``"llm": {}``) means "absent".
_NONE_PARTS = ("llm", "agent", "rag", "file")
_EMPTY = {name: _PART_TYPES[name]() for name in _NONE_PARTS}
_DEFAULTS = {name: {f.name: f.default for f in msgspec.structs.fields(cls)} for name, cls in _PART_TYPES.items()}


def _tool(value: Any) -> ToolInfo | None:
    """The ``tool`` field as sent: a ToolInfo object or just a tool name."""
    if isinstance(value, str):
        return ToolInfo(name=value)
    if isinstance(value, dict):
        try:
            return msgspec.convert(value, ToolInfo)
        except msgspec.ValidationError as exc:
            raise NormalizeError(f"invalid `tool`: {exc}") from None
    raise NormalizeError("`tool` must be an object or a tool name")


def _explicit_part(rec: Any, part: str) -> dict[str, Any]:
    """Fields a sender set on a typed part (defaults are "not set", so conventions may fill them)."""
    value = getattr(rec, part)
    if value is None:
        return {}
    if part == "tool" and not isinstance(value, msgspec.Struct):
        value = _tool(value)
    defaults = _DEFAULTS[part]
    return {k: v for k, v in msgspec.structs.asdict(value).items() if v is not None and v != defaults[k]}


def _build_parts(rec: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Typed parts (explicit ones win over attribute conventions) and free attributes."""
    attrs = rec.attributes
    if attrs and not _CONVENTION_KEYS.isdisjoint(attrs):
        return _merge_conventions(rec, attrs)
    # Fast path (every native record that uses typed parts): no convention can
    # apply, so the decoded part objects are used as they are, with no copy.
    parts: dict[str, Any] = {}
    for name in _NONE_PARTS:
        value = getattr(rec, name)
        if value is not None and value != _EMPTY[name]:
            parts[name] = value
    if rec.usage is not None:
        parts["usage"] = rec.usage
    if rec.tool is not None:
        tool = _tool(rec.tool) if not isinstance(rec.tool, msgspec.Struct) else rec.tool
        if tool != ToolInfo():
            parts["tool"] = tool
    return parts, attrs


def _merge_conventions(rec: Any, attrs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    derived, used = conventions.extract_parts(attrs)
    free = {k: v for k, v in attrs.items() if k not in used} if used else attrs
    parts: dict[str, Any] = {}
    for name, cls in _PART_TYPES.items():
        fields = derived.get(name, {})
        explicit = _explicit_part(rec, name)
        if explicit:
            fields = {**fields, **explicit}
        if fields or (name == "usage" and rec.usage is not None):
            parts[name] = cls(**fields)
    return parts, free


def _kind(rec: Any, name: str, parts: dict[str, Any], free: dict[str, Any], partial: bool) -> SpanKind:
    if rec.kind:
        kind = conventions.kind_from_string(rec.kind)
        if kind is not None:
            return kind
        free.setdefault("agenttrace.kind", rec.kind)
        return SpanKind.CUSTOM
    if partial and not name:
        return SpanKind.CUSTOM  # unknown: the store keeps whatever span_start said
    return conventions.guess_kind(name, parts)


def _status(rec: Any, default: Status) -> Status:
    if rec.status is None:
        return Status.ERROR if rec.status_code and default is not Status.RUNNING else default
    status = _STATUS.get(rec.status.lower())
    if status is None:
        raise NormalizeError(f"`status` must be one of {', '.join(_STATUS)}, got {rec.status!r}")
    return status


def _bare_end(rec: SpanEndRecord) -> Span:
    """A span_end that carries no name, kind, parts or attributes (what SDKs send): no table applies."""
    start = rec.start_ns or 0
    end = rec.end_ns
    if end is not None and start and end < start:
        raise NormalizeError(f"`end_ns` ({end}) is before `start_ns` ({start})")
    return Span(
        span_id=rec.span_id,
        trace_id=rec.trace_id,
        session_id=rec.session_id or "",
        parent_span_id=rec.parent_span_id or None,
        name="",
        start_ns=start,
        end_ns=end,
        status=_status(rec, Status.OK),
        status_message=rec.status_message or None,  # (an empty one is none, as the store merges it)
        status_code=rec.status_code or None,
        cost=rec.cost,
        events=tuple(rec.events),
        links=tuple(rec.links),
        attributes=rec.attributes,
    )


_KINDS = {k.value: k for k in SpanKind}
_NO_LLM, _NO_AGENT, _NO_RAG, _NO_FILE, _NO_TOOL = LlmInfo(), AgentInfo(), RagInfo(), FileInfo(), ToolInfo()
_OK, _RUNNING, _ERROR, _CUSTOM = Status.OK, Status.RUNNING, Status.ERROR, SpanKind.CUSTOM


def _typed_span(rec: Any, attrs: dict[str, Any]) -> Span:
    """The fast path: a span record with no convention attribute is already in model shape.

    Its typed parts were built by msgspec while decoding and are reused as
    they are; what is left is a handful of lookups (kind, status by exact
    value first) and one ``Span`` call. It gives exactly what the general
    path (``_general_span``) gives for such a record (tests/test_normalize_parts.py).
    """
    cls = rec.__class__
    tool = rec.tool
    if tool is not None:
        if tool.__class__ is not ToolInfo and not isinstance(tool, msgspec.Struct):
            tool = _tool(tool)
        if tool.name is None and tool == _NO_TOOL:
            tool = None
    if cls is SpanRecord:
        default, start, end = _OK, rec.start_ns, rec.end_ns
    elif cls is SpanStartRecord:
        default, start, end = _RUNNING, rec.start_ns, None
    else:
        default, start, end = _OK, rec.start_ns or 0, rec.end_ns
    if end is not None and start and end < start:
        raise NormalizeError(f"`end_ns` ({end}) is before `start_ns` ({start})")
    llm, agent, rag, file, usage = rec.llm, rec.agent, rec.rag, rec.file, rec.usage
    # An empty part is no part. Its first field is tested first: most parts name it (a model, a
    # tool, an agent, a query, a path), and the identity test costs a fifth of comparing two parts.
    if llm is not None and llm.provider is None and llm == _NO_LLM:
        llm = None
    if agent is not None and agent.name is None and agent == _NO_AGENT:
        agent = None
    if rag is not None and rag.query is None and rag == _NO_RAG:
        rag = None
    if file is not None and file.path is None and file == _NO_FILE:
        file = None
    if usage is not None and not usage.total:
        usage.total = usage.input + usage.output
    name = rec.name or ""
    k = rec.kind
    if k:
        kind = _KINDS.get(k) or conventions.kind_from_string(k)
        if kind is None:
            attrs.setdefault("agenttrace.kind", k)
            kind = _CUSTOM
    elif cls is SpanEndRecord and not name:
        kind = _CUSTOM  # unknown: the store keeps whatever span_start said
    else:
        parts = {n: v for n, v in (("llm", llm), ("tool", tool), ("agent", agent), ("rag", rag), ("file", file),
                                    ("usage", usage)) if v is not None}
        kind = conventions.guess_kind(name, parts)
    st = rec.status
    if st is None:
        status = _ERROR if rec.status_code and default is not _RUNNING else default
    else:
        status = _STATUS.get(st) or _STATUS.get(st.lower())  # type: ignore[assignment]
        if status is None:
            raise NormalizeError(f"`status` must be one of {', '.join(_STATUS)}, got {st!r}")
    span = Span(
        span_id=rec.span_id,
        trace_id=rec.trace_id,
        session_id=rec.session_id or "",
        parent_span_id=rec.parent_span_id or None,
        name=name,
        kind=kind,
        start_ns=start,
        end_ns=end,
        status=status,
        attributes=attrs,
    )
    # The rest only when set: a Span call with 16 or more keywords costs 4x one
    # with 15 (measured with msgspec 0.23: 0.49 vs 2.3 µs), so optional fields are
    # assigned after it; a field left out keeps its default, the same value.
    if llm is not None:
        span.llm = llm
    if tool is not None:
        span.tool = tool
    if agent is not None:
        span.agent = agent
    if rag is not None:
        span.rag = rag
    if file is not None:
        span.file = file
    if usage is not None:
        span.usage = usage
    if (cost := rec.cost) is not None:
        span.cost = cost
    if msg := rec.status_message:  # (an empty one sets nothing, as the store merges it)
        span.status_message = msg
    if code := rec.status_code:
        span.status_code = code
    if events := rec.events:
        span.events = tuple(events)
    if links := rec.links:
        span.links = tuple(links)
    return span


def span_from_record(rec: SpanRecord | SpanStartRecord | SpanEndRecord) -> Span:
    attrs = rec.attributes
    if attrs and not _CONVENTION_KEYS.isdisjoint(attrs):
        return _general_span(rec)
    if (rec.__class__ is SpanEndRecord and not rec.name and not rec.kind and not attrs and rec.usage is None
            and rec.llm is None and rec.tool is None and rec.agent is None and rec.rag is None and rec.file is None):
        return _bare_end(rec)
    return _typed_span(rec, attrs)


def _general_span(rec: SpanRecord | SpanStartRecord | SpanEndRecord) -> Span:
    """Any span record, conventions applied (the reference the fast path must agree with)."""
    partial = isinstance(rec, SpanEndRecord)
    if (partial and not rec.name and not rec.kind and not rec.attributes and rec.usage is None and rec.llm is None
            and rec.tool is None and rec.agent is None and rec.rag is None and rec.file is None):
        return _bare_end(rec)  # type: ignore[arg-type]
    name = rec.name or ""
    parts, free = _build_parts(rec)
    if isinstance(rec, SpanStartRecord):
        default_status, start, end = Status.RUNNING, rec.start_ns, None
    elif isinstance(rec, SpanRecord):
        default_status, start, end = Status.OK, rec.start_ns, rec.end_ns
    else:
        default_status, start, end = Status.OK, rec.start_ns or 0, rec.end_ns
    if end is not None and start and end < start:
        raise NormalizeError(f"`end_ns` ({end}) is before `start_ns` ({start})")
    usage = parts.get("usage")
    if usage is not None and not usage.total:
        usage.total = usage.input + usage.output
    return Span(
        span_id=rec.span_id,
        trace_id=rec.trace_id,
        session_id=rec.session_id or "",
        parent_span_id=rec.parent_span_id or None,
        name=name,
        kind=_kind(rec, name, parts, free, partial),
        start_ns=start,
        end_ns=end,
        status=_status(rec, default_status),
        status_message=rec.status_message or None,  # (an empty one is none, as the store merges it)
        status_code=rec.status_code or None,
        cost=rec.cost,
        events=tuple(rec.events),
        links=tuple(rec.links),
        attributes=free,
        **parts,
    )


def _end_span(rec: SpanEndRecord) -> Span:
    """``_bare_end`` for a span_end with no events, links or cost either that names its
    session, parent or start (else ``normalize`` makes it a ``SpanEnd``): the same Span,
    with the fields left out that keep their default."""
    start = rec.start_ns or 0
    end = rec.end_ns
    if start and end < start:
        raise NormalizeError(f"`end_ns` ({end}) is before `start_ns` ({start})")
    span = Span(span_id=rec.span_id, trace_id=rec.trace_id, session_id=rec.session_id or "", name="",
                start_ns=start, end_ns=end, status=_end_status(rec))
    # Set only when sent (a Span call with fewer keywords is cheaper); one left out keeps its default.
    if parent := rec.parent_span_id:
        span.parent_span_id = parent
    if msg := rec.status_message:  # (an empty one sets nothing, as the store merges it)
        span.status_message = msg
    if code := rec.status_code:
        span.status_code = code
    return span


def _end_status(rec: SpanEndRecord) -> Status:
    """A bare span_end's status: as sent, else an error when it gives an error code."""
    st = rec.status
    if st is None:
        return _ERROR if rec.status_code else _OK
    status = _STATUS.get(st) or _STATUS.get(st.lower())
    if status is None:
        raise NormalizeError(f"`status` must be one of {', '.join(_STATUS)}, got {st!r}")
    return status


def _end_into(span: Span, end: SpanEndRecord, status: Status) -> Span:
    """A held start and its plain end (``normalize``) for a start normalised alone (``span``): the
    end's fields set on it, as the store merges them (an empty part is no part; a part the span has
    takes the end's set fields)."""
    p: Any
    o: Any
    if (p := end.llm) is not None:
        if (o := span.llm) is not None:
            llm_fill(o, p)
        elif not (p.provider is None and p == _NO_LLM):
            span.llm = p
    if (p := end.tool) is not None:
        if (o := span.tool) is not None:
            tool_fill(o, p)  # type: ignore[arg-type]  # (a typed part: StartHold.pair's test)
        elif not (p.name is None and p == _NO_TOOL):  # type: ignore[union-attr]
            span.tool = p  # type: ignore[assignment]
    if (p := end.agent) is not None:
        if (o := span.agent) is not None:
            agent_fill(o, p)
        elif not (p.name is None and p == _NO_AGENT):
            span.agent = p
    if (p := end.rag) is not None:
        if (o := span.rag) is not None:
            rag_fill(o, p)
        elif not (p.query is None and p == _NO_RAG):
            span.rag = p
    if (p := end.file) is not None:
        if (o := span.file) is not None:
            file_fill(o, p)
        elif not (p.path is None and p == _NO_FILE):
            span.file = p
    if (p := end.usage) is not None:
        span.usage = p
    if (u := span.usage) is not None and u.total < u.input + u.output:
        span.usage = msgspec.structs.replace(u, total=u.input + u.output)  # (as in normalize)
    span.end_ns = end.end_ns
    span.status = status
    if msg := end.status_message:  # (an empty one sets nothing, as the store merges it)
        span.status_message = msg
    if code := end.status_code:
        span.status_code = code
    return span


def normalize(records: list[WireRecord]) -> tuple[list[Update], list[Reject]]:
    """Turn decoded wire records into store updates; bad ones become rejects."""
    out, bad, _ = normalize_at_door(records, None)
    return out, bad


def normalize_at_door(records: list[WireRecord], limit: int | None
                      ) -> tuple[list[Update], list[Reject], list[Update] | None]:
    """``normalize``, and which updates the door (``normalize.limits.check``) must still check, in
    order: those not known to pass it as they are, reporting nothing. Each common span (a span
    record's, or a held start's with its plain end) is tested as it is built, with the values at
    hand, for a door whose time limit (``now + MAX_FUTURE_NS``, capped at 2^63 - 1) is ``limit`` or
    later; the door skips those that pass (``Pipeline._take``, ``check``'s ``only``). Every other
    update is left to it. ``limit`` None: nothing is tested (None: the door checks every update).
    Only meaningful when no record was refused (``bad`` empty)."""
    out: list[Update] = []
    bad: list[Reject] = []
    append = out.append
    keys = _CONVENTION_KEYS
    kinds_get, status_get, no_llm, tool_info = _KINDS.get, _STATUS.get, _NO_LLM, ToolInfo
    max_tokens, i64, i64_min = MAX_TOKENS, I64, I64_MIN
    door = limit is not None
    #: The updates the door must still check: marked as each is built by a path other than the
    #: common span's, or after a common span that fails the test. (Per update, not per read: one
    #: update of another kind in a read left the door to walk all of it, the test of the others
    #: wasted: bench_live_ir.py. The update itself, not its index: ``len(out)`` cost some 100
    #: instructions a mark more.)
    unchecked: list[Update] = []
    mark = unchecked.append
    u: Update
    # Any: the branches below test the exact class (cheaper than isinstance), which mypy does not narrow by.
    for rec in cast(list[Any], records):
        try:
            cls = rec.__class__
            if cls is SpanRecord or cls is SpanStartRecord:
                attrs = rec.attributes
                if attrs and not keys.isdisjoint(attrs):
                    append(u := _general_span(rec))
                    mark(u)
                    continue
                # The common record (a kind and status given exactly, typed parts each naming
                # its first field, usage and a cost, nothing else optional) is built here with one
                # Span call: what ``_typed_span`` gives it, without its tests of what such a record
                # lacks. Any other, or one whose times are wrong, goes there.
                k, st, llm = rec.kind, rec.status, rec.llm
                # (What such a record lacks is tested first: a record that has it pays the least.)
                if (rec.status_message is not None or rec.status_code is not None or rec.events or rec.links
                        # a tool part as decoded, named (so not an empty one)
                        or ((tool := rec.tool) is not None and (tool.__class__ is not tool_info or not tool.name))
                        or not k or (kind := kinds_get(k)) is None or (st is not None and (span_status := status_get(st)) is None)
                        or (llm is not None and llm.model is None and llm == no_llm)
                        # an agent, retrieval or file part with its first field unset may be empty
                        or ((agent := rec.agent) is not None and agent.name is None)
                        or ((rag := rec.rag) is not None and rag.query is None)
                        or ((file := rec.file) is not None and file.path is None)):
                    append(u := _typed_span(rec, attrs))
                    mark(u)
                    continue
                start = rec.start_ns
                if cls is SpanRecord:
                    end = rec.end_ns
                    if end < start and start:
                        append(_typed_span(rec, attrs))  # raises: says why
                        continue  # (never reached)
                    if st is None:
                        span_status = _OK
                    latest = end
                else:
                    end = None
                    if st is None:
                        span_status = _RUNNING
                    latest = start
                usage = rec.usage
                if usage is not None and not usage.total:
                    usage.total = usage.input + usage.output
                # (span_status is never None here: the test above sent that record to _typed_span.)
                # By position, in Span's order (its docstring: some 800 instructions a span fewer
                # than by keyword): ids and name, start, parent, kind, end, status, its message
                # and code, llm, tool, agent, rag, file, usage, cost, events and links.
                append(span := Span(rec.span_id, rec.trace_id, rec.session_id or "", rec.name, start,
                                    rec.parent_span_id or None, kind, end, span_status, None, None,  # type: ignore[arg-type]
                                    llm, tool, agent, rag, file, usage, (cost := rec.cost), (), (), attrs))
            elif cls is tuple:
                # A span_start held for its plain span_end, and that end (ingest/hold.py): one span (before a
                # span_end: most ends of a stream's live spans come so), what the store makes of the two
                # normalised and stored one after the other (``store.merge.merge_same``), built with one Span
                # call, here rather than in a function of its own (its call cost 0.5 % of a live span's
                # instructions through the whole pipeline: bench_live_ir.py). The end is a plain one, as
                # ``StartHold.pair`` pairs it: no name, kind, attributes, events, links, cost, ids or start of
                # its own, its status given exactly, its tool (if any) a typed part, its end time from its
                # start's to the latest the door takes, and usage in at most one of the two. The end's set
                # fields win; its typed parts are written onto the start's (``part_fill``: the start's parts are
                # its own, decoded with it, held by no one else).
                first, last = rec[0], rec[1]
                st = last.status
                status = (_ERROR if last.status_code else _OK) if st is None else _STATUS[st]
                attrs, k, ss = first.attributes, first.kind, first.status
                # (In threes at most: a longer assignment of this kind builds and unpacks a tuple.)
                llm, tool, agent = first.llm, first.tool, first.agent
                rag, file = first.rag, first.file
                # The common start (tested as a span record is above; its own status is tested only
                # for being one, the end's stands) is built here; any other is normalised as it would
                # be alone, the end set on it.
                if ((attrs and not keys.isdisjoint(attrs)) or first.status_message is not None
                        or first.status_code is not None or first.events or first.links
                        or (tool is not None and (tool.__class__ is not tool_info or not tool.name))
                        or not k or (kind := kinds_get(k)) is None or (ss is not None and ss not in _STATUS)
                        or (llm is not None and llm.model is None and llm == no_llm)
                        or (agent is not None and agent.name is None) or (rag is not None and rag.query is None)
                        or (file is not None and file.path is None)):
                    append(u := _end_into(span_from_record(first), last, status))
                    mark(u)
                    continue
                # Each part: the end's set fields onto the start's, or the end's when the start has none
                # (and it is not empty: an empty part is no part).
                if (p := last.llm) is not None:
                    if llm is not None:
                        llm_fill(llm, p)
                    elif not (p.provider is None and p == no_llm):
                        llm = p
                if (p := last.tool) is not None:
                    if tool is not None:
                        tool_fill(tool, p)  # (a typed part: StartHold.pair's test)
                    elif not (p.name is None and p == _NO_TOOL):
                        tool = p
                if (p := last.agent) is not None:
                    if agent is not None:
                        agent_fill(agent, p)
                    elif not (p.name is None and p == _NO_AGENT):
                        agent = p
                if (p := last.rag) is not None:
                    if rag is not None:
                        rag_fill(rag, p)
                    elif not (p.query is None and p == _NO_RAG):
                        rag = p
                if (p := last.file) is not None:
                    if file is not None:
                        file_fill(file, p)
                    elif not (p.path is None and p == _NO_FILE):
                        file = p
                usage = first.usage if last.usage is None else last.usage
                if usage is not None and (t := usage.total) < (n := usage.input + usage.output):
                    # (as the store merges usage: never less than the two)
                    if t:
                        # A copy: the record's own stays as sent for the door, should it check the two
                        # apart (ingest/pipeline.py, ``_Apart``).
                        usage = msgspec.structs.replace(usage, total=n)
                    else:
                        # No total sent: set on the record's own, as normalising that record alone
                        # sets it too (so checked apart it is the same), without a copy (a live LLM
                        # span's usage, most often: 600 instructions a live span, bench_live_ir.py).
                        usage.total = n
                # (By position, as above. An empty message or code sets nothing, as the store merges it.)
                append(span := Span(first.span_id, first.trace_id, first.session_id or "", first.name, first.start_ns,
                                    first.parent_span_id or None, kind, (latest := last.end_ns), status,
                                    last.status_message or None, last.status_code or None, llm, tool, agent, rag, file,
                                    usage, (cost := first.cost), (), (), attrs))
            elif cls is SpanEndRecord:
                # The second half of a live span: bare (ids, times, status) -> the short path.
                attrs = rec.attributes
                if attrs and not keys.isdisjoint(attrs):
                    append(u := _general_span(rec))
                elif rec.name or rec.kind or rec.cost is not None or rec.events or rec.links:
                    # What span_from_record gives it: the fast path, as for span records.
                    append(u := _typed_span(rec, attrs))
                elif ((llm := rec.llm) is not None or (tool := rec.tool) is not None or rec.agent is not None
                        or rec.rag is not None or rec.file is not None or rec.usage is not None or attrs):
                    # An end with what changed in its typed parts and usage, no name or kind (our
                    # SDK's over a stream): what _typed_span gives it, with one Span call. An empty
                    # part, a tool by name alone, an inexact status or an end before its start: there.
                    tool, agent, rag, file = rec.tool, rec.agent, rec.rag, rec.file
                    st, start = rec.status, rec.start_ns
                    if ((llm is not None and llm.provider is None and llm == no_llm)
                            or (tool is not None and (tool.__class__ is not tool_info or tool.name is None))
                            or (agent is not None and agent.name is None) or (rag is not None and rag.query is None)
                            or (file is not None and file.path is None)
                            or (st is not None and (span_status := status_get(st)) is None)
                            or (start and rec.end_ns < start)):
                        append(u := _typed_span(rec, attrs))
                        mark(u)
                        continue
                    if st is None:
                        span_status = _ERROR if rec.status_code else _OK
                    usage = rec.usage
                    if usage is not None and not usage.total:
                        usage.total = usage.input + usage.output
                    # (By position, as for a span record. An empty message or code sets nothing, as the
                    # store merges it.)
                    append(u := Span(rec.span_id, rec.trace_id, rec.session_id or "", "", start or 0,
                                     rec.parent_span_id or None, _CUSTOM, rec.end_ns, span_status,  # type: ignore[arg-type]
                                     rec.status_message or None, rec.status_code or None, llm, tool, agent, rag, file,
                                     usage, None, (), (), attrs))
                elif rec.session_id or rec.parent_span_id or rec.start_ns:
                    append(u := _end_span(rec))
                else:
                    # Only how its span ended: a SpanEnd (status: the exact value first, as most ends send it)
                    st = rec.status
                    if st is None:
                        status = _ERROR if rec.status_code else _OK
                    elif (status := _STATUS.get(st)) is None:  # type: ignore[assignment]
                        status = _end_status(rec)
                    append(u := SpanEnd(rec.trace_id, rec.span_id, rec.end_ns, status, rec.status_message or None,
                                        rec.status_code or None))
                mark(u)
                continue
            elif isinstance(rec, (SpanRecord, SpanStartRecord, SpanEndRecord)):
                append(u := span_from_record(rec))
                mark(u)
                continue
            elif isinstance(rec, SessionRecord):
                append(u :=
                    Session(
                        id=rec.session_id,
                        name=rec.name,
                        service=rec.service,
                        framework=rec.framework,
                        framework_version=rec.framework_version,
                        hostname=rec.hostname,
                        tags=tuple(rec.tags),
                        started_ns=rec.started_ns,
                        ended_ns=rec.ended_ns,
                        attributes=rec.attributes,
                    )
                )
                mark(u)
                continue
            elif isinstance(rec, EventRecord):
                append(u :=
                    AttachedEvent(
                        trace_id=rec.trace_id,
                        span_id=rec.span_id,
                        event=SpanEvent(name=rec.name, time_ns=rec.time_ns, attributes=rec.attributes),
                    )
                )
                mark(u)
                continue
            elif isinstance(rec, MetricRecord):
                metric_kind: Literal["gauge", "counter"] = "counter" if rec.metric_kind == "counter" else "gauge"
                append(u :=
                    Metric(
                        name=rec.name,
                        value=rec.value,
                        labels=rec.labels,
                        time_ns=rec.time_ns or time.time_ns(),
                        kind=metric_kind,
                        session_id=rec.session_id or None,
                    )
                )
                mark(u)
                continue
            else:
                continue  # (a record of no kind known: nothing)
            # The door's common case (``check``'s inline test) for the span just built from a span record
            # or a held start and its plain end, with the values at hand: the door's own pass over the
            # batch loads each of them from the span again, after a dispatch on its class (1,600
            # instructions a span more through the stream path: bench_stream_ir.py). Any other record
            # was marked above, and went on to the next. Times are ints >= 0 as decoded (``Ns``), the latest no earlier than
            # a start that is not 0 (a span record's: tested above; a held start's plain end: from its
            # start's time on, ``StartHold.pair``), so the latest within the limit is both within it; the
            # usage and the parts' numbers are ints and floats as decoded or filled from decoded ones (a
            # float's ``x - x`` is 0.0 only if it is finite); no events or links (tested above). (The
            # tokens compared one by one: with the ints as decoded, some 40 instructions a span fewer
            # than the OR of the six that ``check`` takes, which must raise on a value of another type.)
            if door:
                if not (latest <= limit
                        and (usage is None or (0 <= usage.input <= max_tokens and 0 <= usage.output <= max_tokens
                                               and 0 <= usage.total <= max_tokens and 0 <= usage.cache_read <= max_tokens
                                               and 0 <= usage.cache_write <= max_tokens
                                               and 0 <= usage.reasoning <= max_tokens))
                        and (cost is None or _cost_ok(cost))
                        # (``_parts_ok`` spelled out with the parts at hand: its call and its loads of
                        # the span's four parts cost some 300 instructions a span with any of them)
                        and (llm is None or (((n := llm.max_tokens) is None or 0 <= n <= i64)
                                             and ((x := llm.temperature) is None or x - x == 0.0)))
                        and (agent is None or (n := agent.iteration) is None or 0 <= n <= i64)
                        and (rag is None or (((n := rag.sources_found) is None or 0 <= n <= i64)
                                             and ((x := rag.top_score) is None or x - x == 0.0)))
                        and (file is None or (n := file.bytes) is None or 0 <= n <= i64)):
                    mark(span)
                elif attrs:
                    for v in attrs.values():
                        vc = type(v)  # (for a str or a number cheaper than v.__class__: ``check``)
                        if not (vc is str or (vc is int and i64_min <= v <= i64) or vc is float or vc is bool):
                            mark(span)  # a nested or big value: the door decides
                            break
        except NormalizeError as exc:
            bad.append(Reject("invalid_field", str(exc)))
        except (TypeError, ValueError) as exc:
            bad.append(Reject("invalid_field", f"{type(rec).__name__}: {exc}"))
    return out, bad, unchecked if door else None
