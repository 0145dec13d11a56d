"""OTLP request bodies (protobuf or OTLP JSON) -> model updates.

Both encodings are read into the same plain shapes (ids as lower-case hex,
attributes as dicts) and then mapped by one function per signal, so the
convention mapping (``conventions``) is written once. Conversion yields
updates in chunks, so the server can hand them to the store and let the
event loop breathe between chunks of a large request.

Bad items (a span with a missing or invalid id, a data point without a value)
are rejected one by one and counted by reason; they never fail the request,
they become the response's ``partial_success``. Only a body that cannot be
parsed at all is an error (the server answers 400).
"""

from __future__ import annotations

import base64
import binascii
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
from google.protobuf.message import DecodeError as _PbDecodeError
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from ..model import (
    AgentInfo,
    FileInfo,
    LlmInfo,
    RagInfo,
    Session,
    Span,
    SpanEvent,
    SpanKind,
    SpanLink,
    Status,
    ToolInfo,
    Update,
)
from ..normalize import conventions as cv

SIGNALS = ("traces", "logs", "metrics")
#: Spans (or log records, data points) converted before the store sees a chunk.
CHUNK = 256
#: Free string attributes longer than this are cut (memory per span).
MAX_ATTR_CHARS = 4096

_PARTS = {"llm": LlmInfo, "tool": ToolInfo, "agent": AgentInfo, "rag": RagInfo, "file": FileInfo}
_HEX = frozenset("0123456789abcdef")


class BodyError(ValueError):
    """The body cannot be parsed as the request it should be (HTTP 400)."""


class Rejects:
    """Items rejected while converting one request: counts by reason."""

    __slots__ = ("by_reason", "first", "total")

    def __init__(self) -> None:
        self.by_reason: Counter[str] = Counter()
        self.first: dict[str, str] = {}
        self.total = 0

    def add(self, reason: str, detail: str, n: int = 1) -> None:
        self.by_reason[reason] += n
        self.first.setdefault(reason, detail)
        self.total += n

    def message(self) -> str:
        return "; ".join(f"{n} {r} ({self.first[r]})" for r, n in self.by_reason.most_common())[:1000]


# -- parsing -------------------------------------------------------------------

_PB_REQUEST: dict[str, Any] = {
    "traces": trace_service_pb2.ExportTraceServiceRequest,
    "logs": logs_service_pb2.ExportLogsServiceRequest,
    "metrics": metrics_service_pb2.ExportMetricsServiceRequest,
}
_JSON_ROOT = {"traces": "resourceSpans", "logs": "resourceLogs", "metrics": "resourceMetrics"}
_json_decoder = msgspec.json.Decoder()


def parse(signal: str, body: bytes, json: bool) -> Any:
    """Parse a request body; raise BodyError when it is not one."""
    if json:
        try:
            doc = _json_decoder.decode(body)
        except (msgspec.DecodeError, ValueError, RecursionError) as exc:
            raise BodyError(f"invalid JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise BodyError("OTLP JSON must be an object")
        root = _JSON_ROOT[signal]
        items = doc.get(root, doc.get(_snake(root), []))
        if not isinstance(items, list):
            raise BodyError(f"`{root}` must be a list")
        return items
    try:
        return _PB_REQUEST[signal].FromString(body)
    except (_PbDecodeError, RuntimeError, ValueError, RecursionError) as exc:
        raise BodyError(f"invalid protobuf: {exc or 'truncated or malformed message'}") from None


#: Items (spans, log records, metric data points) one request may hold. A
#: request is counted on the wire before anything is materialised: an empty
#: protobuf span costs 2 bytes on the wire and ~170 bytes as an object.
MAX_ITEMS = 20_000
#: JSON objects ("{") one OTLP JSON body may hold, for the same reason.
MAX_JSON_OBJECTS = 1_000_000
# Field paths to the counted items: request -> resource_* (1) -> scope_* (2) -> item (2);
# metrics go on to the data points (1) of gauge/sum/histogram/exp. histogram/summary.
_ITEM_PATHS: dict[str, tuple[frozenset[int], ...]] = {
    "traces": (frozenset({1}), frozenset({2}), frozenset({2})),
    "logs": (frozenset({1}), frozenset({2}), frozenset({2})),
    "metrics": (frozenset({1}), frozenset({2}), frozenset({2}), frozenset({5, 7, 9, 10, 11}), frozenset({1})),
}


class TooManyItems(ValueError):
    """The request holds more items than one request may (HTTP 413)."""


def _pb_count(buf: memoryview, start: int, stop: int, path: tuple[frozenset[int], ...], left: int) -> int:
    """Count the messages at ``path`` inside buf[start:stop], giving up past ``left``.

    Walks the protobuf wire format without building anything; a malformed
    body is left for the real parser to reject (the count stops there).
    """
    count = 0
    i = start
    want = path[0]
    last = len(path) == 1
    while i < stop:
        key = 0
        shift = 0
        while True:  # varint key
            if i >= stop:
                return count
            b = buf[i]
            i += 1
            key |= (b & 0x7F) << shift
            if b < 0x80:
                break
            shift += 7
            if shift > 63:
                return count
        wt = key & 7
        if wt == 0:
            while i < stop and buf[i] >= 0x80:
                i += 1
            i += 1
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        elif wt == 2:
            n = 0
            shift = 0
            while True:
                if i >= stop:
                    return count
                b = buf[i]
                i += 1
                n |= (b & 0x7F) << shift
                if b < 0x80:
                    break
                shift += 7
                if shift > 63:
                    return count
            end = i + n
            if end > stop:
                return count
            if (key >> 3) in want:
                if last:
                    count += 1
                else:
                    count += _pb_count(buf, i, end, path[1:], left - count)
                if count > left:
                    return count
            i = end
        else:
            return count  # groups (deprecated) or garbage: the parser decides
    return count


def check_size(signal: str, body: bytes, json: bool, max_items: int = MAX_ITEMS) -> None:
    """Raise TooManyItems when a body holds more items than one request may.

    Cheap and allocation-free: run before ``parse`` so a small body of many
    tiny items is refused before it becomes millions of objects.
    """
    if json:
        objects = body.count(b"{")
        if objects > MAX_JSON_OBJECTS:
            raise TooManyItems(f"OTLP JSON body holds over {MAX_JSON_OBJECTS} objects")
        return
    n = _pb_count(memoryview(body), 0, len(body), _ITEM_PATHS[signal], max_items)
    if n > max_items:
        noun = {"traces": "spans", "logs": "log records", "metrics": "data points"}[signal]
        raise TooManyItems(f"request holds more than {max_items} {noun}; send smaller batches")


def _snake(camel: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in camel)


# -- values ----------------------------------------------------------------------


def pb_value(v: Any) -> Any:
    w = v.WhichOneof("value")
    if w == "string_value":
        return v.string_value
    if w == "int_value":
        return v.int_value
    if w == "double_value":
        return v.double_value
    if w == "bool_value":
        return v.bool_value
    if w == "array_value":
        return [pb_value(x) for x in v.array_value.values]
    if w == "kvlist_value":
        return {kv.key: pb_value(kv.value) for kv in v.kvlist_value.values}
    if w == "bytes_value":
        return v.bytes_value.hex()
    return None


def pb_attrs(kvs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in kvs:
        v = kv.value
        s = v.string_value
        if s:  # most values are non-empty strings: one C call instead of two
            out[kv.key] = s
            continue
        w = v.WhichOneof("value")
        out[kv.key] = v.int_value if w == "int_value" else pb_value(v)
    return out


def _jget(d: dict[str, Any], camel: str, snake: str | None = None) -> Any:
    v = d.get(camel)
    if v is None and snake is not None:
        v = d.get(snake)
    return v


def jint(v: Any) -> int:
    """A 64-bit integer from OTLP JSON (a decimal string, or a JSON number)."""
    if isinstance(v, bool):
        raise ValueError("bool is not an integer")
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        return int(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    raise ValueError(f"not an integer: {v!r}")


def json_value(v: Any) -> Any:
    if not isinstance(v, dict):
        return v
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        try:
            return jint(v["intValue"])
        except ValueError:
            return v["intValue"]
    if "doubleValue" in v:
        d = v["doubleValue"]
        if isinstance(d, str):
            try:
                return float(d)
            except ValueError:
                return d
        return d
    if "boolValue" in v:
        return bool(v["boolValue"])
    if "arrayValue" in v:
        vals = (v["arrayValue"] or {}).get("values") or []
        return [json_value(x) for x in vals] if isinstance(vals, list) else []
    if "kvlistValue" in v:
        return json_attrs((v["kvlistValue"] or {}).get("values") or [])
    if "bytesValue" in v:
        try:
            return base64.b64decode(v["bytesValue"]).hex()
        except (binascii.Error, TypeError, ValueError):
            return v["bytesValue"]
    for snake, camel in (("string_value", "stringValue"), ("int_value", "intValue"), ("double_value", "doubleValue"),
                         ("bool_value", "boolValue"), ("array_value", "arrayValue"), ("kvlist_value", "kvlistValue")):
        if snake in v:
            return json_value({camel: v[snake]})
    return None


def json_attrs(kvs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not isinstance(kvs, list):
        return out
    for kv in kvs:
        if isinstance(kv, dict):
            key = kv.get("key")
            if isinstance(key, str):
                out[key] = json_value(kv.get("value"))
    return out


def hex_id(raw: Any, nbytes: int) -> str | None:
    """A valid id as lower-case hex; None when absent; ValueError when invalid.

    Protobuf ids are bytes; OTLP JSON ids are hex strings (some senders use
    base64, the protobuf JSON default, which is accepted too).
    """
    if isinstance(raw, (bytes, bytearray)):
        if not raw:
            return None
        if len(raw) != nbytes:
            raise ValueError(f"id of {len(raw)} bytes, expected {nbytes}")
        if not any(raw):
            raise ValueError("all-zero id")
        return raw.hex()
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise ValueError("id must be a hex string")
    s = raw.lower()
    if len(s) != 2 * nbytes or not _HEX.issuperset(s):
        try:
            b = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            b = b""
        if len(b) != nbytes:
            raise ValueError(f"invalid id {raw[:40]!r}: expected {2 * nbytes} hex digits")
        s = b.hex()
    if s.count("0") == len(s):
        raise ValueError("all-zero id")
    return s


def _cut(value: Any, limit: int = MAX_ATTR_CHARS) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


# -- resources and sessions --------------------------------------------------------


class ResourceInfo:
    """What one resource says about the session its telemetry belongs to."""

    __slots__ = ("attrs", "explicit_sid", "derived_sid", "service", "framework", "version", "hostname")

    def __init__(self, attrs: dict[str, Any], scope_name: str | None) -> None:
        self.attrs = attrs
        self.explicit_sid = _session_attr(attrs)
        service = attrs.get("service.name")
        self.service = str(service) if service is not None else None
        instance = next((attrs[k] for k in cv.INSTANCE_KEYS if attrs.get(k) not in (None, "")), None)
        base = self.service or "unknown_service"
        self.derived_sid = f"{base}/{instance}" if instance is not None else base
        self.framework = cv.framework_hint(scope_name, attrs)
        v = attrs.get("service.version")
        self.version = str(v) if v is not None else None
        h = attrs.get("host.name")
        self.hostname = str(h) if h is not None else None

    def session(self, sid: str) -> Session:
        keep = {k: _cut(v, 256) for k, v in self.attrs.items() if isinstance(v, (str, int, float, bool))}
        return Session(
            id=sid,
            service=self.service,
            framework=self.framework,
            framework_version=self.version,
            hostname=self.hostname,
            attributes=keep,
        )


def _session_attr(attrs: dict[str, Any]) -> str | None:
    for key in cv.SESSION_KEYS:
        v = attrs.get(key)
        if v not in (None, ""):
            return v if isinstance(v, str) else str(v)
    return None


# -- spans -----------------------------------------------------------------------

_ERROR_WORDS = (("timeout", Status.TIMEOUT), ("timedout", Status.TIMEOUT), ("cancel", Status.CANCELLED))


def _error_status(code: str | None) -> Status:
    low = (code or "").lower()
    for word, status in _ERROR_WORDS:
        if word in low:
            return status
    return Status.ERROR


def build_span(
    trace_id: str,
    span_id: str,
    parent: str | None,
    name: str,
    start: int,
    end: int,
    attrs: dict[str, Any],
    raw_events: list[tuple[str, int, dict[str, Any]]],
    links: tuple[SpanLink, ...],
    status_code: int,
    status_message: str,
    session_id: str,
    client: str | None = None,
) -> Span:
    """One OTel span -> model span, applying every convention table.

    ``client`` is the framework its resource/scope names (``cv.framework_hint``):
    a known client's own names decide the kind before any guess.
    """
    shown = attrs.get(cv.RENDERED_NAME_KEY)
    if isinstance(shown, str) and shown and "{" in name:
        name = shown  # logfire names spans by template; the rendered message is the name
    plan = cv.plan_for(attrs)
    kind, internal = cv.client_kind(client, name, attrs) if client is not None else (None, False)
    if kind is None and plan.kind:
        kind = cv.kind_from_attributes(attrs)[0]
    prompt, response, used_msgs = cv.extract_messages(attrs) if plan.messages else (None, None, [])
    fields, used = cv.parts_from_plan(plan, attrs)
    for k in used_msgs:
        used.add(k)
    llm = fields.get("llm")
    if llm is not None:
        # Previews are placed by kind below; they must not make a span an LLM call.
        p = llm.pop("prompt_preview", None)
        r = llm.pop("response_preview", None)
        prompt = prompt or p
        response = response or r
        if not llm:
            del fields["llm"]
    usage_fields = fields.pop("usage", None)
    usage = cv.finish_usage(usage_fields) if usage_fields else None
    if usage is None and plan.subtree:
        sub, sub_used = cv.extract_subtree_usage(attrs)
        if sub:
            usage = cv.finish_usage(sub, "subtree")
            used.update(sub_used)
    cost = None
    if plan.cost:
        cost, cost_used = cv.extract_cost(attrs)
        used.update(cost_used)

    # Events: exception details, deprecated per-message events.
    events: list[SpanEvent] = []
    exc_type = exc_msg = None
    escaped = False
    for ev_name, ev_time, ev_attrs in raw_events:
        if ev_name == "exception":
            if exc_type is None:
                exc_type = ev_attrs.get("exception.type")
                exc_msg = ev_attrs.get("exception.message")
                escaped = cv._bool(ev_attrs.get("exception.escaped", False))
            st = ev_attrs.get("exception.stacktrace")
            if isinstance(st, str) and len(st) > cv.STACK_CHARS:
                ev_attrs["exception.stacktrace"] = cv.cut_tail(st, cv.STACK_CHARS)
        elif ev_name in cv.MESSAGE_DETAIL_EVENTS and not used_msgs:
            p_text, r_text, _keys = cv.extract_messages(ev_attrs)
            if p_text:
                prompt = f"{prompt}\n{p_text}" if prompt else p_text
            if r_text:
                response = f"{response}\n{r_text}" if response else r_text
        elif ev_name in cv.MESSAGE_EVENTS:
            got = cv.message_event_text(ev_name, ev_attrs)
            if got is not None:
                side, text = got
                if side == "prompt" and not used_msgs:
                    prompt = f"{prompt}\n{text}" if prompt else text
                elif side == "response" and not used_msgs:
                    response = f"{response}\n{text}" if response else text
        for k, v in ev_attrs.items():
            if isinstance(v, str) and len(v) > MAX_ATTR_CHARS and k != "exception.stacktrace":
                ev_attrs[k] = _cut(v)
        events.append(SpanEvent(name=ev_name, time_ns=ev_time, attributes=ev_attrs))

    if kind is None:
        kind = cv.guess_kind(name, {**fields, **({"usage": usage} if usage is not None and usage.scope == "span" else {})})
    if internal:
        attrs[cv.INTERNAL_KEY] = True
    llm_fields = fields.get("llm")
    if llm_fields is not None and kind not in (SpanKind.LLM_CALL, SpanKind.EMBEDDING) and not cv._names_a_call(llm_fields):
        del fields["llm"]  # a provider stamped on every span of a client says nothing about this one
    if client is not None and kind is SpanKind.TOOL_EXECUTION:
        named = fields.setdefault("tool", {})
        for field, keys in (("name", cv.CLIENT_TOOL_NAME_KEYS), ("call_id", cv.CLIENT_TOOL_CALL_KEYS)):
            if field not in named:
                v = next((attrs[k] for k in keys if attrs.get(k) not in (None, "")), None)
                if v is not None:
                    named[field] = str(v)
    parts: dict[str, Any] = {}
    if prompt is not None or response is not None:
        if kind is SpanKind.LLM_CALL or (kind is SpanKind.EMBEDDING and "llm" in fields):
            llm = fields.setdefault("llm", {})
            if prompt is not None:
                llm["prompt_preview"] = cv.cut_tail(prompt)
            if response is not None:
                llm["response_preview"] = cv.cut_head(response)
        elif kind is SpanKind.TOOL_EXECUTION:
            tool = fields.setdefault("tool", {})
            if prompt is not None:
                tool.setdefault("input_preview", prompt)
            if response is not None:
                tool.setdefault("output_preview", response)
        else:
            if kind is SpanKind.RETRIEVAL and prompt is not None:
                fields.setdefault("rag", {}).setdefault("query", cv.cut_head(prompt, 500))
            # Other kinds have no preview slot: keep the text as attributes.
            for key, value in (("input.value", prompt), ("output.value", response)):
                if value is not None:
                    attrs[key] = value
                    used.discard(key)
    tool_fields = fields.get("tool")
    if tool_fields is not None:
        for k in ("input_preview", "output_preview"):
            if k in tool_fields:
                tool_fields[k] = cv.cut_head(tool_fields[k], cv.TOOL_PREVIEW_CHARS)
    for part, values in fields.items():
        cls = _PARTS.get(part)
        if cls is not None:
            parts[part] = cls(**values)

    # Status: the OTel status code, then exception events.
    status = Status.OK
    code: str | None = None
    message: str | None = status_message or None
    err_type = attrs.get("error.type")
    if status_code == 2 or (status_code == 0 and exc_type is not None and escaped):
        code = str(exc_type or err_type or "error")
        status = _error_status(code)
        if message is None and (exc_type or exc_msg):
            message = f"{exc_type}: {exc_msg}" if exc_type and exc_msg else str(exc_type or exc_msg)
    elif status_code == 1:
        message = None

    free = {
        k: v if v.__class__ is not str or len(v) <= MAX_ATTR_CHARS else _cut(v)
        for k, v in attrs.items()
        if k not in used
    }
    if end and end < start:
        raise ValueError(f"end time {end} is before start time {start}")
    if not start and not end:
        # No times at all: not "running since 1970". Taken as a finished,
        # instant span at its arrival, and marked so.
        start = end = time.time_ns()
        free["agenttrace.times_missing"] = True
    return Span(
        span_id=span_id,
        trace_id=trace_id,
        session_id=session_id,
        parent_span_id=parent,
        name=name,
        kind=kind,
        start_ns=start or end,
        end_ns=end or None,
        status=status if end else Status.RUNNING,
        status_message=cut_msg(message),
        status_code=code,
        usage=usage,
        cost=cost,
        events=tuple(events),
        links=links,
        attributes=free,
        **parts,
    )


def cut_msg(message: str | None) -> str | None:
    return cv.cut_head(message, 1000) if message else None


#: Clients that name their session (conversation) on a few spans only: their
#: other spans and records join the session their service named last.
PROCESS_SESSION_CLIENTS = frozenset({"codex"})
MAX_SERVICES = 1024


class ServiceSessions:
    """The session each known client's service named last (bounded).

    Codex puts ``conversation.id`` on a handful of its ~600 spans per turn
    and on its log events; its start-up traces (auth, fs.*) and some records
    carry no identity at all. They belong to the run's conversation, not to a
    per-process session of their own.
    """

    def __init__(self) -> None:
        self._last: OrderedDict[str, str] = OrderedDict()
        #: (trace id, session, provisional session) the receiver hands to
        #: ``Store.claim_trace`` after each chunk: a trace (and the service's
        #: provisional session) filed before its session was named moves there.
        self.claims: list[tuple[str, str, str]] = []
        self._claimed: OrderedDict[tuple[str, str], None] = OrderedDict()

    def claim(self, res: ResourceInfo, trace_id: str, sid: str) -> None:
        if res.framework not in PROCESS_SESSION_CLIENTS or (trace_id, sid) in self._claimed:
            return
        self._claimed[(trace_id, sid)] = None
        if len(self._claimed) > MAX_SERVICES * 16:
            self._claimed.popitem(last=False)
        self.claims.append((trace_id, sid, res.derived_sid))

    def drain(self) -> list[tuple[str, str, str]]:
        out, self.claims = self.claims, []
        return out

    def note(self, res: ResourceInfo, sid: str) -> None:
        if res.framework in PROCESS_SESSION_CLIENTS and res.service:
            self._last[res.service] = sid
            self._last.move_to_end(res.service)
            if len(self._last) > MAX_SERVICES:
                self._last.popitem(last=False)

    def get(self, res: ResourceInfo) -> str | None:
        if res.framework in PROCESS_SESSION_CLIENTS and res.service:
            return self._last.get(res.service)
        return None


class SessionResolver:
    """Which session a span belongs to.

    Order: the span's own session attribute, another span of the same trace
    in this chunk that names one, the resource's, the session the store
    already files the trace under (kept as is), then one session per service
    instance. So a trace whose root alone carries ``session.id`` is not torn
    between sessions when its children arrive in an earlier export.
    """

    def __init__(self, trace_session: Callable[[str], str | None], services: ServiceSessions | None = None) -> None:
        self.trace_session = trace_session
        self.services = services or ServiceSessions()

    def resolve(self, spans: list[Span], explicit: list[bool], res_of: list[ResourceInfo]) -> dict[str, ResourceInfo]:
        by_trace = {s.trace_id: s.session_id for s, e in zip(spans, explicit, strict=True) if e}
        services = self.services
        for s, e, res in zip(spans, explicit, res_of, strict=True):
            if e:
                services.note(res, s.session_id)
                services.claim(res, s.trace_id, s.session_id)
        sessions: dict[str, ResourceInfo] = {}
        for s, e, res in zip(spans, explicit, res_of, strict=True):
            if not e:
                sid = by_trace.get(s.trace_id) or res.explicit_sid
                if sid is None:
                    known = self.trace_session(s.trace_id)
                    if known is not None:
                        s.session_id = known
                        continue
                    sid = services.get(res) or res.derived_sid
                s.session_id = sid
            sessions.setdefault(s.session_id, res)
        return sessions


def _pb_ids(sp: Any) -> tuple[str | None, str | None, str | None]:
    t, s, p = sp.trace_id, sp.span_id, sp.parent_span_id
    # Fast path: well-formed ids (the usual case) need no further checks than these.
    if len(t) == 16 and len(s) == 8 and (not p or len(p) == 8) and any(t) and any(s) and (not p or any(p)):
        return t.hex(), s.hex(), p.hex() if p else None
    return hex_id(t, 16), hex_id(s, 8), hex_id(p, 8)


def _span_from_pb(sp: Any, res: ResourceInfo, rejects: Rejects) -> tuple[Span, bool] | None:
    try:
        tid, sid, parent = _pb_ids(sp)
    except ValueError as exc:
        rejects.add("invalid_id", str(exc))
        return None
    if tid is None or sid is None:
        rejects.add("missing_id", f"span {sp.name[:60]!r} has no {'trace' if tid is None else 'span'} id")
        return None
    attrs = pb_attrs(sp.attributes)
    explicit = _session_attr(attrs)
    pb_events = sp.events
    events = [(e.name, e.time_unix_nano, pb_attrs(e.attributes)) for e in pb_events] if pb_events else []
    links: tuple[SpanLink, ...] = ()
    pb_links = sp.links
    if pb_links:
        ls = []
        for ln in pb_links:
            try:
                lt, li = hex_id(ln.trace_id, 16), hex_id(ln.span_id, 8)
            except ValueError:
                continue
            if lt and li:
                ls.append(SpanLink(trace_id=lt, span_id=li, attributes=pb_attrs(ln.attributes)))
        links = tuple(ls)
    st = sp.status
    try:
        span = build_span(
            tid, sid, parent, sp.name, sp.start_time_unix_nano, sp.end_time_unix_nano, attrs, events, links,
            st.code, st.message, explicit or "", res.framework,
        )
    except (TypeError, ValueError, RecursionError) as exc:
        rejects.add("invalid_span", str(exc)[:200])
        return None
    return span, explicit is not None


def _span_from_json(sp: Any, res: ResourceInfo, rejects: Rejects) -> tuple[Span, bool] | None:
    if not isinstance(sp, dict):
        rejects.add("invalid_span", "span is not an object")
        return None
    try:
        tid = hex_id(_jget(sp, "traceId", "trace_id"), 16)
        sid = hex_id(_jget(sp, "spanId", "span_id"), 8)
        parent = hex_id(_jget(sp, "parentSpanId", "parent_span_id"), 8)
    except ValueError as exc:
        rejects.add("invalid_id", str(exc))
        return None
    name = sp.get("name") or ""
    if not isinstance(name, str):
        name = str(name)
    if tid is None or sid is None:
        rejects.add("missing_id", f"span {name[:60]!r} has no {'trace' if tid is None else 'span'} id")
        return None
    try:
        start = jint(_jget(sp, "startTimeUnixNano", "start_time_unix_nano") or 0)
        end = jint(_jget(sp, "endTimeUnixNano", "end_time_unix_nano") or 0)
        attrs = json_attrs(sp.get("attributes"))
        explicit = _session_attr(attrs)
        events = []
        for e in sp.get("events") or []:
            if isinstance(e, dict):
                events.append((str(e.get("name", "")), jint(_jget(e, "timeUnixNano", "time_unix_nano") or 0),
                               json_attrs(e.get("attributes"))))
        ls = []
        for ln in sp.get("links") or []:
            if not isinstance(ln, dict):
                continue
            try:
                lt = hex_id(_jget(ln, "traceId", "trace_id"), 16)
                li = hex_id(_jget(ln, "spanId", "span_id"), 8)
            except ValueError:
                continue
            if lt and li:
                ls.append(SpanLink(trace_id=lt, span_id=li, attributes=json_attrs(ln.get("attributes"))))
        st = sp.get("status") or {}
        code = st.get("code", 0) if isinstance(st, dict) else 0
        if isinstance(code, str):
            code = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}.get(code, 0) if not code.isdigit() else int(code)
        message = st.get("message", "") if isinstance(st, dict) else ""
        span = build_span(tid, sid, parent, name, start, end, attrs, events, tuple(ls), code,
                          message if isinstance(message, str) else str(message), explicit or "", res.framework)
    except (TypeError, ValueError, AttributeError, RecursionError) as exc:
        rejects.add("invalid_span", str(exc)[:200])
        return None
    return span, explicit is not None


def _iter_resource_items(
    req: Any, json: bool, scope_field: str, item_field: str
) -> Iterator[tuple[ResourceInfo, str | None, Any]]:
    """(resource, scope name, items) per scope, for either encoding."""
    if json:
        for rs in req:
            if not isinstance(rs, dict):
                continue
            res = rs.get("resource") or {}
            rattrs = json_attrs(res.get("attributes")) if isinstance(res, dict) else {}
            scopes = rs.get(scope_field) or rs.get(_snake(scope_field)) or []
            info = None
            for ss in scopes if isinstance(scopes, list) else []:
                if not isinstance(ss, dict):
                    continue
                scope = ss.get("scope") or {}
                sname = scope.get("name") if isinstance(scope, dict) else None
                if info is None:
                    info = ResourceInfo(rattrs, sname if isinstance(sname, str) else None)
                items = ss.get(item_field) or ss.get(_snake(item_field)) or []
                yield info, sname, items if isinstance(items, list) else []
        return
    pb_scope = _snake(scope_field)
    pb_item = _snake(item_field)
    pb_resource = {"scopeSpans": "resource_spans", "scopeLogs": "resource_logs", "scopeMetrics": "resource_metrics"}
    for rs in getattr(req, pb_resource[scope_field]):
        rattrs = pb_attrs(rs.resource.attributes)
        info = None
        for ss in getattr(rs, pb_scope):
            if info is None:
                info = ResourceInfo(rattrs, ss.scope.name or None)
            yield info, ss.scope.name or None, getattr(ss, pb_item)


def convert_traces(
    req: Any, json: bool, rejects: Rejects, trace_session: Callable[[str], str | None], chunk: int = CHUNK,
    services: ServiceSessions | None = None,
) -> Iterator[list[Update]]:
    """Chunks of updates (sessions first, then spans) for a trace request."""
    resolver = SessionResolver(trace_session, services)
    one = _span_from_json if json else _span_from_pb
    spans: list[Span] = []
    explicit: list[bool] = []
    res_of: list[ResourceInfo] = []
    seen_sessions: set[str] = set()

    def flush() -> list[Update]:
        sessions = resolver.resolve(spans, explicit, res_of)
        out: list[Update] = [res.session(sid) for sid, res in sessions.items() if sid not in seen_sessions]
        seen_sessions.update(sessions)
        out.extend(spans)
        spans.clear()
        explicit.clear()
        res_of.clear()
        return out

    for res, _scope, items in _iter_resource_items(req, json, "scopeSpans", "spans"):
        for sp in items:
            got = one(sp, res, rejects)
            if got is None:
                continue
            spans.append(got[0])
            explicit.append(got[1])
            res_of.append(res)
            if len(spans) >= chunk:
                yield flush()
    if spans:
        yield flush()


# -- logs --------------------------------------------------------------------------


class LogView:
    """One log record in plain shapes, for the log mapper."""

    __slots__ = ("time_ns", "severity", "severity_text", "body", "attrs", "trace_id", "span_id", "event_name")

    def __init__(self, time_ns: int, severity: int, severity_text: str, body: Any, attrs: dict[str, Any],
                 trace_id: str | None, span_id: str | None, event_name: str) -> None:
        self.time_ns = time_ns
        self.severity = severity
        self.severity_text = severity_text
        self.body = body
        self.attrs = attrs
        self.trace_id = trace_id
        self.span_id = span_id
        self.event_name = event_name


def _log_from_pb(r: Any) -> LogView:
    tid = hex_id(r.trace_id, 16)
    sid = hex_id(r.span_id, 8)
    body = pb_value(r.body) if r.HasField("body") else None
    return LogView(r.time_unix_nano or r.observed_time_unix_nano, r.severity_number, r.severity_text, body,
                   pb_attrs(r.attributes), tid, sid, r.event_name)


def _log_from_json(r: Any) -> LogView:
    if not isinstance(r, dict):
        raise ValueError("log record is not an object")
    tid = hex_id(_jget(r, "traceId", "trace_id"), 16)
    sid = hex_id(_jget(r, "spanId", "span_id"), 8)
    t = jint(_jget(r, "timeUnixNano", "time_unix_nano") or 0) or jint(
        _jget(r, "observedTimeUnixNano", "observed_time_unix_nano") or 0)
    sev = _jget(r, "severityNumber", "severity_number") or 0
    if isinstance(sev, str):
        sev = int(sev) if sev.isdigit() else 0
    body = json_value(r.get("body")) if r.get("body") is not None else None
    return LogView(t, int(sev), str(_jget(r, "severityText", "severity_text") or ""), body,
                   json_attrs(r.get("attributes")), tid, sid, str(_jget(r, "eventName", "event_name") or ""))


def iter_logs(req: Any, json: bool, rejects: Rejects) -> Iterator[tuple[ResourceInfo, str | None, LogView]]:
    one = _log_from_json if json else _log_from_pb
    for res, scope, records in _iter_resource_items(req, json, "scopeLogs", "logRecords"):
        for r in records:
            try:
                yield res, scope, one(r)
            except (TypeError, ValueError, AttributeError) as exc:
                rejects.add("invalid_log_record", str(exc)[:200])


__all__ = [
    "MAX_ITEMS",
    "TooManyItems",
    "check_size",
    "BodyError",
    "LogView",
    "Rejects",
    "ResourceInfo",
    "ServiceSessions",
    "build_span",
    "convert_traces",
    "hex_id",
    "iter_logs",
    "parse",
]
