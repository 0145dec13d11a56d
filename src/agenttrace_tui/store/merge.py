"""Merge rules: how a repeated or partial report of a span or session combines with what is stored.

A ``span_end`` or a second export of the same span id merges field by field:
the newer report's set fields win, typed parts (llm, tool, usage, ...) merge
field-wise, so a model named at start and usage reported at the end meet.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ..model import AgentInfo, FileInfo, LlmInfo, RagInfo, Session, Span, SpanEvent, SpanKind, ToolInfo
from ..normalize import conventions as cv
from ..normalize.part_fill import agent_fill, file_fill, llm_fill, rag_fill, tool_fill

_SPAN_FIELDS = [(f.name, f.default) for f in msgspec.structs.fields(Span)]
_PARTS = frozenset({"llm", "tool", "agent", "rag", "file", "usage", "cost"})
# (name, default) per part type. Cached: msgspec.structs.fields() re-evaluates the
# string annotations on every call (~0.4 ms), which made every merge cost ~1 ms.
_PART_FIELDS: dict[type, tuple[tuple[str, Any], ...]] = {}
astuple = msgspec.structs.astuple


def llm_covers(o: LlmInfo, n: LlmInfo) -> bool:
    """Whether ``n`` sets every field ``o`` sets (the merge of the two is ``n``)."""
    return ((n.provider is not None or o.provider is None) and (n.model is not None or o.model is None)
            and (n.temperature is not None or o.temperature is None)
            and (n.max_tokens is not None or o.max_tokens is None)
            and (n.stop_reason is not None or o.stop_reason is None) and (n.cached is not None or o.cached is None)
            and (n.prompt_preview is not None or o.prompt_preview is None)
            and (n.response_preview is not None or o.response_preview is None))


def tool_covers(o: ToolInfo, n: ToolInfo) -> bool:
    """``llm_covers`` of a tool part."""
    return ((n.name is not None or o.name is None) and (n.action is not None or o.action is None)
            and (n.target is not None or o.target is None) and (n.status is not None or o.status is None)
            and (n.call_id is not None or o.call_id is None)
            and (n.input_preview is not None or o.input_preview is None)
            and (n.output_preview is not None or o.output_preview is None)
            and (n.server is not None or o.server is None))


def agent_covers(o: AgentInfo, n: AgentInfo) -> bool:
    """``llm_covers`` of an agent part."""
    return ((n.name is not None or o.name is None) and (n.iteration is not None or o.iteration is None)
            and (n.state is not None or o.state is None) and (n.stop_reason is not None or o.stop_reason is None))


def rag_covers(o: RagInfo, n: RagInfo) -> bool:
    """``llm_covers`` of a retrieval part."""
    return ((n.query is not None or o.query is None) and (n.sources_found is not None or o.sources_found is None)
            and (n.top_score is not None or o.top_score is None))


def file_covers(o: FileInfo, n: FileInfo) -> bool:
    """``llm_covers`` of a file part."""
    return ((n.path is not None or o.path is None) and (n.operation is not None or o.operation is None)
            and (n.bytes is not None or o.bytes is None))


#: The parts whose every field defaults to None, each with its test that a newer part sets every
#: field an older one sets. The tests spell their fields out: a loop over the fields (``zip`` of
#: the two parts' values) cost ~6.7k instructions a part, the test ~1.1k (an end brings a part).
_COVERS: dict[type, Any] = {LlmInfo: llm_covers, ToolInfo: tool_covers, AgentInfo: agent_covers,
                            RagInfo: rag_covers, FileInfo: file_covers}
#: Their fills (``llm_fill``), spelled out for the same reason.
_FILLS: dict[type, Any] = {LlmInfo: llm_fill, ToolInfo: tool_fill, AgentInfo: agent_fill, RagInfo: rag_fill,
                           FileInfo: file_fill}
#: Their field names, in order.
_NONE_FIELDS = {cls: tuple(f.name for f in msgspec.structs.fields(cls)) for cls in _COVERS}
# A new field of one of these parts must be added to its test and its fill too.
assert {
    LlmInfo: ("provider", "model", "temperature", "max_tokens", "stop_reason", "cached", "prompt_preview",
              "response_preview"),
    ToolInfo: ("name", "action", "target", "status", "call_id", "input_preview", "output_preview", "server"),
    AgentInfo: ("name", "iteration", "state", "stop_reason"),
    RagInfo: ("query", "sources_found", "top_score"),
    FileInfo: ("path", "operation", "bytes"),
} == _NONE_FIELDS
assert all(f.default is None for cls in _COVERS for f in msgspec.structs.fields(cls))


def merge_part(old: Any, new: Any) -> Any:
    """Field-wise merge of two typed parts: the newer report's set fields win."""
    if old is None:
        return new
    if new is None:
        return old
    cls = type(new)
    covers = _COVERS.get(cls)
    if covers is not None:
        # Every default None: "set" is "not None" (typed values, never equal to None otherwise).
        if covers(old, new):
            # The newer sets every field the older had (a part repeated with what the
            # end added, as our SDK sends it): the merge is the newer part as it is.
            return new
        # A copy of the older part with the newer's set fields assigned on it (half the
        # cost of collecting every field in a dict for a new one).
        merged = msgspec.structs.replace(old)
        _FILLS[cls](merged, new)
        return merged
    fields = _PART_FIELDS.get(cls)
    if fields is None:
        fields = _PART_FIELDS[cls] = tuple((f.name, f.default) for f in msgspec.structs.fields(cls))
    merged = msgspec.structs.replace(old)
    for (name, default), nv in zip(fields, astuple(new), strict=True):
        if nv != default:
            setattr(merged, name, nv)
    return merged


#: Events one span keeps (memory; later ones are not kept). Also the store's
#: cap for events attached to a span one by one.
MAX_EVENTS_PER_SPAN = 1000


def _new_events(old: tuple, new: tuple) -> tuple:
    """Events of ``new`` not already in ``old`` (equal events are one), in linear time."""
    seen: dict[tuple, list] = {}
    for e in old:
        seen.setdefault((e.name, e.time_ns), []).append(e)
    return tuple(e for e in new if e not in seen.get((e.name, e.time_ns), ()))


_SPECIAL = _PARTS | {"attributes", "events", "kind", "status"}
#: Fields merged by the plain rule: an unset newer value keeps the older one.
_PLAIN = tuple((name, default) for name, default in _SPAN_FIELDS if name not in _SPECIAL)
_PART_NAMES = tuple(name for name, _ in _SPAN_FIELDS if name in _PARTS)




_CUSTOM = SpanKind.CUSTOM
# is_bare spells the parts out (a third of the cost of collecting them in a tuple).
assert _PART_NAMES == ("llm", "tool", "agent", "rag", "file", "usage", "cost")


def is_bare(new: Span) -> bool:
    """A report with no parts, attributes, events or kind: a bare span_end (merged by ``merge_plain``)."""
    return (new.kind is _CUSTOM and new.llm is None and new.tool is None and new.agent is None and new.rag is None
            and new.file is None and new.usage is None and new.cost is None and not new.attributes
            and not new.events)


def merge_span(old: Span, new: Span) -> Span:
    """Combine two reports of one span (span_start + span_end, or a repeat).

    A field the newer report leaves unset (None, "", 0, empty, or the
    default) keeps the older value. A newer report that says "running" never
    reopens a span that has already ended (UDP may deliver the end first).
    """
    if is_bare(new):
        return merge_plain(old, new)
    # Start from the older report (one C call) and overwrite what the newer sets.
    merged = msgspec.structs.asdict(old)
    for name, default in _PLAIN:
        nv = getattr(new, name)
        if not (nv is None or nv == "" or nv == 0 or nv == () or nv is default):
            merged[name] = nv
    nv = new.attributes
    if nv:
        merged["attributes"] = {**old.attributes, **nv}
    ev = new.events
    if ev:
        ov = old.events
        if len(ov) < MAX_EVENTS_PER_SPAN:
            merged["events"] = (ov + _new_events(ov, ev))[:MAX_EVENTS_PER_SPAN]
    for name in _PART_NAMES:
        part = getattr(new, name)
        if part is not None:
            merged[name] = merge_part(merged[name], part)
    if new.kind is not _CUSTOM:
        merged["kind"] = new.kind
    if old.end_ns is None or new.end_ns is not None:
        merged["status"] = new.status
    usage = merged["usage"]
    if usage is not None and usage.total < usage.input + usage.output:
        usage.total = usage.input + usage.output
    return Span(**merged)


#: ``_PLAIN`` without the ids, which a report merged into a stored span shares with it (the store sets them).
_PLAIN_NO_IDS = tuple(name for name, _ in _PLAIN if name not in ("span_id", "trace_id", "session_id"))
# merge_plain spells these out (a loop over them costs more than the rest of
# a span_end's merge); a new plain field of Span must be added there too.
assert _PLAIN_NO_IDS == ("name", "start_ns", "parent_span_id", "end_ns", "status_message", "status_code", "links")
# The plain fields are strings, ints, None or a tuple (links) whose defaults are
# all falsy: "unset" (None, "", 0, (), the default) is exactly "falsy" for them.
assert all(not d for _, d in _PLAIN if d is not msgspec.NODEFAULT)


def copy_with_plain(old: Span, new: Span) -> Span:
    """A copy of the older span with the plain fields the newer report sets assigned on it
    (cheaper than collecting the changes in a dict for ``structs.replace``)."""
    out = msgspec.structs.replace(old)
    if new.name:
        out.name = new.name
    if start := new.start_ns:
        out.start_ns = start
    if parent := new.parent_span_id:
        out.parent_span_id = parent
    if end := new.end_ns:
        out.end_ns = end
    if message := new.status_message:
        out.status_message = message
    if code := new.status_code:
        out.status_code = code
    if links := new.links:
        out.links = links
    return out


def merge_plain(old: Span, new: Span, same_ids: bool = False) -> Span:
    """``merge_span`` for a newer report with no parts, attributes, events or kind (a bare span_end):
    the same rules, as one copy of the older span with the plain fields the newer sets.

    ``same_ids``: the caller knows both name the same span of the same trace
    (the store's upsert), so the ids are not compared (the older's stay).
    """
    changes: dict[str, Any]
    if same_ids:
        # A copy of the older span with what the newer sets assigned on it
        # (cheaper than collecting the changes in a dict for it).
        out = copy_with_plain(old, new)
        if old.end_ns is None or new.end_ns is not None:
            out.status = new.status
        usage = old.usage
        if usage is not None and usage.total < usage.input + usage.output:
            usage.total = usage.input + usage.output
        return out
    else:
        changes = {}
        for name, default in _PLAIN:
            nv = getattr(new, name)
            if not (nv is None or nv == "" or nv == 0 or nv == () or nv is default):
                changes[name] = nv
    if old.end_ns is None or new.end_ns is not None:
        changes["status"] = new.status
    usage = old.usage
    if usage is not None and usage.total < usage.input + usage.output:
        usage.total = usage.input + usage.output
    return msgspec.structs.replace(old, **changes)


def merge_same(old: Span, new: Span) -> Span:
    """``merge_span`` for a newer report of the same span of the same trace (the store's upsert,
    which set the ids): the same rules and the same result, as one copy of the older span
    with what the newer report sets assigned on it.

    A report that repeats what is stored (the SDK's span_end repeats every field
    of its span_start) costs an equality test per part instead of a field-wise
    merge: a part equal to the stored one is taken as it is (the merge would give
    its values: a typed part's fields are typed, so equal values are the same
    values), events equal to the stored ones leave them as they are.
    """
    out = copy_with_plain(old, new)
    if new.kind is not _CUSTOM:
        out.kind = new.kind
    if old.end_ns is None or new.end_ns is not None:
        out.status = new.status
    if attrs := new.attributes:
        # Always merged, equal or not: 1, 1.0 and True are equal values that show differently.
        out.attributes = {**old.attributes, **attrs}
    ev = new.events
    if ev:
        ov = old.events
        if ev != ov and len(ov) < MAX_EVENTS_PER_SPAN:
            out.events = (ov + _new_events(ov, ev))[:MAX_EVENTS_PER_SPAN]
    # The parts spelled out, as in is_bare (a loop with getattr/setattr costs more).
    p: Any
    o: Any
    if (p := new.llm) is not None:
        o = old.llm
        out.llm = p if o is None or p == o else merge_part(o, p)
    if (p := new.tool) is not None:
        o = old.tool
        out.tool = p if o is None or p == o else merge_part(o, p)
    if (p := new.agent) is not None:
        o = old.agent
        out.agent = p if o is None or p == o else merge_part(o, p)
    if (p := new.rag) is not None:
        o = old.rag
        out.rag = p if o is None or p == o else merge_part(o, p)
    if (p := new.file) is not None:
        o = old.file
        out.file = p if o is None or p == o else merge_part(o, p)
    if (p := new.usage) is not None:
        o = old.usage
        out.usage = p if o is None or p == o else merge_part(o, p)
    if (p := new.cost) is not None:
        o = old.cost
        out.cost = p if o is None or p == o else merge_part(o, p)
    usage = out.usage
    if usage is not None and usage.total < usage.input + usage.output:
        usage.total = usage.input + usage.output
    return out


#: Events whose text ``fill_previews`` reads: per-message events, the message-detail event, and a tool
#: call's record (its arguments).
PREVIEW_EVENTS = frozenset(cv.MESSAGE_EVENTS) | frozenset(cv.MESSAGE_DETAIL_EVENTS) | frozenset(cv.TOOL_CALL_EVENTS)


def _event_texts(ev: SpanEvent) -> list[tuple[str, str | None]]:
    """(side, text) of a message event: one message (Semantic Kernel's log records), or a
    call's whole exchange (``gen_ai.client.inference.operation.details``: Google ADK's)."""
    if ev.name in cv.MESSAGE_DETAIL_EVENTS:
        prompt, response, _keys = cv.extract_messages(ev.attributes)
        return [("prompt", prompt), ("response", response)]
    got = cv.message_record_text(ev.name, ev.attributes) if ev.name in cv.MESSAGE_EVENTS else None
    return [got] if got is not None else []


def attach_events(span: Span, events: tuple[SpanEvent, ...] | list[SpanEvent]) -> None:
    """Add events that came apart from ``span`` (log records naming it: attached to it as they
    come, or held until it came) to it, in place, with the previews its message events give."""
    span.events = span.events + tuple(events)
    if any(ev.name in PREVIEW_EVENTS for ev in events):
        fill_previews(span, events)


def fill_previews(span: Span, events: tuple[SpanEvent, ...] | list[SpanEvent]) -> None:
    """Previews of a model call from GenAI message events logged in its span (log records,
    attached to it one by one or held until it came): they fill a side the span's own messages
    left empty, and extend a side earlier records filled (``PREVIEWS_FROM_RECORDS``). A tool call's
    arguments from its client's record of the call logged in its span (``fill_tool_arguments``)."""
    if span.kind is SpanKind.TOOL_EXECUTION:
        fill_tool_arguments(span, events)
        return
    if span.kind is not SpanKind.LLM_CALL:
        return
    llm = span.llm or LlmInfo()
    filled = span.attributes.get(cv.PREVIEWS_FROM_RECORDS, "")
    sides = set(filled.split(",")) if isinstance(filled, str) and filled else set()
    prompt, response = llm.prompt_preview, llm.response_preview
    for side, text in (got for ev in events for got in _event_texts(ev)):
        if not text:
            continue
        if side == "prompt" and (prompt is None or "prompt" in sides):
            prompt = cv.cut_tail(f"{prompt}\n{text}" if prompt else text)
            sides.add("prompt")
        elif side == "response" and (response is None or "response" in sides):
            response = cv.cut_head(f"{response}\n{text}" if response else text)
            sides.add("response")
    if prompt is llm.prompt_preview and response is llm.response_preview:
        return
    # New part and attributes, not changed in place: a report's parts may be shared with the taps.
    span.llm = msgspec.structs.replace(llm, prompt_preview=prompt, response_preview=response)
    span.attributes = {**span.attributes, cv.PREVIEWS_FROM_RECORDS: ",".join(sorted(sides))}


def fill_tool_arguments(span: Span, events: tuple[SpanEvent, ...] | list[SpanEvent]) -> None:
    """A tool call's arguments from its client's record of the call logged in its span
    (``cv.TOOL_CALL_EVENTS``: Qwen Code's ``tool_call`` event, their only report), when the span
    sent none and the record is of its call (the same call id, where both name one)."""
    tool = span.tool or ToolInfo()
    if tool.input_preview is not None:
        return
    for ev in events:
        got = cv.tool_call_record(ev.name, ev.attributes)
        if got is None or (got[0] is not None and tool.call_id is not None and got[0] != tool.call_id):
            continue
        # A new part, not changed in place: a report's parts may be shared with the taps.
        span.tool = msgspec.structs.replace(tool, input_preview=got[1], call_id=tool.call_id or got[0])
        return


def merge_session(cur: Session, new: Session) -> Session:
    """Combine two reports of one session: the newer one's set fields win,
    except the start, which the first report knows best, and a framework an
    instrumentation family names (a batch of only OpenInference's OpenAI spans
    of a CrewAI agent), which never replaces the agent framework a report named,
    nor does a framework the named one is built on (``FRAMEWORK_BUILT_ON``: LangChain under LangGraph)."""
    framework = new.framework or cur.framework
    if cur.framework and (new.framework in cv.INSTRUMENTATION_FAMILIES or cv.built_on(cur.framework, new.framework)):
        framework = cur.framework
    return Session(
        id=new.id,
        name=new.name or cur.name,
        service=new.service or cur.service,
        service_version=new.service_version or cur.service_version,
        framework=framework,
        framework_version=new.framework_version or cur.framework_version,
        hostname=new.hostname or cur.hostname,
        tags=new.tags or cur.tags,
        started_ns=cur.started_ns or new.started_ns,
        ended_ns=new.ended_ns or cur.ended_ns,
        attributes={**cur.attributes, **new.attributes},
    )


