"""Typed parts in normalize: the no-copy fast path agrees with the general path.

Native records that carry typed parts and no convention attributes skip the
attribute table and reuse the decoded part objects; records with convention
attributes merge both, explicit fields winning over conventions.
"""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agenttrace_tui.ingest.protocol import decode, encode
from agenttrace_tui.model import AgentInfo, Cost, FileInfo, LlmInfo, RagInfo, SpanEnd, SpanKind, TokenUsage, ToolInfo
from agenttrace_tui.normalize import native as norm
from agenttrace_tui.normalize.records import SpanEndRecord, SpanRecord, SpanStartRecord
from test_protocol import agent, attributes, common, cost, file, ids, llm, ns, opt, rag, span_records, tool, usage

#: span_end records with nothing but ids, times and status (what ends a live span), valid or not.
bare_ends = st.builds(
    SpanEndRecord,
    trace_id=ids,
    span_id=ids,
    session_id=opt(ids),
    parent_span_id=opt(ids),
    start_ns=opt(ns),
    end_ns=ns,
    status=opt(st.one_of(st.sampled_from(["ok", "OK", "Error", "running", "timeout", "cancelled"]), st.text(max_size=8))),
    status_message=opt(st.text(max_size=20)),
    status_code=opt(st.one_of(st.just(""), st.text(max_size=5))),
    **common,
)


def _span(**kw: object) -> SpanRecord:
    return SpanRecord(v=1, trace_id="t", span_id="s", name="work", start_ns=1, end_ns=2, **kw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(span_records)
def test_fast_path_equals_general_path(rec: SpanRecord) -> None:
    # Re-decode so each path gets its own objects (the fast path reuses them).
    (a,), _ = decode(encode(rec), max_bytes=1 << 20)
    (b,), _ = decode(encode(rec), max_bytes=1 << 20)
    if a.attributes and not norm._CONVENTION_KEYS.isdisjoint(a.attributes):
        return  # the general path is the only path then
    try:
        fast = norm._build_parts(a)
    except norm.NormalizeError as exc:
        try:
            norm._merge_conventions(b, b.attributes)
        except norm.NormalizeError as exc2:
            assert str(exc) == str(exc2)
            return
        raise AssertionError("only the fast path refused the record") from None
    assert fast == norm._merge_conventions(b, b.attributes)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(span_records)
def test_typed_span_equals_general_span(rec: SpanRecord) -> None:
    # The model-shape fast path (what normalize() takes for records without
    # convention attributes) builds the same Span, or refuses with the same reason.
    (a,), _ = decode(encode(rec), max_bytes=1 << 20)
    (b,), _ = decode(encode(rec), max_bytes=1 << 20)
    try:
        fast = norm.normalize([a])
    except Exception as exc:  # noqa: BLE001 - normalize never raises: report it as such
        raise AssertionError(f"normalize raised {exc!r}") from None
    try:
        general = [norm._general_span(b)]
    except norm.NormalizeError as exc:
        assert fast[0] == [] and [r.detail for r in fast[1]] == [str(exc)]
        return
    out, bad = fast
    if out and isinstance(out[0], SpanEnd):
        # A span_end that says only how its span ended: that end of the same span.
        assert isinstance(b, SpanEndRecord) and not (b.session_id or b.parent_span_id or b.start_ns)
        out = [out[0].as_span()]
    assert (out, bad) == (general, [])


#: The shape most span records have (an exact kind and status, typed parts, usage, a cost,
#: nothing else optional), which normalize() builds inline; near misses too: kinds by another
#: name, statuses in capitals, an empty part, a tool given by its name alone, an end before its
#: start, a message or a code.
_kinds = st.sampled_from([k.value for k in SpanKind] + ["", "LLM", "llm", "tool", "nonsense"])
_statuses = st.sampled_from(["ok", "error", "running", "timeout", "cancelled", "OK", "Error", "bogus"])
_common_shape = dict(
    common, trace_id=ids, span_id=ids, parent_span_id=opt(ids),
    session_id=opt(ids), kind=opt(_kinds), status=opt(_statuses),
    llm=opt(st.just(LlmInfo()) | llm), tool=opt(st.just(ToolInfo()) | tool), usage=opt(usage), cost=opt(cost),
    agent=st.none() | st.none() | agent | st.just(AgentInfo()), rag=st.none() | st.none() | rag | st.just(RagInfo()),
    file=st.none() | st.none() | file | st.just(FileInfo()),
    attributes=attributes,
    status_message=st.none() | st.none() | st.just("m"), status_code=st.none() | st.none() | st.just("E1"),
)
common_span_records = st.one_of(
    st.builds(SpanRecord, name=st.text(max_size=10), start_ns=ns | st.just(0), end_ns=ns, **_common_shape),
    st.builds(SpanStartRecord, name=st.text(max_size=10), start_ns=ns, **_common_shape),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(common_span_records)
def test_common_span_shape_equals_general_span(rec: SpanRecord) -> None:
    test_typed_span_equals_general_span.hypothesis.inner_test(rec)  # type: ignore[attr-defined]


#: span_end records that bring typed parts and usage but no name or kind (what our SDK sends to end a
#: live span over a stream), which normalize() builds inline; near misses too: empty parts, a tool
#: given by its name alone, statuses in capitals, an end before its start, a name, a kind, a cost.
_rarely = lambda s: st.none() | st.none() | st.none() | st.none() | s  # noqa: E731
_named_tool = st.builds(ToolInfo, name=st.text(min_size=1, max_size=10), status=opt(st.text(max_size=5)))
sdk_ends = st.builds(
    SpanEndRecord,
    **dict(_common_shape, name=_rarely(st.just("work")), kind=_rarely(_kinds), cost=_rarely(cost),
           status=st.sampled_from([None, "ok", "error", "timeout"]) | _rarely(_statuses),
           llm=_rarely(llm | st.just(LlmInfo())), tool=_rarely(_named_tool | tool | st.just(ToolInfo())),
           agent=_rarely(agent | st.just(AgentInfo())), rag=_rarely(rag | st.just(RagInfo())),
           file=_rarely(file | st.just(FileInfo())), usage=opt(usage),
           attributes=st.just({}) | st.just({}) | attributes),
    # Mostly an end after its start (or with no start), sometimes one before it.
    start_ns=opt(st.integers(min_value=0, max_value=2000)), end_ns=st.integers(min_value=1000, max_value=3000),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sdk_ends)
def test_sdk_span_end_shape_equals_general_span(rec: SpanEndRecord) -> None:
    test_typed_span_equals_general_span.hypothesis.inner_test(rec)  # type: ignore[attr-defined]


def test_explicit_fields_win_and_conventions_fill_the_rest() -> None:
    rec = _span(
        usage=TokenUsage(output=5),
        llm=LlmInfo(model="explicit-model"),
        attributes={"gen_ai.usage.input_tokens": 100, "gen_ai.request.model": "attr-model", "other": 1},
    )
    span = norm.span_from_record(rec)
    assert (span.usage.input, span.usage.output, span.usage.total) == (100, 5, 105)
    assert span.llm.model == "explicit-model"
    assert span.attributes == {"other": 1}
    assert span.kind is SpanKind.LLM_CALL


def test_empty_parts_are_absent_and_tool_name_string_is_a_tool() -> None:
    span = norm.span_from_record(_span(llm=LlmInfo(), tool="grep"))
    assert span.llm is None
    assert span.tool == ToolInfo(name="grep")
    assert span.kind is SpanKind.TOOL_EXECUTION
    assert norm.span_from_record(_span(tool={})).tool is None
    assert norm.span_from_record(_span(usage=TokenUsage())).usage == TokenUsage()


def test_bad_tool_is_a_normalize_error() -> None:
    out, bad = norm.normalize([_span(tool=42)])
    assert out == [] and [r.reason for r in bad] == ["invalid_field"]
    assert "tool" in bad[0].detail


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bare_ends)
def test_bare_span_end_short_path_equals_bare_end(rec: SpanEndRecord) -> None:
    # normalize() takes a short path for a span_end with only ids, times and
    # status; it must build what _bare_end builds (the general path's answer
    # for such a record), or refuse it with the same reason. One that names no
    # session, parent or start is a SpanEnd: the end of that same span.
    (a,), _ = decode(encode(rec), max_bytes=1 << 20)
    (b,), _ = decode(encode(rec), max_bytes=1 << 20)
    got = norm.normalize([a])
    try:
        want = [norm._general_span(b)]
    except norm.NormalizeError as exc:
        assert got[0] == [] and [r.detail for r in got[1]] == [str(exc)]
        return
    (out,), bad = got
    assert isinstance(out, SpanEnd) is not bool(b.session_id or b.parent_span_id or b.start_ns)
    if isinstance(out, SpanEnd):
        out = out.as_span()
    assert ([out], bad) == (want, [])
    assert msgspec.structs.asdict(out) == msgspec.structs.asdict(want[0])


def test_a_span_end_that_sends_its_extras_empty_is_still_bare() -> None:
    # A bare end is one whose every extra field is absent or empty (normalize tests each);
    # an extra sent but empty (as some senders write them) must still give the same
    # SpanEnd, and one sent with a value must not.
    base = '{"v":1,"type":"span_end","trace_id":"t1","span_id":"s1","end_ns":2000,"status":"OK"%s}'
    (bare,), _ = decode(base.encode() % b"", max_bytes=1 << 20)
    (want,), bad = norm.normalize([bare])
    assert bad == [] and want == SpanEnd("t1", "s1", 2000)
    for empty in ('"name":""', '"kind":""', '"start_ns":0', '"attributes":{}', '"events":[]',
                  '"links":[]', '"llm":null'):
        (rec,), _ = decode((base % ("," + empty)).encode(), max_bytes=1 << 20)
        assert norm.normalize([rec]) == ([want], []), empty
    for extra in ('"name":"chat"', '"attributes":{"k":1}', '"session_id":"s"', '"usage":{"input":3}'):
        (rec,), _ = decode((base % ("," + extra)).encode(), max_bytes=1 << 20)
        (out,), bad = norm.normalize([rec])
        assert bad == [] and not isinstance(out, SpanEnd), extra


@pytest.mark.parametrize("tool", [ToolInfo(), ToolInfo(name=""), ToolInfo(name="grep", call_id="c1"), "bash"])
def test_a_tool_part_as_decoded_takes_the_inline_case_only_when_named(tool: object) -> None:
    rec = SpanRecord(v=1, trace_id="t", span_id="s", name="run", kind="tool_execution", status="ok", start_ns=1,
                     end_ns=2, tool=tool)
    (a,), _ = decode(encode(rec), max_bytes=1 << 20)
    (b,), _ = decode(encode(rec), max_bytes=1 << 20)
    assert norm.normalize([a]) == ([norm._general_span(b)], [])


def test_spans_built_by_position_put_each_field_in_its_place() -> None:
    """normalize() builds its common spans with Span's fields by position (a call by keyword costs
    more): each inline case, with every field it sets set to a value of its own, gives the span its
    reference path builds by keyword. Fails if Span's fields move or a call misses one."""
    def parts(tag: str) -> dict:
        return dict(llm=LlmInfo(provider=f"p{tag}", model=f"m{tag}"), tool=ToolInfo(name=f"t{tag}"),
                    agent=AgentInfo(name=f"a{tag}"), rag=RagInfo(query=f"q{tag}"), file=FileInfo(path=f"f{tag}"))

    rec = SpanRecord(v=1, trace_id="t", span_id="s", session_id="sess", parent_span_id="par", name="n", kind="llm_call",
                     status="error", start_ns=5, end_ns=9, usage=TokenUsage(input=3, output=4), cost=Cost(total=1.5),
                     attributes={"k": 1}, **parts("1"))
    twin = msgspec.structs.replace(rec)
    (got,), bad = norm.normalize([rec])
    assert not bad and got == norm._general_span(twin)
    assert (got.rag.query, got.file.path, got.agent.name, got.parent_span_id) == ("q1", "f1", "a1", "par")

    start = SpanStartRecord(v=1, trace_id="t", span_id="s", session_id="sess", parent_span_id="par", name="n",
                            kind="tool_execution", start_ns=5, attributes={"k": 1}, **parts("1"))
    end = SpanEndRecord(v=1, trace_id="t", span_id="s", end_ns=9, status="timeout", status_message="slow",
                        status_code="E9", usage=TokenUsage(input=3, output=4), **parts("2"))
    (got,), bad = norm.normalize([(start, end, b"")])  # type: ignore[list-item]
    ref = norm._end_into(norm.span_from_record(msgspec.structs.replace(start, **{k: msgspec.structs.replace(v)
                                                                                for k, v in parts("1").items()})),
                         end, norm.STATUS_OF["timeout"])
    assert not bad and got == ref
    assert (got.status_message, got.status_code, got.end_ns, got.rag.query, got.file.path) == ("slow", "E9", 9, "q2", "f2")

    end = SpanEndRecord(v=1, trace_id="t", span_id="s", session_id="sess", parent_span_id="par", start_ns=5, end_ns=9,
                        status="error", status_message="boom", status_code="E1", usage=TokenUsage(input=3, output=4),
                        **parts("3"))
    (got,), bad = norm.normalize([end])
    assert not bad and got == norm._typed_span(msgspec.structs.replace(end), {})
    assert (got.status_message, got.status_code, got.kind, got.name) == ("boom", "E1", SpanKind.CUSTOM, "")
