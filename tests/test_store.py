"""The in-memory store: merging, out-of-order arrival, aggregates, eviction."""

from __future__ import annotations

from agenttrace_tui.model import (
    AttachedEvent,
    Cost,
    LlmInfo,
    Session,
    Span,
    SpanEvent,
    SpanKind,
    Status,
    TokenUsage,
    ToolInfo,
)
from agenttrace_tui.store.entries import DEFAULT_SESSION
from agenttrace_tui.store.memory import Store


def span(sid: str, tid: str = "t1", parent: str | None = None, **kw) -> Span:
    kw.setdefault("name", sid)
    kw.setdefault("start_ns", 1_000)
    kw.setdefault("end_ns", 2_000)
    return Span(span_id=sid, trace_id=tid, session_id=kw.pop("session_id", "s1"), parent_span_id=parent, **kw)


def test_child_before_parent_is_attached_when_parent_arrives() -> None:
    st = Store()
    st.apply([span("child", parent="root")])
    trace = st.trace("t1")
    assert trace.roots() == ["child"]  # an orphan shows at the top until its parent comes
    st.apply([span("root")])
    assert trace.roots() == ["root"]
    assert trace.children["root"] == ["child"]


def test_start_then_end_merges_into_one_span_with_duration() -> None:
    st = Store()
    st.apply([span("a", end_ns=None, status=Status.RUNNING, kind=SpanKind.LLM_CALL, usage=TokenUsage(input=100))])
    assert st.totals.running == 1
    end = Span(span_id="a", trace_id="t1", session_id="", name="", start_ns=0, end_ns=5_000, usage=TokenUsage(output=7))
    st.apply([end])
    got = st.span("t1", "a")
    assert got.duration_ns() == 4_000
    assert got.kind is SpanKind.LLM_CALL and got.status is Status.OK
    assert (got.usage.input, got.usage.output, got.usage.total) == (100, 7, 107)
    assert st.span_count == 1 and st.totals.running == 0
    assert st.totals.input_tokens == 100 and st.totals.output_tokens == 7


def test_end_before_start_keeps_the_end() -> None:
    st = Store()
    st.apply([Span(span_id="a", trace_id="t1", session_id="s1", name="", start_ns=0, end_ns=9_000)])
    assert st.span("t1", "a").duration_ns() == 0  # a span_end alone still yields a span
    st.apply([span("a", end_ns=None, status=Status.RUNNING, start_ns=4_000)])
    got = st.span("t1", "a")
    assert got.end_ns == 9_000 and got.status is Status.OK and got.name == "a"
    assert got.duration_ns() == 5_000


def test_repeated_span_merges_and_aggregates_do_not_double() -> None:
    st = Store()
    s = span("a", kind=SpanKind.LLM_CALL, usage=TokenUsage(input=10, output=5), cost=Cost(total=0.5))
    st.apply([s])
    st.apply([span("a", kind=SpanKind.LLM_CALL, usage=TokenUsage(input=10, output=5), cost=Cost(total=0.5))])
    assert st.span_count == 1
    sess = st.session("s1")
    assert sess.totals.spans == 1 and sess.totals.tokens == 15 and sess.totals.cost == 0.5


def test_subtree_usage_is_shown_but_not_summed() -> None:
    st = Store()
    st.apply(
        [
            span("agent", kind=SpanKind.AGENT, usage=TokenUsage(input=30, output=30, scope="subtree")),
            span("l1", parent="agent", kind=SpanKind.LLM_CALL, usage=TokenUsage(input=10, output=10)),
            span("l2", parent="agent", kind=SpanKind.LLM_CALL, usage=TokenUsage(input=20, output=20)),
        ]
    )
    assert st.trace("t1").totals.tokens == 60
    assert st.span("t1", "agent").usage.sum == 60


def test_breakdown_by_model_and_kind() -> None:
    st = Store()
    st.apply(
        [
            span("a", kind=SpanKind.LLM_CALL, llm=LlmInfo(model="m1", provider="p"), usage=TokenUsage(input=1, output=1), cost=Cost(total=1.0)),
            span("b", kind=SpanKind.LLM_CALL, llm=LlmInfo(model="m2", provider="p"), usage=TokenUsage(input=1, output=1), cost=Cost(total=3.0)),
            span("c", kind=SpanKind.TOOL_EXECUTION, status=Status.ERROR),
        ]
    )
    models = st.totals.breakdown("model")
    assert [m for m, _ in models] == ["m2", "m1"]
    assert st.totals.breakdown("provider")[0][1].cost == 4.0
    assert dict((k, b.spans) for k, b in st.totals.breakdown("kind")) == {"llm_call": 2, "tool_execution": 1}
    assert st.totals.errors == 1


def test_eviction_drops_oldest_whole_traces_and_counts() -> None:
    st = Store(max_spans=10)
    for t in range(6):
        st.apply([span(f"s{i}", tid=f"t{t}", usage=TokenUsage(input=1)) for i in range(3)])
    assert st.span_count <= 10
    assert st.evicted_traces == 3 and st.evicted_spans == 9
    assert list(st.traces) == ["t3", "t4", "t5"]
    assert st.session("s1").totals.spans == 9 and st.session("s1").totals.input_tokens == 9
    assert st.totals.spans == 9


def test_events_wait_for_their_span() -> None:
    st = Store()
    st.apply([AttachedEvent(trace_id="t1", span_id="a", event=SpanEvent(name="early", time_ns=1))])
    assert "t1" not in st.traces
    st.apply([span("a")])
    st.apply([AttachedEvent(trace_id="t1", span_id="a", event=SpanEvent(name="late", time_ns=2))])
    assert [e.name for e in st.span("t1", "a").events] == ["early", "late"]


def _logged(name: str, body: str, span_id: str = "a", t: int = 1) -> AttachedEvent:
    """A per-message GenAI event logged in a span, as the OTLP logs receiver attaches it."""
    return AttachedEvent(trace_id="t1", span_id=span_id, event=SpanEvent(name=name, time_ns=t, attributes={"body": body}))


def test_messages_logged_in_a_model_call_are_its_previews_in_any_order() -> None:
    """Semantic Kernel logs a call's messages as records in its span, some before the span
    is exported, some after: each side's preview is all of them, in order."""
    st = Store()
    st.apply([_logged("gen_ai.system.message", '{"role": "system", "content": "Be brief."}'),
              _logged("gen_ai.user.message", '{"role": "user", "content": "Weather in Paris?"}', t=2)])
    st.apply([span("a", kind=SpanKind.LLM_CALL, llm=LlmInfo(model="gpt-4o-mini"))])
    st.apply([_logged("gen_ai.tool.message", '{"role": "tool", "content": "Sunny"}', t=3),
              _logged("gen_ai.choice", '{"message": {"role": "assistant", "tool_calls": [{"id": "c1", '
                      '"type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}}', t=4)])
    llm = st.span("t1", "a").llm
    assert llm.model == "gpt-4o-mini"
    assert llm.prompt_preview == "system: Be brief.\nuser: Weather in Paris?\ntool: Sunny"
    assert llm.response_preview == "assistant: [tool_call get_weather({})]"
    assert len(st.span("t1", "a").events) == 4  # kept as events too


def test_a_calls_own_messages_win_over_the_ones_it_logged() -> None:
    """Microsoft Agent Framework sends both: its span's messages are the previews, not doubled."""
    st = Store()
    st.apply([_logged("gen_ai.user.message", '{"content": "hi"}')])
    st.apply([span("a", kind=SpanKind.LLM_CALL, llm=LlmInfo(prompt_preview="user: hi"))])
    st.apply([_logged("gen_ai.user.message", '{"content": "again"}', t=2),
              _logged("gen_ai.choice", '{"message": {"content": "hello"}}', t=3)])
    llm = st.span("t1", "a").llm
    assert llm.prompt_preview == "user: hi"
    assert llm.response_preview == "hello"


def test_a_calls_message_detail_log_record_gives_its_previews_whenever_it_arrives() -> None:
    """The GenAI conventions send a call's messages as a log record naming its span (Google ADK)."""
    details = SpanEvent(name="gen_ai.client.inference.operation.details", time_ns=1, attributes={
        "gen_ai.input.messages": [{"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}],
        "gen_ai.output.messages": [{"role": "assistant", "parts": [{"type": "text", "content": "Sunny."}]}],
    })
    call = {"kind": SpanKind.LLM_CALL, "llm": LlmInfo(model="gemini-2.5-flash")}
    st = Store()
    st.apply([AttachedEvent(trace_id="t1", span_id="early", event=details)])
    st.apply([span("early", **call), span("late", **call)])
    st.apply([AttachedEvent(trace_id="t1", span_id="late", event=details)])
    for sid in ("early", "late"):
        llm = st.span("t1", sid).llm
        assert llm is not None and llm.model == "gemini-2.5-flash"
        assert (llm.prompt_preview, llm.response_preview) == ("user: Weather in Paris?", "assistant: Sunny.")
    # The span's own text is kept over the event's.
    st.apply([span("own", kind=SpanKind.LLM_CALL, llm=LlmInfo(prompt_preview="mine", response_preview="mine too"))])
    st.apply([AttachedEvent(trace_id="t1", span_id="own", event=details)])
    llm = st.span("t1", "own").llm
    assert llm is not None and (llm.prompt_preview, llm.response_preview) == ("mine", "mine too")


def test_a_tool_calls_record_logged_in_its_span_gives_its_arguments_whenever_it_arrives() -> None:
    """Qwen Code sends a tool call's arguments only in its ``tool_call`` event, logged inside its tool
    span: they are the call's arguments, on one line, before or after the span came; a record of another
    call (another call id) gives nothing, and the span's own arguments are kept over the record's."""
    def record(call_id: str, span_id: str) -> AttachedEvent:
        return AttachedEvent(trace_id="t1", span_id=span_id, event=SpanEvent(name="qwen-code.tool_call", time_ns=1,
                             attributes={"call_id": call_id, "function_name": "mcp__weather__get_weather",
                                         "function_args": '{\n  "city": "Paris"\n}', "tool_type": "mcp"}))

    def tool(span_id: str, **kw: object) -> Span:
        return span(span_id, kind=SpanKind.TOOL_EXECUTION,
                    tool=ToolInfo(name="mcp__weather__get_weather", call_id=f"call_{span_id}", **kw))

    st = Store()
    st.apply([record("call_early", "early")])
    st.apply([tool("early"), tool("late"), tool("other"), tool("own", input_preview='{"city":"Lyon"}')])
    st.apply([record("call_late", "late"), record("call_1", "other"), record("call_own", "own")])
    previews = {sid: st.span("t1", sid).tool.input_preview for sid in ("early", "late", "other", "own")}
    assert previews == {"early": '{"city":"Paris"}', "late": '{"city":"Paris"}', "other": None,
                        "own": '{"city":"Lyon"}'}
    assert [e.name for e in st.span("t1", "late").events] == ["qwen-code.tool_call"]  # kept as an event too


def test_trace_moves_to_the_session_a_later_span_names() -> None:
    st = Store()
    st.apply([span("child", parent="root", session_id="")])
    assert st.trace("t1").session_id == DEFAULT_SESSION
    st.apply([span("root", session_id="real")])
    assert st.trace("t1").session_id == "real"
    assert st.session("real").totals.spans == 2
    assert DEFAULT_SESSION not in st.sessions


def test_change_counters_mark_only_what_changed() -> None:
    st = Store()
    st.apply([span("a", tid="t1"), span("b", tid="t2", session_id="s2")])
    v = st.version
    st.apply([span("c", tid="t2", session_id="s2")])
    assert st.version == v + 1
    assert st.trace("t2").version == st.version and st.trace("t1").version == v
    assert st.session("s2").version == st.version and st.session("s1").version == v


def test_session_metadata_merges() -> None:
    st = Store()
    st.apply([Session(id="s1", name="coder", framework="x", started_ns=5)])
    st.apply([Session(id="s1", ended_ns=99)])
    sess = st.session("s1").session
    assert (sess.name, sess.framework, sess.started_ns, sess.ended_ns) == ("coder", "x", 5, 99)
    assert st.session("s1").status(now_ns=100) == "done"


def test_a_session_report_saying_what_the_session_says_changes_nothing_and_others_merge() -> None:
    """An exporter's resource says the same of its session with every request: a record that says
    what the session says already leaves it as it was (nothing to draw or write again); after
    another record changed it, the first one's values are merged as they always were (they win again)."""
    st = Store()
    first = Session(id="s1", service="svc", framework="langgraph", attributes={"k": "a", "host.name": "h"})
    st.apply([first, span("x")])
    entry = st.sessions["s1"]
    drained = st.drain_dirty()[1]
    assert [(s.id, s.attributes) for s in drained] == [("s1", {"k": "a", "host.name": "h"})]
    version, session = entry.version, entry.session
    st.apply([Session(id="s1", service="svc", framework="langgraph", attributes={"k": "a", "host.name": "h"})])
    assert entry.session is session and entry.version == version
    assert st.drain_dirty()[1] == []
    st.apply([Session(id="s1", attributes={"k": "b"})])
    assert entry.session.attributes == {"k": "b", "host.name": "h"}
    st.apply([Session(id="s1", service="svc", framework="langgraph", attributes={"k": "a", "host.name": "h"})])
    assert entry.session.attributes == {"k": "a", "host.name": "h"} and entry.version > version
    assert [s.attributes["k"] for s in st.drain_dirty()[1]] == ["a"]
