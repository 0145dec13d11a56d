"""OTLP/protobuf trace requests read straight off the wire, once.

The generated protobuf classes hand out a Python wrapper for every message
and a fresh string for every field read: a span with ten attributes costs
some forty C calls before anything is converted. Here the request body is
walked once, in place, into plain tuples the span builder takes directly.

Attributes repeat endlessly across spans (``gen_ai.operation.name = chat``,
the model, the provider): a ``KeyValue`` is looked up by its encoded bytes
first, so a repeated one costs a slice and a dict probe; a new one is decoded
by a fast path for the usual shape (one-byte lengths, a string or integer
value), then the general decoder.

The body has already been parsed by the generated class (``parse``): it is
well formed, so the walker checks only what it relies on. Any shape it does
not take (a singular message sent twice, which protobuf would merge; deep
nesting; an index past the end) raises ``WireError`` and the caller converts
the request through the generated classes instead, with the same result.
"""

from __future__ import annotations

import struct
from typing import Any

_F64 = struct.Struct("<d").unpack_from
_U64 = struct.Struct("<Q").unpack_from

#: Encoded KeyValues remembered (bytes -> (key, value)); cleared when full.
KV_CACHE_SIZE = 8192
#: Longer encoded KeyValues are never remembered (long texts rarely repeat).
KV_CACHE_BYTES = 256
_KV_CACHE: dict[bytes, tuple[str, Any]] = {}
_IMMUTABLE = (str, int, float, bool, type(None))

#: (trace id, span id, parent id, name, start, end, attributes, events, links, status code, status message)
#: events: (name, time, attributes); links: (trace id, span id, attributes); ids as raw bytes.
RawSpan = tuple[bytes, bytes, bytes, str, int, int, dict[str, Any], list[tuple[str, int, dict[str, Any]]],
                list[tuple[bytes, bytes, dict[str, Any]]], int, str]
#: (resource attributes, [(scope name or None, spans)]) per ResourceSpans.
RawResource = tuple[dict[str, Any], list[tuple[str | None, list[RawSpan]]]]


class WireError(ValueError):
    """A shape the walker does not take: convert through the generated classes."""


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7
        if shift > 63:
            raise WireError("varint too long")


def _skip(buf: bytes, i: int, wt: int) -> int:
    """Index after a field's value of wire type ``wt`` starting at ``i``."""
    if wt == 0:
        return _varint(buf, i)[1]
    if wt == 1:
        return i + 8
    if wt == 5:
        return i + 4
    if wt == 2:
        n, i = _varint(buf, i)
        return i + n
    raise WireError(f"wire type {wt}")


def _fields(buf: bytes, i: int, end: int) -> list[tuple[int, int, int]]:
    """(field number, start, end) of the length-delimited fields in buf[i:end]; others skipped."""
    out = []
    while i < end:
        key = buf[i]
        if key < 0x80:
            i += 1
        else:
            key, i = _varint(buf, i)
        wt = key & 7
        if wt == 2:
            n = buf[i]
            if n < 0x80:
                i += 1
            else:
                n, i = _varint(buf, i)
            out.append((key >> 3, i, i + n))
            i += n
        else:
            i = _skip(buf, i, wt)
    if i != end:
        raise WireError("field runs past its message")
    return out


def _int64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


_ANY_FIELDS = frozenset(range(1, 8))


def any_value(buf: bytes, i: int, end: int, depth: int = 0) -> Any:
    """An AnyValue, as ``pb_value`` reads one from the generated class."""
    if depth > 64:
        raise WireError("nesting too deep")
    value: Any = None
    seen = False
    while i < end:
        key, i = _varint(buf, i)
        f = key >> 3
        wt = key & 7
        if f in _ANY_FIELDS:
            if seen:
                raise WireError("two values in one AnyValue")  # protobuf may merge them: leave it to the parser
            seen = True
        if wt == 2:
            n, i = _varint(buf, i)
            j = i + n
            if f == 1:
                value = buf[i:j].decode()
            elif f == 5:  # ArrayValue{values=1}
                value = [any_value(buf, a, b, depth + 1) for g, a, b in _fields(buf, i, j) if g == 1]
            elif f == 6:  # KeyValueList{values=1}
                out: dict[str, Any] = {}
                for g, a, b in _fields(buf, i, j):
                    if g == 1:
                        k, v = key_value(buf, a, b, depth + 1)
                        out[k] = v
                value = out
            elif f == 7:
                value = buf[i:j].hex()
            i = j
        elif wt == 0:
            v, i = _varint(buf, i)
            if f == 3:
                value = _int64(v)
            elif f == 2:
                value = v != 0
        elif wt == 1:
            if f == 4:
                value = _F64(buf, i)[0]
            i += 8
        else:
            i = _skip(buf, i, wt)
    return value


def key_value(buf: bytes, i: int, end: int, depth: int = 0) -> tuple[str, Any]:
    """A KeyValue: (key, value); a missing value reads None, a missing key ''."""
    key = ""
    value: Any = None
    seen_value = False
    while i < end:
        tag, i = _varint(buf, i)
        wt = tag & 7
        if wt == 2:
            n, i = _varint(buf, i)
            j = i + n
            f = tag >> 3
            if f == 1:
                key = buf[i:j].decode()
            elif f == 2:
                if seen_value:
                    raise WireError("value sent twice")  # protobuf merges the two: leave it to the parser
                seen_value = True
                value = any_value(buf, i, j, depth)
            i = j
        else:
            i = _skip(buf, i, wt)
    return key, value


def _kv_fast(buf: bytes, i: int, end: int) -> tuple[str, Any]:
    """The usual KeyValue (one-byte lengths; a string or an integer), else the general decoder."""
    if buf[i] == 0x0A:
        kl = buf[i + 1]
        if kl < 0x80:
            j = i + 2 + kl
            if j + 2 < end and buf[j] == 0x12 and buf[j + 1] < 0x80 and j + 2 + buf[j + 1] == end:
                t = buf[j + 2]
                if t == 0x0A:  # string_value
                    sl = buf[j + 3]
                    if sl < 0x80 and j + 4 + sl == end:
                        return buf[i + 2 : j].decode(), buf[j + 4 : end].decode()
                elif t == 0x18:  # int_value
                    v = 0
                    shift = 0
                    k = j + 3
                    while k < end:
                        b = buf[k]
                        k += 1
                        v |= (b & 0x7F) << shift
                        if b < 0x80:
                            break
                        shift += 7
                    if k == end and shift <= 63:
                        return buf[i + 2 : j].decode(), _int64(v)
    return key_value(buf, i, end)


def attributes_into(out: dict[str, Any], buf: bytes, i: int, end: int) -> None:
    """One encoded KeyValue into ``out`` (remembered by its bytes when small and immutable)."""
    if end - i <= KV_CACHE_BYTES:
        raw = buf[i:end]
        kv = _KV_CACHE.get(raw)
        if kv is None:
            kv = _kv_fast(buf, i, end)
            if kv[1].__class__ in _IMMUTABLE:
                if len(_KV_CACHE) >= KV_CACHE_SIZE:
                    _KV_CACHE.clear()  # senders with ever-new values: start over rather than grow
                _KV_CACHE[raw] = kv
        out[kv[0]] = kv[1]
    else:
        k, v = key_value(buf, i, end)
        out[k] = v


def _attrs(buf: bytes, i: int, end: int, field: int) -> dict[str, Any]:
    """The attributes (repeated KeyValue at ``field``) of the message in buf[i:end]."""
    out: dict[str, Any] = {}
    for f, a, b in _fields(buf, i, end):
        if f == field:
            attributes_into(out, buf, a, b)
    return out


def _event(buf: bytes, i: int, end: int) -> tuple[str, int, dict[str, Any]]:
    """Span.Event{time_unix_nano=1 fixed64, name=2, attributes=3}."""
    name = ""
    t = 0
    attrs: dict[str, Any] = {}
    while i < end:
        tag, i = _varint(buf, i)
        wt = tag & 7
        if tag == 0x09:
            t = _U64(buf, i)[0]
            i += 8
        elif wt == 2:
            n, i = _varint(buf, i)
            j = i + n
            f = tag >> 3
            if f == 2:
                name = buf[i:j].decode()
            elif f == 3:
                attributes_into(attrs, buf, i, j)
            i = j
        else:
            i = _skip(buf, i, wt)
    return name, t, attrs


def _link(buf: bytes, i: int, end: int) -> tuple[bytes, bytes, dict[str, Any]]:
    """Span.Link{trace_id=1, span_id=2, attributes=4}."""
    tid = sid = b""
    attrs: dict[str, Any] = {}
    while i < end:
        tag, i = _varint(buf, i)
        wt = tag & 7
        if wt == 2:
            n, i = _varint(buf, i)
            j = i + n
            f = tag >> 3
            if f == 1:
                tid = buf[i:j]
            elif f == 2:
                sid = buf[i:j]
            elif f == 4:
                attributes_into(attrs, buf, i, j)
            i = j
        else:
            i = _skip(buf, i, wt)
    return tid, sid, attrs


def _status(buf: bytes, i: int, end: int) -> tuple[int, str]:
    """Status{message=2, code=3}."""
    code = 0
    message = ""
    while i < end:
        tag, i = _varint(buf, i)
        wt = tag & 7
        if tag == 0x18:
            code, i = _varint(buf, i)
            code &= 0xFFFFFFFF  # an int32 enum
            if code >= 1 << 31:
                code -= 1 << 32
        elif wt == 2:
            n, i = _varint(buf, i)
            if tag >> 3 == 2:
                message = buf[i : i + n].decode()
            i += n
        else:
            i = _skip(buf, i, wt)
    return code, message


def span(buf: bytes, i: int, end: int) -> RawSpan:
    """One Span message in buf[i:end]."""
    tid = sid = parent = b""
    name = ""
    start = stop = 0
    attrs: dict[str, Any] = {}
    events: list[tuple[str, int, dict[str, Any]]] = []
    links: list[tuple[bytes, bytes, dict[str, Any]]] = []
    code = 0
    message = ""
    seen_status = False
    cache = _KV_CACHE
    probe = cache.get
    while i < end:
        tag = buf[i]
        i += 1
        if tag >= 0x80:
            tag, i = _varint(buf, i - 1)
        if tag == 0x4A:  # attributes (9), the most frequent field: inlined attributes_into
            n = buf[i]
            i += 1
            if n >= 0x80:
                n, i = _varint(buf, i - 1)
            j = i + n
            if n <= KV_CACHE_BYTES:
                raw = buf[i:j]
                kv = probe(raw)
                if kv is None:
                    kv = _kv_fast(buf, i, j)
                    if kv[1].__class__ in _IMMUTABLE:
                        if len(cache) >= KV_CACHE_SIZE:
                            cache.clear()  # senders with ever-new values: start over rather than grow
                        cache[raw] = kv
                attrs[kv[0]] = kv[1]
            else:
                attributes_into(attrs, buf, i, j)
            i = j
        elif tag == 0x30 and buf[i] < 0x80:  # kind (6): one-byte enum, unused
            i += 1
        elif tag == 0x39:  # start_time_unix_nano (7, fixed64)
            start = _U64(buf, i)[0]
            i += 8
        elif tag == 0x41:  # end_time_unix_nano (8, fixed64)
            stop = _U64(buf, i)[0]
            i += 8
        elif tag & 7 == 2:
            n = buf[i]
            i += 1
            if n >= 0x80:
                n, i = _varint(buf, i - 1)
            j = i + n
            f = tag >> 3
            if f == 1:
                tid = buf[i:j]
            elif f == 2:
                sid = buf[i:j]
            elif f == 4:
                parent = buf[i:j]
            elif f == 5:
                name = buf[i:j].decode()
            elif f == 11:
                events.append(_event(buf, i, j))
            elif f == 13:
                links.append(_link(buf, i, j))
            elif f == 15:
                if seen_status:
                    raise WireError("status sent twice")
                seen_status = True
                code, message = _status(buf, i, j)
            i = j
        else:
            i = _skip(buf, i, tag & 7)
    if i != end:
        raise WireError("span runs past its message")
    return tid, sid, parent, name, start, stop, attrs, events, links, code, message


def walk_traces(body: bytes) -> list[RawResource]:
    """ExportTraceServiceRequest{resource_spans=1} -> resources with their scopes' spans."""
    out: list[RawResource] = []
    for f, a, b in _fields(body, 0, len(body)):
        if f != 1:
            continue
        resource: tuple[int, int] | None = None
        scopes: list[tuple[str | None, list[RawSpan]]] = []
        for g, c, d in _fields(body, a, b):  # ResourceSpans{resource=1, scope_spans=2}
            if g == 1:
                if resource is not None:
                    raise WireError("resource sent twice")
                resource = (c, d)
            elif g == 2:
                scope_name: str | None = None
                seen_scope = False
                spans: list[RawSpan] = []
                for h, e, k in _fields(body, c, d):  # ScopeSpans{scope=1, spans=2}
                    if h == 2:
                        spans.append(span(body, e, k))
                    elif h == 1:
                        if seen_scope:
                            raise WireError("scope sent twice")
                        seen_scope = True
                        for m, p, q in _fields(body, e, k):  # InstrumentationScope{name=1}
                            if m == 1:
                                scope_name = body[p:q].decode() or None
                scopes.append((scope_name, spans))
        rattrs = _attrs(body, resource[0], resource[1], 1) if resource is not None else {}
        out.append((rattrs, scopes))
    return out


__all__ = ["KV_CACHE_SIZE", "RawResource", "RawSpan", "WireError", "any_value", "key_value", "span", "walk_traces"]
