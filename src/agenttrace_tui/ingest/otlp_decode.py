"""OTLP trace and log requests -> model updates, in chunks.

Spans are read from the parsed request (protobuf or OTLP JSON) into plain
shapes and end in ``normalize.otel.build_span`` (the convention tables);
conversion yields updates in chunks, so the server can hand them to the
store and let the event loop breathe between chunks of a large request.

Bad items (a span with a missing or invalid id) are rejected one by one and
counted by reason; they never fail the request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from ..model import AttachedEvent, Session, Span, SpanLink, Update
from ..normalize import conventions as cv
from ..normalize.conventions import cached_plan
from ..normalize.otel import (
    MAX_ATTR_CHARS,
    NO_FAST,
    ResourceInfo,
    _session_attr,
    build_span,
    cut_free_strings,
    cut_msg,
    fast_plan,
    gateway_provider,
    mark_tracer,
    name_gateway,
    self_named_provider,
    unname_provider,
)
from .otlp_fastpb import (
    EXTRA,
    LONG_STRINGS,
    MALFORMED,
    STR_HEADS,
    TEMPLATES,
    FastTraceRequest,
    FullTraceRequest,
    has_extra,
    read_status,
    read_untemplated,
    span_attrs,
    span_status,
)
from .otlp_parse import (
    MAX_ITEMS,
    MAX_JSON_OBJECTS,
    SIGNALS,
    BodyError,
    Rejects,
    TooManyItems,
    _snake,
    check_size,
    parse,
)
from .otlp_sessions import PROCESS_SESSION_CLIENTS, ServiceSessions, SessionResolver
from .otlp_values import _jget, hex_id, jint, json_attrs, json_value, pb_attrs, pb_value
from .turn_prompts import TurnPrompts

#: Spans (or log records, data points) converted before the store sees a chunk.
CHUNK = 256

#: One span in plain shapes: (trace id, span id, parent id (raw bytes, b"" when absent), name, start,
#: end, attributes, events as (name, time, attributes), links as (trace id, span id, attributes),
#: status code, status message).
RawSpan = tuple[bytes, bytes, bytes, str, int, int, dict[str, Any], list[tuple[str, int, dict[str, Any]]],
                list[tuple[bytes, bytes, dict[str, Any]]], int, str]


def _span_from_raw(raw: RawSpan, framework: str | None, rejects: Rejects) -> tuple[Span, bool] | None:
    """One span in plain shapes -> (span, names its session)."""
    t, s, p, name, start, end, attrs, raw_events, raw_links, code, message = raw
    tid: str | None
    sid: str | None
    # Fast path: well-formed ids (the usual case) need no further checks than these.
    if len(t) == 16 and len(s) == 8 and (not p or len(p) == 8) and any(t) and any(s) and (not p or any(p)):
        tid, sid, parent = t.hex(), s.hex(), (p.hex() if p else None)
    else:
        try:
            tid, sid, parent = hex_id(t, 16), hex_id(s, 8), hex_id(p, 8)
        except ValueError as exc:
            rejects.add("invalid_id", str(exc))
            return None
    if tid is None or sid is None:
        rejects.add("missing_id", f"span {name[:60]!r} has no {'trace' if tid is None else 'span'} id")
        return None
    plan = cv.plan_for(attrs)
    explicit = _session_attr(attrs, plan.session_keys) if plan.session_keys else None
    links: tuple[SpanLink, ...] = ()
    if raw_links:
        ls = []
        for lt_raw, li_raw, l_attrs in raw_links:
            try:
                lt, li = hex_id(lt_raw, 16), hex_id(li_raw, 8)
            except ValueError:
                continue
            if lt and li:
                ls.append(SpanLink(trace_id=lt, span_id=li, attributes=l_attrs))
        links = tuple(ls)
    try:
        span = build_span(tid, sid, parent, name, start, end, attrs, raw_events, links, code, message,
                          explicit or "", framework, plan)
    except (TypeError, ValueError, RecursionError) as exc:
        rejects.add("invalid_span", str(exc)[:200])
        return None
    return span, explicit is not None


def _raw_from_pb(sp: Any, twin: bool = False, bare: bool = False) -> RawSpan:
    """A parsed protobuf span in plain shapes (``twin``: a span of ``FullTraceRequest``, or with
    ``bare`` one of ``FastTraceRequest`` without events and links)."""
    pb_events = () if bare else sp.events
    pb_links = () if bare else sp.links
    if twin:
        code, message = span_status(sp.status)
    else:
        st = sp.status
        code, message = st.code, st.message
    return (
        sp.trace_id, sp.span_id, sp.parent_span_id, sp.name, sp.start_time_unix_nano, sp.end_time_unix_nano,
        span_attrs(sp.attributes) if twin else pb_attrs(sp.attributes),
        [(e.name, e.time_unix_nano, pb_attrs(e.attributes)) for e in pb_events] if pb_events else [],
        [(ln.trace_id, ln.span_id, pb_attrs(ln.attributes)) for ln in pb_links] if pb_links else [],
        code, message,
    )


def _span_from_pb(sp: Any, client: str | None, rejects: Rejects) -> tuple[Span, bool] | None:
    return _span_from_raw(_raw_from_pb(sp), client, rejects)


_ZERO16 = bytes(16)
_ZERO8 = bytes(8)


def _spans_from_fastpb(items: list[Any], i: int, client: str | None, rejects: Rejects, spans: list[Span],
                       explicit: list[bool], limit: int, full: Callable[[int], Any]) -> int:
    """Convert ``items[i:]`` (spans of ``FastTraceRequest``) onto ``spans``/``explicit``
    until ``spans`` holds ``limit`` (or sooner when some were rejected); returns the index of the next item.

    ``_span_from_raw(_raw_from_pb(sp))`` in one step, one loop per scope: the
    usual span (well-formed ids, no events, no links) is read straight into its
    key set's recipes (``fast_plan``), or ``build_span`` when they decline it;
    any other takes the two steps this abbreviates (one with events or links read again
    with them: ``full(index)`` is the item of ``FullTraceRequest``). Recipes build free attributes
    uncut (``raw_entry``): a string long enough to cut is rare and counted as its
    pair is read (``LONG_STRINGS``), and the spans of a call that saw one are cut after.
    """
    first = len(spans)
    # Each item adds one span at most: up to ``stop`` none can reach ``limit`` (one test a
    # span, not two; a call that rejected some returns short, and the caller calls again).
    stop = min(len(items), i + limit - first)
    long_seen = LONG_STRINGS[0]
    # The trace and parent ids of the span before, checked, and their text: spans of a
    # trace come in runs, children of one parent too. A repeated id takes the text made
    # for it (one string per id: no hex() again here, one hash in the store).
    last_t: bytes | None = None  # (no span's: an id of none or b"" is not valid)
    last_tid = ""
    last_p = b""  # no parent
    last_parent: str | None = None
    templates_get = TEMPLATES.get
    str_heads_get = STR_HEADS.get
    while i < stop:
        sp = items[i]
        i += 1
        t = sp.trace_id
        s = sp.span_id
        p = sp.parent_span_id
        # Ids of the right length and not all zero (compared, not any(): no call).
        ok = True
        if t != last_t:
            if len(t) == 16 and t != _ZERO16:
                last_t = t
                last_tid = t.hex()
            else:
                ok = False  # the general path below judges it
        if p != last_p:
            if len(p) == 8 and p != _ZERO8:
                last_p = p
                last_parent = p.hex()
            elif p:
                ok = False
            else:
                last_p = p
                last_parent = None
        extra = has_extra(sp, EXTRA) is not None
        if not ok or len(s) != 8 or s == _ZERO8 or extra:
            try:
                raw = _raw_from_pb(full(i - 1) if extra else sp, twin=True, bare=not extra)
            except MALFORMED as exc:
                _malformed(rejects, sp, exc)
                continue
            got = _span_from_raw(raw, client, rejects)
            if got is not None:
                spans.append(got[0])
                explicit.append(got[1])
            continue
        st = sp.status  # encoded occurrences; the common SDKs send one on every span
        encoded = sp.attributes[:]  # [:]: one C call, no IndexError ends it
        try:
            # ``read_attrs`` (span_attrs by templates) written out: a span a template reads
            # takes the plan kept on the template (its key set's), no key tuple made and looked up.
            attrs = None
            template = None
            if encoded:
                templates = templates_get(encoded[0])
                if templates is not None:
                    n = len(encoded)
                    for template in templates:
                        if template.n != n or template.pick(encoded) != template.same:
                            continue
                        # ``template.read(encoded)`` written out for its usual values (ever-new strings
                        # and two-byte ints): one call less a span; any other value, the method reads.
                        attrs = template.attrs.copy()
                        for vi, key, head, e, kind in template.volatile:
                            b = encoded[vi]
                            if b[:e] == head:
                                if kind == 2:
                                    if len(b) == e + 2 and (x := b[e]) >= 0x80 and (y := b[e + 1]) < 0x80:
                                        attrs[key] = (x & 0x7F) | y << 7
                                        continue
                                elif kind == 0 and b[e:e + 3] == str_heads_get(len(b) - e):
                                    attrs[key] = b[e + 3:].decode()
                                    continue
                            attrs = template.read(encoded)
                            break
                        if attrs is not None:
                            if template is not templates[0]:  # the last one that matched is tried first
                                TEMPLATES[encoded[0]] = [template, *(o for o in templates if o is not template)]
                            break
                if attrs is None:
                    template = None
                    attrs = read_untemplated(encoded)
            else:
                attrs = {}
            if st:
                code, message = read_status(st[0]) if len(st) == 1 else span_status(st)
            else:
                code = 0
                message = ""
        except MALFORMED as exc:
            _malformed(rejects, sp, exc)
            continue
        if template is None:
            plan = cached_plan(tuple(attrs)) or cv.plan_for(attrs)
        else:
            plan = template.plan
            if plan is None:
                plan = template.plan = cached_plan(tuple(attrs)) or cv.plan_for(attrs)
        session = _session_attr(attrs, plan.session_keys) if plan.session_keys else None
        sid = s.hex()
        name = sp.name
        start = sp.start_time_unix_nano
        end = sp.end_time_unix_nano
        try:
            fast = plan.fast
            if fast is None:
                fast = fast_plan(plan)
            span = None
            if fast is not None and fast is not NO_FAST:
                entry = fast.raw_entry  # the compiled build, once the key set is common
                span = (entry or fast.build)(last_tid, sid, last_parent, name, start, end, attrs, (), code, message,
                                             session or "", client)
            if span is None:
                span = build_span(last_tid, sid, last_parent, name, start, end, attrs, [], (), code, message,
                                  session or "", client, plan, try_fast=False)
        except (TypeError, ValueError, RecursionError) as exc:
            rejects.add("invalid_span", str(exc)[:200])
            continue
        spans.append(span)
        explicit.append(session is not None)
    if LONG_STRINGS[0] != long_seen:
        cut_free_strings(spans[first:])
    return i


def _full_span(full_scope: Callable[[int], Any], n: int, i: int) -> Any:
    """Span ``i`` of scope ``n`` (in request order) as ``full_scope`` reads it."""
    return full_scope(n)[i]


def _malformed(rejects: Rejects, sp: Any, exc: BaseException) -> None:
    """Count a span of ``FastTraceRequest`` whose encoded attribute or status is not valid protobuf."""
    rejects.add("invalid_span", f"span {sp.span_id.hex()[:16]!r} ({sp.name[:60]!r}): an attribute or its status "
                                f"is not valid protobuf ({type(exc).__name__})")


def _span_from_json(sp: Any, client: str | None, rejects: Rejects) -> tuple[Span, bool] | None:
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
                          message if isinstance(message, str) else str(message), explicit or "", client)
    except (TypeError, ValueError, AttributeError, RecursionError) as exc:
        rejects.add("invalid_span", str(exc)[:200])
        return None
    return span, explicit is not None


#: What a trace request's resource says (``ResourceInfo``), by its encoded attributes and the
#: names its scopes are read by: an exporter sends the same resource with every request, and
#: reading it again (its attributes, its framework, its session ids) cost as much as a few spans.
_RESOURCES: dict[tuple[tuple[bytes, ...], tuple[str | None, ...]], ResourceInfo] = {}
MAX_RESOURCES = 256


def _iter_resource_items(
    req: Any, json: bool, scope_field: str, item_field: str, rejects: Rejects | None = None,
) -> Iterator[tuple[ResourceInfo, str | None, Any]]:
    """(resource, scope name, items) per scope, for either encoding.

    A trace request of ``FastTraceRequest`` leaves its resources' attributes encoded: a resource
    read before is taken from ``_RESOURCES``, another read through the pairs' cache. One whose
    attributes are not valid protobuf has its spans counted in ``rejects`` and its scopes yielded
    empty (in place: a scope's index is its place in the request), the others kept."""
    if json:
        for rs in req:
            if not isinstance(rs, dict):
                continue
            res = rs.get("resource") or {}
            rattrs = json_attrs(res.get("attributes")) if isinstance(res, dict) else {}
            scopes = rs.get(scope_field) or rs.get(_snake(scope_field)) or []
            scopes = [ss for ss in scopes if isinstance(ss, dict)] if isinstance(scopes, list) else []
            if not scopes:
                continue
            names = [_json_scope_name(ss) for ss in scopes]
            read = names
            if scope_field == "scopeSpans":  # a scope of spans may name its framework by its spans' names
                read = [cv.framework_scope(n, _json_span_names(ss.get(item_field) or ss.get(_snake(item_field))))
                        for ss, n in zip(scopes, names, strict=True)]
            info = ResourceInfo(rattrs, cv.resource_scope(read, rattrs))
            for ss, sname in zip(scopes, names, strict=True):
                items = ss.get(item_field) or ss.get(_snake(item_field)) or []
                yield info, sname, items if isinstance(items, list) else []
        return
    pb_scope = _snake(scope_field)
    pb_item = _snake(item_field)
    pb_resource = {"scopeSpans": "resource_spans", "scopeLogs": "resource_logs", "scopeMetrics": "resource_metrics"}
    fast = isinstance(req, FastTraceRequest)
    for rs in getattr(req, pb_resource[scope_field]):
        scopes = getattr(rs, pb_scope)
        if not scopes:
            continue
        # The names its framework is read from: a scope of spans may name it by its spans' names.
        read = ([cv.framework_scope(ss.scope.name or None, _pb_span_names(ss)) for ss in scopes]
                if scope_field == "scopeSpans" else [ss.scope.name or None for ss in scopes])
        if fast:
            encoded = rs.resource.attributes[:]
            key = (tuple(encoded), tuple(read))
            known = _RESOURCES.get(key)
            if known is None:
                try:
                    rattrs = span_attrs(encoded)
                except MALFORMED as exc:
                    if rejects is not None and (n := sum(len(ss.spans) for ss in scopes)):
                        rejects.add("invalid_span", f"{n} span(s) of a resource whose attributes are not valid "
                                                    f"protobuf ({type(exc).__name__})", n)
                    empty = ResourceInfo({}, None)
                    for ss in scopes:
                        yield empty, ss.scope.name or None, ()
                    continue
                known = _RESOURCES[key] = ResourceInfo(rattrs, cv.resource_scope(read, rattrs))
                if len(_RESOURCES) > MAX_RESOURCES:
                    _RESOURCES.clear()  # resources come from senders: bounded, started over rather than grown
            for ss in scopes:
                yield known, ss.scope.name or None, ss.spans
            continue
        rattrs = pb_attrs(rs.resource.attributes)
        info = ResourceInfo(rattrs, cv.resource_scope(read, rattrs))
        for ss in scopes:
            yield info, ss.scope.name or None, getattr(ss, pb_item)


def _pb_span_names(ss: Any) -> Iterator[str]:
    """The names of a protobuf scope's first spans (``cv.SPAN_NAMES_READ``), read only if asked
    (most scopes name their framework themselves)."""
    for sp in ss.spans[:cv.SPAN_NAMES_READ]:
        yield sp.name


def _json_span_names(items: Any) -> Iterator[str]:
    """The names of a scope's first spans (``cv.SPAN_NAMES_READ``) in an OTLP JSON request."""
    if isinstance(items, list):
        for sp in items[:cv.SPAN_NAMES_READ]:
            name = sp.get("name") if isinstance(sp, dict) else None
            if isinstance(name, str):
                yield name


def _json_scope_name(ss: dict[str, Any]) -> str | None:
    scope = ss.get("scope") or {}
    name = scope.get("name") if isinstance(scope, dict) else None
    return name if isinstance(name, str) else None


def convert_traces(
    req: Any, json: bool, rejects: Rejects, trace_session: Callable[[str], str | None], chunk: int = CHUNK,
    services: ServiceSessions | None = None, trace_rooted: Callable[[str], bool] | None = None,
    prompts: TurnPrompts | None = None,
) -> Iterator[list[Update]]:
    """Chunks of updates (sessions first, then spans) for a trace request (``trace_rooted``: whether
    the store holds a trace's root span, ``SessionResolver``'s; ``prompts``: the turns' prompts its
    receiver's log records held, joined to their roots here, ``TurnPrompts``)."""
    resolver = SessionResolver(trace_session, services, trace_rooted)
    spans: list[Span] = []
    #: Turns' prompts logged apart, joined to their roots in this chunk (``TurnPrompts.root``).
    joined: list[AttachedEvent] = []
    explicit: list[bool] = []
    res_of: list[ResourceInfo] = []
    seen_sessions: set[str] = set()
    seen_own: set[tuple[str, str]] = set()

    def flush() -> list[Update]:
        sessions = resolver.resolve(spans, explicit, res_of)
        out: list[Update] = [res.session(sid) for sid, res in sessions.items() if sid not in seen_sessions]
        seen_sessions.update(sessions)
        if any(res.trace_sessions for res in sessions.values()):
            for span, res in zip(spans, res_of, strict=True):
                # A trace that is its session (AgentOps'): its root span names it.
                if (res.trace_sessions and span.parent_span_id is None and span.session_id == span.trace_id
                        and (named := cv.session_span_name(span.attributes)) is not None):
                    out.append(Session(id=span.session_id, name=named))
        if resolver.own:
            # The client's own session id beside the one ``run`` pinned (once a request per session).
            out += [Session(id=sid, attributes={"session.id": own}) for sid, own in resolver.own.items()
                    if (sid, own) not in seen_own]
            seen_own.update(resolver.own.items())
        out.extend(spans)
        if joined:
            out.extend(joined)
            joined.clear()
        spans.clear()
        explicit.clear()
        res_of.clear()
        return out

    if not json and isinstance(req, FastTraceRequest):
        # The spans of each scope of the request read again with their events and links,
        # once a span has some (the same body, so the same scopes and spans in order).
        full_scopes: list[Any] = []

        def full_scope(n: int) -> Any:
            if not full_scopes:
                full_req = FullTraceRequest.FromString(req.body)
                full_scopes.extend(ss.spans for rs in full_req.resource_spans for ss in rs.scope_spans)
            return full_scopes[n]

        for n, (res, scope, items) in enumerate(_iter_resource_items(req, json, "scopeSpans", "spans", rejects)):
            listed = items[:]
            i = 0
            full = functools.partial(_full_span, full_scope, n)
            client = cv.span_client(res.framework, scope)
            own = self_named_provider(scope, res)
            gateway = gateway_provider(scope)
            tracer = cv.TWIN_TRACER_SCOPES.get(scope) if scope is not None else None
            turn_root = cv.PROMPT_ID_ROOTS.get(client) if prompts is not None and client is not None else None
            while i < len(listed):
                had = len(spans)
                i = _spans_from_fastpb(listed, i, client, rejects, spans, explicit, max(chunk, 1), full)
                if own is not None:
                    unname_provider(spans[had:], own)
                if gateway is not None:
                    name_gateway(spans[had:], gateway)
                if tracer is not None:
                    mark_tracer(spans[had:], tracer)
                if turn_root is not None and prompts is not None:
                    joined.extend(ev for span in spans[had:] if (ev := prompts.root(span, turn_root)) is not None)
                res_of.extend([res] * (len(spans) - had))
                if len(spans) >= chunk:
                    yield flush()
        if spans:
            yield flush()
        return
    one = _span_from_json if json else _span_from_pb
    for res, scope, items in _iter_resource_items(req, json, "scopeSpans", "spans"):
        client = cv.span_client(res.framework, scope)
        own = self_named_provider(scope, res)
        gateway = gateway_provider(scope)
        tracer = cv.TWIN_TRACER_SCOPES.get(scope) if scope is not None else None
        turn_root = cv.PROMPT_ID_ROOTS.get(client) if prompts is not None and client is not None else None
        for sp in items:
            got = one(sp, client, rejects)
            if got is None:
                continue
            if own is not None:
                unname_provider([got[0]], own)
            if gateway is not None:
                name_gateway([got[0]], gateway)
            if tracer is not None:
                mark_tracer([got[0]], tracer)
            if turn_root is not None and prompts is not None and (prompt := prompts.root(got[0], turn_root)) is not None:
                joined.append(prompt)
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
    "CHUNK",
    "MAX_ATTR_CHARS",
    "MAX_JSON_OBJECTS",
    "PROCESS_SESSION_CLIENTS",
    "SIGNALS",
    "SessionResolver",
    "cut_msg",
    "jint",
    "json_attrs",
    "json_value",
    "pb_attrs",
    "pb_value",
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
