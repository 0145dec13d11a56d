"""OTLP trace requests with span attributes left as wire bytes, read through a cache.

Reading a span's attributes through the generated classes builds a Python
wrapper for every KeyValue and every AnyValue (~1 µs per attribute, most of
the protobuf side of conversion). Here a twin of ``ExportTraceServiceRequest``
is declared at import time whose ``Span.attributes`` is ``repeated bytes``
(the same field number and wire type, so the same bodies parse): upb hands
each KeyValue over as its encoded bytes, and ``span_attrs`` reads them.
``Span.status`` is ``repeated bytes`` there too (each occurrence encoded, as
protobuf merges them: ``span_status``), read through a cache as well: the
generated classes build a wrapper for the status and read two fields, ~3x
the cost, and every span of the common SDKs carries one. Of a span's events
and links the twin keeps only whether it has any (one oneof, read in one
call); the rare span that has some is read again from the request's body by
a second twin that keeps them (``FullTraceRequest``).

Spans of one instrumentation repeat the same key/value pairs byte for byte
(operation names, models, providers, tool names), so a bounded cache maps the
encoded pair to ``(key, value)``; a pair not in it is read by a small decoder
for the common scalar shapes, and anything else by the generated ``KeyValue``
class and ``pb_value`` -- the same values either way (tests compare them on
every recorded client).

The twin does not check what it leaves as bytes (UTF-8 of keys and strings,
nested lengths) when it parses: each pair and status is checked as it is read
(the small decoder decodes UTF-8 strictly and takes only exact lengths; the
generated classes judge anything else), and a span whose pair or status is
malformed raises one of ``MALFORMED`` there, which rejects that span alone
(``otlp_decode``), where parsing with the real classes refused the whole
request with it. A pair in the cache was read, so checked, when it went in.
"""

from __future__ import annotations

import struct
from operator import itemgetter
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.resource.v1 import resource_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from ..normalize.otel import MAX_ATTR_CHARS
from .otlp_values import pb_value

_PACKAGE = "agenttrace.otlp_fast"
#: The twin span's oneof that stands for its events and links (see ``_declare``).
EXTRA = "extra"
#: The twin request's field holding the body it was read from (set by ``otlp_parse.parse``):
#: the highest field number, which no OTLP message uses.
BODY_FIELD = 536870911


def _declare(package: str, presence_only: bool) -> Any:
    """A twin request class (declared once per process in the default pool, in ``package``).

    ``presence_only``: the span's events and links are one oneof (``EXTRA``) of one
    event and one link: parsed and checked as the real fields are (every occurrence
    is read as its message), but what a span keeps of them is only whether it had
    any, read in one call (``WhichOneof``) where the two repeated fields cost two
    containers on every span. A span that has some is read again from the body
    (``BODY_FIELD``) by the twin declared without it.
    """
    pool = descriptor_pool.Default()
    name = f"{package}.ExportTraceServiceRequest"
    try:
        return message_factory.GetMessageClass(pool.FindMessageTypeByName(name))
    except KeyError:
        pass
    F = descriptor_pb2.FieldDescriptorProto
    fdp = descriptor_pb2.FileDescriptorProto(
        name=f"{package.replace('.', '/')}_trace.proto", package=package, syntax="proto3",
        dependency=[common_pb2.DESCRIPTOR.name, resource_pb2.DESCRIPTOR.name, trace_pb2.DESCRIPTOR.name,
                    trace_service_pb2.DESCRIPTOR.name],
    )

    def twin(desc: Any, bytes_fields: tuple[str, ...] = (), retype: dict[str, str] | None = None,
             oneof: tuple[str, ...] = ()) -> Any:
        m = descriptor_pb2.DescriptorProto()
        desc.CopyToProto(m)
        # Nested types (Span.Event, Span.Link, Span.SpanKind) stay the real ones: their
        # fields' type names are fully qualified already.
        del m.nested_type[:]
        del m.enum_type[:]
        if oneof:
            m.oneof_decl.add(name=EXTRA)
        for f in m.field:
            if f.name in bytes_fields:
                f.type = F.TYPE_BYTES
                f.label = F.LABEL_REPEATED  # status: every occurrence kept, merged when read
                f.ClearField("type_name")
            elif f.name in oneof:
                f.label = F.LABEL_OPTIONAL
                f.oneof_index = 0
            elif retype is not None and f.name in retype:
                f.type_name = f".{package}.{retype[f.name]}"
        added = fdp.message_type.add()
        added.CopyFrom(m)
        return added

    twin(resource_pb2.Resource.DESCRIPTOR, bytes_fields=("attributes",))
    twin(trace_pb2.Span.DESCRIPTOR, bytes_fields=("attributes", "status"),
         oneof=("events", "links") if presence_only else ())
    twin(trace_pb2.ScopeSpans.DESCRIPTOR, retype={"spans": "Span"})
    twin(trace_pb2.ResourceSpans.DESCRIPTOR, retype={"scope_spans": "ScopeSpans", "resource": "Resource"})
    request = twin(trace_service_pb2.ExportTraceServiceRequest.DESCRIPTOR, retype={"resource_spans": "ResourceSpans"})
    if presence_only:
        request.field.add(name="body", number=BODY_FIELD, type=F.TYPE_BYTES, label=F.LABEL_OPTIONAL, json_name="body")
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(name))


#: ``ExportTraceServiceRequest`` whose spans keep their attributes as encoded KeyValues,
#: and of their events and links only whether they have any (``EXTRA``).
FastTraceRequest: Any = _declare(_PACKAGE, presence_only=True)
#: The same with the spans' events and links, for a span of ``FastTraceRequest`` that has some.
FullTraceRequest: Any = _declare(f"{_PACKAGE}_full", presence_only=False)
#: Whether a span of ``FastTraceRequest`` has events or links: ``has_extra(span, EXTRA)`` is
#: not None (the unbound method: no attribute lookup on the span).
has_extra = message_factory.GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(f"{_PACKAGE}.Span")).WhichOneof


#: What reading a malformed encoded pair or status raises (UnicodeDecodeError is a ValueError).
MALFORMED = (DecodeError, ValueError, RuntimeError, RecursionError)

_KeyValue = common_pb2.KeyValue
_Status = trace_pb2.Status
_double = struct.Struct("<d").unpack_from
MAX_PAIRS = 4096
MAX_PAIR_BYTES = 160


def _read_pair(b: bytes) -> tuple[str, Any]:
    """One encoded KeyValue -> (key, value), as ``pb_attrs`` reads it."""
    n = len(b)
    # The common shape: key (field 1) then value (field 2), each with a one-byte length,
    # the value holding one scalar field. Anything else goes to the generated class.
    if n > 4 and b[0] == 0x0A and b[1] < 0x80:
        e = 2 + b[1]
        if e + 2 < n and b[e] == 0x12 and b[e + 1] < 0x80 and e + 2 + b[e + 1] == n:
            tag = b[e + 2]
            if tag == 0x0A:  # string_value
                if e + 3 < n and b[e + 3] < 0x80 and e + 4 + b[e + 3] == n:
                    return b[2:e].decode(), b[e + 4:].decode()
            elif tag == 0x18:  # int_value (varint, two's complement)
                v = 0
                shift = 0
                i = e + 3
                while i < n and shift < 64:
                    x = b[i]
                    v |= (x & 0x7F) << shift
                    i += 1
                    if x < 0x80:
                        if i == n:
                            v &= 0xFFFFFFFFFFFFFFFF
                            return b[2:e].decode(), v - (1 << 64) if v >= 1 << 63 else v
                        break
                    shift += 7
            elif tag == 0x21 and n == e + 11:  # double_value
                return b[2:e].decode(), _double(b, e + 3)[0]
            elif tag == 0x10 and n == e + 4 and b[e + 3] < 2:  # bool_value
                return b[2:e].decode(), b[e + 3] == 1
    kv = _KeyValue.FromString(b)
    v = kv.value
    s = v.string_value
    if s:
        return kv.key, s
    w = v.WhichOneof("value")
    return kv.key, v.int_value if w == "int_value" else pb_value(v)


class _Pairs(dict[bytes, tuple[str, Any]]):
    """Encoded KeyValue -> (key, value): a dict that reads the pairs it lacks.

    A lookup that hits stays in C (``dict(map(_PAIRS.__getitem__, encoded))``
    reads a span's attributes without a bytecode per pair); a miss calls
    ``__missing__``, which reads the pair and keeps it when it is a short
    scalar (a list or dict value is mutable and must not be shared between
    spans; long values seldom repeat).
    """

    def __missing__(self, b: bytes) -> tuple[str, Any]:
        # Most misses are ever-new ids and token counts of a key seen before: the pair's
        # first bytes up to its value (key, value header, first value byte) repeat, and
        # once ``_shape`` has read them the long way they are looked up in ``_SHAPES``.
        n = len(b)
        got: tuple[str, Any] | None = None
        if n > 5:
            e = b[1] + 6  # where a one-byte-length string's text starts (bytes after the key: 4)
            shape = _SHAPES.get(b[:e])
            if shape is not None and n == shape[1]:
                key, _n, kind, group = shape
                # Ever-new values first, read and not kept: most misses are these (the int one
                # again below, for the shapes not yet taken as ever new).
                if kind == _EVER_NEW:  # a string (ids)
                    return key, b[e:].decode()
                if kind == _EVER_NEW_INT2 and b[e] < 0x80:  # an int of two varint bytes (token counts)
                    return key, (b[e - 1] & 0x7F) | b[e] << 7
                if kind == 0:  # string_value
                    got = (key, b[e:].decode())
                elif kind & 3 == 2:  # int_value, two varint bytes
                    if b[e] < 0x80:
                        got = (key, (b[e - 1] & 0x7F) | b[e] << 7)
                elif b[e] >= 0x80 and b[e + 1] < 0x80:  # int_value, three varint bytes
                    got = (key, (b[e - 1] & 0x7F) | (b[e] & 0x7F) << 7 | b[e + 1] << 14)
                if got is not None:
                    if kind & _EVER_NEW:
                        return got  # ever-new values (ids, counts): not worth keeping
                    group[0] += 1
                    if group[0] >= VOLATILE_MISSES:
                        for other in group[1]:
                            other[2] |= _EVER_NEW
        if got is None:
            got = _read_pair(b)
            _shape(b, got[0])
            if n > MAX_ATTR_CHARS and got[1].__class__ is str and len(got[1]) > MAX_ATTR_CHARS:
                LONG_STRINGS[0] += 1  # only here: a pair that long is never cached nor read by shape
        v = got[1]
        if v.__class__ is list or v.__class__ is dict or n > MAX_PAIR_BYTES:
            return got
        if len(self) >= MAX_PAIRS:
            self.clear()  # ever-new values (ids, counts): start over rather than grow
        self[b] = got
        return got


#: A pair's bytes up to its value -> [key, the pair's length, kind, its group]: kind 0 a
#: string with a one-byte length, 2 or 3 an int of that many varint bytes (0 <= v < 2**21),
#: plus ``_EVER_NEW`` once its group has read ``VOLATILE_MISSES``. A group is [misses read
#: by its shapes, its shapes]: a string shape's own, or one per key and varint length for
#: ints (their first varint byte is among the shape's bytes, so one key has up to 128 shapes
#: of each length; counted apart, a key of ever-new counts would be kept ~128 times as long
#: as one of ever-new ids).
_SHAPES: dict[bytes, list[Any]] = {}
#: A pair's bytes up to its value's tag -> the group of its int shapes.
_INT_GROUPS: dict[bytes, list[Any]] = {}
#: Added to a shape's kind once its values are taken as ever new (a flag: kinds are below it).
_EVER_NEW = 4
#: The kind of an int shape of two varint bytes taken as ever new (token counts: most misses).
_EVER_NEW_INT2 = _EVER_NEW | 2
MAX_SHAPES = 4096
#: Misses after which a shape's values are taken as ever-new and no longer cached:
#: a key with a few values (models, tool names) misses a few times per value at most.
VOLATILE_MISSES = 64


def _shape(b: bytes, key: str) -> None:
    """Remember the shape of pair ``b`` (already read as having ``key``) when it is one of ``_SHAPES``'."""
    n = len(b)
    if n < 6 or b[0] != 0x0A or b[1] >= 0x80:
        return
    e = 2 + b[1]
    if e + 4 > n or b[e] != 0x12 or b[e + 1] >= 0x80 or e + 2 + b[e + 1] != n:
        return
    tag = b[e + 2]
    x = b[e + 3]
    kind = -1
    if tag == 0x0A and x < 0x80 and e + 4 + x == n:
        kind = 0
    elif tag == 0x18 and n == e + 5 and x >= 0x80 and b[e + 4] < 0x80:
        kind = 2
    elif tag == 0x18 and n == e + 6 and x >= 0x80 and b[e + 4] >= 0x80 and b[e + 5] < 0x80:
        kind = 3
    if kind < 0:
        return
    if len(_SHAPES) >= MAX_SHAPES:
        _SHAPES.clear()
        _INT_GROUPS.clear()
    group: list[Any] = [0, []] if kind == 0 else _INT_GROUPS.setdefault(b[:e + 3], [0, []])
    shape = [key, n, kind | _EVER_NEW if group[0] >= VOLATILE_MISSES else kind, group]
    group[1].append(shape)
    _SHAPES[b[:e + 4]] = shape


_PAIRS = _Pairs()
#: One encoded KeyValue -> (key, value), through the cache.
read_pair = _PAIRS.__getitem__
#: Pairs read so far whose value is a string longer than ``MAX_ATTR_CHARS`` (one slot, counted
#: up by ``read_pair``): a caller that saw it unchanged over some spans knows none needs cutting.
LONG_STRINGS = [0]


class _Statuses(dict[bytes, tuple[int, str]]):
    """Encoded Status -> (code, message), a cache like ``_Pairs`` (the codes repeat, and most messages)."""

    def __missing__(self, b: bytes) -> tuple[int, str]:
        st = _Status.FromString(b)
        got = (st.code, st.message)
        if len(b) <= MAX_PAIR_BYTES:
            if len(self) >= MAX_PAIRS:
                self.clear()
            self[b] = got
        return got


_STATUSES = _Statuses()
#: One span's only encoded status -> (code, message), through the cache.
read_status = _STATUSES.__getitem__
_NO_STATUS = (0, "")


def span_status(encoded: Any) -> tuple[int, str]:
    """(code, message) of a span's encoded status occurrences (several are merged, as protobuf does)."""
    n = len(encoded)
    if not n:
        return _NO_STATUS
    return read_status(encoded[0] if n == 1 else b"".join(encoded))


def span_attrs(encoded: Any) -> dict[str, Any]:
    """A span's attributes (encoded KeyValues) as a dict, as ``pb_attrs`` builds it."""
    return dict(map(read_pair, encoded))


# -- spans read by template ---------------------------------------------------------
#
# Spans of one key set usually repeat most of their pairs byte for byte (operation,
# provider, model, tool name) and differ in a few of ever-new values (ids, token
# counts): the cache above reads each pair on its own, a hash and a lookup for every
# pair and a Python call for every ever-new one (~4.4k instructions a miss). A template
# is such a span's pairs as they were read: the repeating ones (``_PAIRS``' hits) kept
# as encoded, with their values, and the ever-new ones (of ``_SHAPES``' ever-new kinds)
# by the bytes before their value. A span matches it when its repeating pairs are the
# same bytes (one C comparison of all of them) and its ever-new ones have the same
# bytes before their value and a value of the same kind; those are read straight from
# their bytes, as ``__missing__`` reads them. Any other span reads its pairs through the
# cache, as before; the same dict either way (keys in order, the same values). (A string
# long enough to cut is never in a template: ``LONG_STRINGS`` counts it as before.)


class _Template:
    __slots__ = ("n", "pick", "same", "attrs", "volatile", "plan")

    def __init__(self, encoded: list[bytes], attrs: dict[str, Any], consts: list[int],
                 volatile: list[tuple[int, str, bytes, int, int]]) -> None:
        self.n = len(encoded)
        #: The repeating pairs of a span (index 0 always among them: the template's key).
        self.pick = itemgetter(*consts)
        self.same = self.pick(encoded)
        #: The span's attributes, copied for each span read, its ever-new values overwritten.
        self.attrs = dict(attrs)
        #: (index, key, the pair's bytes before its value (its head), the head's length, kind):
        #: kind 0 a string with one-byte lengths, 1 an int (the head ends with the pair's value tag),
        #: 2 an int of two varint bytes (the head ends with the int's tag; an int of another length
        #: is read as kind 1).
        self.volatile = tuple(volatile)
        #: The conventions' plan of the template's key set (every span it reads has its keys, in
        #: its order), set by the caller the first time it asks (``otlp_decode``): no key tuple
        #: built and looked up again for each span.
        self.plan: Any = None

    def read(self, encoded: list[bytes]) -> dict[str, Any] | None:
        """The attributes of a span of this template's pairs (None when it is not one)."""
        attrs = self.attrs.copy()
        for i, key, head, e, kind in self.volatile:
            b = encoded[i]
            if b[:e] != head:
                if kind != 2 or b[:e - 2] != head[:-2]:
                    return None
                kind = 1  # an int of another length than the template's two bytes
                e -= 2
            n = len(b)
            if kind == 2:  # an int of two varint bytes (most token counts): its head ends with its tag
                if n != e + 2 or (x := b[e]) < 0x80 or (y := b[e + 1]) >= 0x80:
                    return None
                attrs[key] = (x & 0x7F) | y << 7
                continue
            if kind == 0:  # a string: the value's length, the string's tag and length, one byte each
                if b[e:e + 3] != _STR_HEADS.get(n - e):
                    return None
                attrs[key] = b[e + 3:].decode()
                continue
            # An int: the value's length, the int's tag, a varint of up to ten bytes to the pair's
            # end, read as ``_read_pair`` reads it (anything else: the cache's reading).
            if n < e + 3 or n > e + 12 or b[e] != n - e - 1 or b[e + 1] != 0x18:
                return None
            v = 0
            shift = 0
            for x in b[e + 2:n - 1]:
                if x < 0x80:
                    return None
                v |= (x & 0x7F) << shift
                shift += 7
            x = b[n - 1]
            if x >= 0x80:
                return None
            v = (v | x << shift) & 0xFFFFFFFFFFFFFFFF
            attrs[key] = v - (1 << 64) if v >= 1 << 63 else v
        return attrs


#: A string value's bytes after its pair's field 2 tag, up to its text, by the bytes from there to
#: the end: the value's length, the string's tag, the string's length (one byte each).
_STR_HEADS = {n + 3: bytes((n + 2, 0x0A, n)) for n in range(126)}
STR_HEADS = _STR_HEADS
#: A span's first encoded pair -> the templates of spans that start with it.
_TEMPLATES: dict[bytes, list[_Template]] = {}
#: ``_TEMPLATES`` for ``otlp_decode``'s loop, which tries them itself (cleared in place, never replaced).
TEMPLATES = _TEMPLATES
#: A first pair -> spans starting with it read through the cache since (templates are tried
#: every ``LEARN_EVERY``: the first spans of a key set have ids whose shapes are not yet ever new).
_UNMATCHED: dict[bytes, int] = {}
MAX_TEMPLATES = 4  # a first pair's: each one tried costs a comparison
MAX_FIRST_PAIRS = 1024
LEARN_EVERY = 16


def read_attrs(encoded: list[bytes]) -> dict[str, Any]:
    """A span's attributes from its encoded pairs (a list), as ``span_attrs`` reads them, by a
    template when one matches (see above)."""
    if not encoded:
        return {}
    templates = _TEMPLATES.get(encoded[0])
    if templates is not None:
        n = len(encoded)
        for t in templates:
            if t.n == n and t.pick(encoded) == t.same and (attrs := t.read(encoded)) is not None:
                if t is not templates[0]:  # the last one that matched is tried first (a new list:
                    _TEMPLATES[encoded[0]] = [t, *(o for o in templates if o is not t)]  # none changes)
                return attrs
    return read_untemplated(encoded)


def read_untemplated(encoded: list[bytes]) -> dict[str, Any]:
    """A span's attributes from its non-empty encoded pairs through the cache (no template read
    them: ``read_attrs``' end, which ``otlp_decode`` calls after trying the templates itself),
    learning a template of them now and then."""
    attrs = dict(map(read_pair, encoded))
    first = encoded[0]
    if first in _PAIRS:  # (an ever-new first pair finds no template: none is made)
        if len(_UNMATCHED) >= MAX_FIRST_PAIRS:
            _TEMPLATES.clear()  # first pairs from senders: bounded, started over rather than grown
            _UNMATCHED.clear()
        seen = _UNMATCHED.get(first, 0)
        _UNMATCHED[first] = seen + 1
        if not seen % LEARN_EVERY:
            _learn(encoded, attrs)
    return attrs


def _learn(encoded: list[bytes], attrs: dict[str, Any]) -> None:
    """Make a template of a span read through the cache, if its pairs are all repeating or ever new."""
    if len(attrs) != len(encoded):
        return  # a key twice: the dict keeps the last value in the first one's place
    consts = []
    volatile = []
    for i, (b, key) in enumerate(zip(encoded, attrs, strict=True)):
        if b in _PAIRS:
            consts.append(i)
            continue
        n = len(b)
        if n <= 5:
            return
        e = b[1] + 6
        shape = _SHAPES.get(b[:e])
        if shape is None or shape[1] != n or not shape[2] & _EVER_NEW:
            return  # neither repeating nor ever new (a long string, a list, a value seen a few times)
        kind = shape[2] & 3  # 0 a string, 2 or 3 an int of that many varint bytes
        head = b[:e - 1] if kind == 2 else b[:e - 3]
        volatile.append((i, key, head, len(head), 1 if kind == 3 else kind))
    if not volatile and len(consts) == 1:
        return
    # The one matched least lately goes (``read_attrs`` keeps the last matched first): one made
    # of a key set's first spans may hold as repeating values (ids) that later spans showed to
    # be ever new.
    kept = _TEMPLATES.get(encoded[0], [])[:MAX_TEMPLATES - 1]
    _TEMPLATES[encoded[0]] = [*kept, _Template(encoded, attrs, consts, volatile)]
