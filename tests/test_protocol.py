"""Property tests for the wire decoder (``ingest.protocol.decode``).

Arbitrary bytes never raise and always yield records or rejects; every valid
record a sender can build survives encode -> decode unchanged, alone or in a
batch, and one bad element of a batch costs only itself. ``decode_batch``
(a wake-up's worth of lines at once) gives exactly what ``decode`` gives
line by line, whatever the lines hold.
"""

from __future__ import annotations

import json

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agenttrace_tui.ingest.protocol import decode, decode_batch, encode
from agenttrace_tui.model import (
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
from agenttrace_tui.normalize.records import (
    DEFAULT_MAX_RECORD_BYTES,
    EventRecord,
    MetricRecord,
    SessionRecord,
    SpanEndRecord,
    SpanRecord,
    SpanStartRecord,
)

# Every reason the decoder may give (docs/protocol.md lists them for senders).
REASONS = {
    "oversized",
    "empty",
    "malformed_json",
    "invalid_utf8",
    "too_deep",
    "unknown_type",
    "missing_field",
    "invalid_field",
    "unsupported_version",
}

# The machine is shared and loaded: no per-example deadline; example counts stay modest.
PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Generating whole records is the slow part: fewer, richer examples.
RECORDS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- strategies for valid records ------------------------------------------

ids = st.text(min_size=1, max_size=40)
ns = st.integers(min_value=0, max_value=2**63 - 1)
small = st.integers(min_value=0, max_value=2**53)
floats = st.floats(allow_nan=False, allow_infinity=False)
opt = lambda s: st.none() | s  # noqa: E731
json_scalar = st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | floats | st.text(max_size=20)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
attributes = st.dictionaries(st.text(max_size=20), json_value, max_size=5)
# Attributes of a span's events and links decode through the same code as the span's own
# (an opaque JSON object): small ones keep each record cheap to generate, so the
# examples go to the shapes of records instead of to nested JSON already covered above.
nested_attributes = st.dictionaries(st.text(max_size=10), json_value, max_size=2)

llm = st.builds(
    LlmInfo,
    provider=opt(st.text(max_size=10)),
    model=opt(st.text(max_size=20)),
    temperature=opt(floats),
    max_tokens=opt(small),
    stop_reason=opt(st.text(max_size=10)),
    cached=opt(st.booleans()),
    prompt_preview=opt(st.text(max_size=50)),
    response_preview=opt(st.text(max_size=50)),
)
# ``tool`` is a ToolInfo object or just a tool name: generate both, as decoded.
tool = st.text(min_size=1, max_size=10) | st.builds(
    ToolInfo, name=opt(st.text(max_size=10)), action=opt(st.text(max_size=10)), call_id=opt(st.text(max_size=10))
)
agent = st.builds(AgentInfo, name=opt(st.text(max_size=10)), iteration=opt(small), state=opt(st.text(max_size=10)))
rag = st.builds(RagInfo, query=opt(st.text(max_size=20)), sources_found=opt(small), top_score=opt(floats))
file = st.builds(FileInfo, path=opt(st.text(max_size=30)), operation=opt(st.text(max_size=8)), bytes=opt(small))
usage = st.builds(
    TokenUsage,
    input=small,
    output=small,
    total=small,
    cache_read=small,
    cache_write=small,
    reasoning=small,
    estimated=st.booleans(),
    scope=st.sampled_from(["span", "subtree"]),
)
cost = st.builds(
    Cost,
    total=opt(floats),
    input=opt(floats),
    output=opt(floats),
    source=st.sampled_from(["computed", "reported", "unknown"]),
    reason=opt(st.text(max_size=10)),
)
event = st.builds(SpanEvent, name=st.text(max_size=10), time_ns=ns, attributes=nested_attributes)
link = st.builds(SpanLink, trace_id=ids, span_id=ids, attributes=nested_attributes)

common = dict(
    v=st.just(1),
    sender=opt(st.text(max_size=10)),
    seq=opt(st.integers(min_value=0, max_value=2**63 - 1)),
)
span_fields = dict(
    common,
    trace_id=ids,
    span_id=ids,
    parent_span_id=opt(ids),
    session_id=opt(ids),
    kind=opt(st.text(max_size=15)),
    status=opt(st.text(max_size=10)),
    status_message=opt(st.text(max_size=20)),
    status_code=opt(st.text(max_size=5)),
    llm=opt(llm),
    tool=opt(tool),
    agent=opt(agent),
    rag=opt(rag),
    file=opt(file),
    usage=opt(usage),
    cost=opt(cost),
    events=st.lists(event, max_size=3).map(tuple),
    links=st.lists(link, max_size=2).map(tuple),
    attributes=attributes,
)
span_records = st.one_of(
    st.builds(SpanRecord, name=st.text(max_size=30), start_ns=ns, end_ns=ns, **span_fields),
    st.builds(SpanStartRecord, name=st.text(max_size=30), start_ns=ns, **span_fields),
    st.builds(SpanEndRecord, name=opt(st.text(max_size=30)), start_ns=opt(ns), end_ns=ns, **span_fields),
)
# one_of flattens: a record is still one of six types with equal odds.
records = st.one_of(
    span_records,
    st.builds(
        SessionRecord,
        session_id=ids,
        name=opt(st.text(max_size=20)),
        service=opt(st.text(max_size=20)),
        framework=opt(st.text(max_size=10)),
        framework_version=opt(st.text(max_size=5)),
        hostname=opt(st.text(max_size=10)),
        tags=st.lists(st.text(max_size=8), max_size=3),
        started_ns=opt(ns),
        ended_ns=opt(ns),
        attributes=attributes,
        **common,
    ),
    st.builds(EventRecord, trace_id=ids, span_id=ids, name=st.text(max_size=20), time_ns=ns, attributes=attributes, **common),
    st.builds(
        MetricRecord,
        name=st.text(max_size=20),
        value=floats,
        labels=st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
        time_ns=opt(ns),
        metric_kind=opt(st.sampled_from(["gauge", "counter"])),
        **common,
    ),
)


def _accounted(data: bytes) -> tuple[list, list]:
    good, bad = decode(data)
    assert good or bad, "every payload yields a record or a reject"
    assert {r.reason for r in bad} <= REASONS
    assert all(isinstance(r.detail, str) and r.detail for r in bad)
    return good, bad


# -- never raises -----------------------------------------------------------


@PROPS
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    _accounted(data)


def test_a_memoryview_batch_with_one_bad_element_keeps_the_good_ones() -> None:
    # The UDP receiver hands decode() memoryviews; the batch fallback must work on them too.
    good = json.loads(encode(SpanRecord(v=1, trace_id="t", span_id="a", session_id="s", name="ok", start_ns=1, end_ns=2)))
    payload = json.dumps([good, {"v": 1, "type": "span", "span_id": 5}]).encode()
    records, rejects = decode(memoryview(payload))
    assert [r.span_id for r in records] == ["a"]
    assert len(rejects) == 1


JSONISH = st.lists(
    st.sampled_from([b"{", b"}", b"[", b"]", b",", b":", b'"', b"\\", b'"v"', b"1", b'"type"', b'"span"', b"null", b" ", b"\xff", b"\x00", b"\n"]),
    max_size=200,
).map(b"".join)


@PROPS
@given(JSONISH)
def test_json_like_fragments_never_raise(data: bytes) -> None:
    _accounted(data)


@RECORDS
@given(st.lists(records, min_size=1, max_size=3), st.data())
def test_damaged_valid_payloads_never_raise(recs: list, data: st.DataObject) -> None:
    payload = bytearray(encode(recs))
    # Truncate, flip bytes, or splice garbage into a real payload.
    cut = data.draw(st.integers(min_value=0, max_value=len(payload)))
    for _ in range(data.draw(st.integers(min_value=0, max_value=4))):
        pos = data.draw(st.integers(min_value=0, max_value=len(payload) - 1))
        payload[pos] = data.draw(st.integers(min_value=0, max_value=255))
    _accounted(bytes(payload[:cut]) if data.draw(st.booleans()) else bytes(payload))


@PROPS
@given(json_value)
def test_any_json_value_is_accounted_for(value: object) -> None:
    # Valid JSON of the wrong shape is a reject, never an exception.
    _accounted(msgspec.json.encode(value))


# -- round trips --------------------------------------------------------------


@RECORDS
@given(records)
def test_valid_record_round_trips(rec: object) -> None:
    good, bad = decode(encode(rec), max_bytes=1 << 20)
    assert bad == []
    assert good == [rec]


@RECORDS
@given(st.lists(records, min_size=1, max_size=5))
def test_valid_batch_round_trips(recs: list) -> None:
    good, bad = decode(encode(recs), max_bytes=1 << 20)
    assert bad == []
    assert good == recs


@RECORDS
@given(records, st.dictionaries(st.text(min_size=1, max_size=10).map(lambda k: "x_" + k), json_value, max_size=4))
def test_unknown_fields_are_ignored(rec: object, extra: dict) -> None:
    obj = json.loads(encode(rec))
    obj.update(extra)
    good, bad = decode(json.dumps(obj).encode(), max_bytes=1 << 20)
    assert bad == [] and good == [rec]


@RECORDS
@given(st.lists(st.one_of(records, json_value), min_size=1, max_size=6))
def test_bad_elements_of_a_batch_cost_only_themselves(items: list) -> None:
    """Valid records come through in order; every other element is one reject."""
    valid = [x for x in items if isinstance(x, msgspec.Struct)]
    good, bad = decode(msgspec.json.encode(items), max_bytes=1 << 20)
    assert good == valid
    assert len(bad) == len(items) - len(valid)
    assert {r.reason for r in bad} <= REASONS


@RECORDS
@given(st.lists(records, min_size=1, max_size=3), st.integers(min_value=1, max_value=512))
def test_payload_over_the_limit_is_one_oversized_reject(recs: list, limit: int) -> None:
    payload = encode(recs)
    good, bad = decode(payload, max_bytes=limit)
    if len(payload) > limit:
        assert good == [] and [r.reason for r in bad] == ["oversized"]
    else:
        assert good == recs and bad == []


def test_default_limit_is_64_kib() -> None:
    assert DEFAULT_MAX_RECORD_BYTES == 65536
    rec = SpanRecord(v=1, trace_id="t", span_id="s", name="n", start_ns=1, end_ns=2, attributes={"pad": ""})
    base = len(encode(rec))
    at_limit = SpanRecord(v=1, trace_id="t", span_id="s", name="n", start_ns=1, end_ns=2,
                          attributes={"pad": "x" * (65536 - base)})
    assert len(encode(at_limit)) == 65536 and decode(encode(at_limit)) == ([at_limit], [])
    over = encode(at_limit) + b" "
    assert decode(over)[1][0].reason == "oversized"


@RECORDS
@given(records, st.integers(min_value=2, max_value=1000))
def test_other_versions_are_rejected_as_unsupported(rec: object, version: int) -> None:
    obj = json.loads(encode(rec))
    obj["v"] = version
    good, bad = decode(json.dumps(obj).encode(), max_bytes=1 << 20)
    assert good == [] and [r.reason for r in bad] == ["unsupported_version"]


# -- a batch of lines decodes exactly like the lines one by one ----------------


def _one_by_one(payloads: list, max_bytes: int) -> tuple[list, list, list]:
    records, owners, rejects = [], [], []
    for i, p in enumerate(payloads):
        good, bad = decode(p, max_bytes)
        records += good
        owners += [i] * len(good)
        rejects += [(i, r) for r in bad]
    return records, owners, rejects


def _batch(payloads: list, max_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> tuple[list, list, list]:
    records, owners, rejects = decode_batch(payloads, max_bytes)
    return records, list(range(len(records))) if owners is None else owners, rejects


LINE = st.one_of(
    records.map(encode),
    st.lists(records, min_size=0, max_size=2).map(encode),
    JSONISH,
    json_value.map(msgspec.json.encode),
)


@RECORDS
@given(st.lists(LINE, max_size=8), st.data())
def test_a_batch_of_lines_decodes_like_each_line_alone(lines: list, data: st.DataObject) -> None:
    # Damage some lines as a broken sender would: cut short, or a byte changed.
    lines = list(lines)
    for i in range(len(lines)):
        if lines[i] and data.draw(st.integers(0, 3)) == 0:
            cut = data.draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:cut]
    limit = data.draw(st.sampled_from([64, 1 << 20]))
    assert _batch(lines, limit) == _one_by_one(lines, limit)
    assert _batch([memoryview(x) for x in lines], limit) == _one_by_one(lines, limit)


def _span(i: int, name: str = "ok") -> bytes:
    return encode(SpanRecord(v=1, trace_id="t", span_id=f"s{i}", name=name, start_ns=1, end_ns=2))


def test_a_string_split_across_two_lines_is_two_rejects_and_the_neighbours_stay() -> None:
    # Joined with "," into one array, these two halves would make one valid
    # record named "a,b": each line alone is malformed and must stay rejected.
    whole = _span(1, name="a,b")
    cut = whole.index(b"a,b") + 1
    lines = [_span(0), whole[:cut], whole[cut + 1 :], _span(2)]
    records, owners, rejects = _batch(lines)
    assert [r.span_id for r in records] == ["s0", "s2"] and owners == [0, 3]
    assert [(i, r.reason) for i, r in rejects] == [(1, "malformed_json"), (2, "malformed_json")]


def test_misaligned_lines_that_keep_the_count_are_still_rejected_alone() -> None:
    # A joined array of these three lines would have three elements (the
    # count a naive check expects) but none of them lines up with its line.
    opened = b'{"v":1,"type":"span","trace_id":"t","span_id":"x","start_ns":1,"end_ns":2,"name":"a}'
    closes = b'{", "attributes":{}}'
    two = _span(7) + b"," + _span(8)
    lines = [_span(0), opened, closes, two, _span(9)]
    records, owners, rejects = _batch(lines)
    assert [r.span_id for r in records] == ["s0", "s9"] and owners == [0, 4]
    assert [i for i, _ in rejects] == [1, 2, 3]
    assert _batch(lines) == _one_by_one(lines, DEFAULT_MAX_RECORD_BYTES)


def test_a_batch_keeps_arrays_versions_and_oversized_lines_apart() -> None:
    old = json.loads(_span(3))
    old["v"] = 2
    lines = [_span(0), encode([SpanRecord(v=1, trace_id="t", span_id=f"a{k}", name="n", start_ns=1, end_ns=2)
                                for k in range(2)]), json.dumps(old).encode(), b"", _span(4)]
    records, owners, rejects = _batch(lines)
    assert [r.span_id for r in records] == ["s0", "a0", "a1", "s4"] and owners == [0, 1, 1, 4]
    assert [(i, r.reason) for i, r in rejects] == [(2, "unsupported_version"), (3, "empty")]
    big = [_span(0), _span(1, name="x" * 200), _span(2)]
    records, owners, rejects = _batch(big, max_bytes=150)
    assert [r.span_id for r in records] == ["s0", "s2"] and owners == [0, 2]
    assert [(i, r.reason) for i, r in rejects] == [(1, "oversized")]
