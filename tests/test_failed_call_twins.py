"""One refused model call reported twice, one span inside the other, is one failed call.

An app that turns on both mistralai's own tracing and OpenInference's Mistral
instrumentation reports each call twice, the SDK's span of the request inside
OpenInference's span of the call: one call when both name the model. When the
API refuses the request, OpenInference's span names no model (it reads it
from the answer, and there is none), so the refused request showed as two
failed calls. A failed model call naming no model, whose only child is a
failed model call within its time, is that call reported again, whichever
arrives first; a model-less failed span around two failed calls (two
requests) and a failed span around a successful call stay apart. Two failed
reports of one refused request that do not nest (side by side under one parent,
or each the root of its own trace) are one failed call when their names differ;
one instrumentation's two requests refused at once stay two. So are two such
reports one inside an agent's tree and one the root of a trace of its own
(OpenInference's LangChain span and the anthropic SDK's), in either order. Spans from the
real OpenTelemetry SDK to the real OTLP receiver and store.
"""

from __future__ import annotations

import json

from opentelemetry.trace import Status, StatusCode

from agenttrace_tui.model import SpanKind
from agenttrace_tui.model import Status as SpanStatus
from agenttrace_tui.store.calls import MERGED_BY
from test_otlp_support import received

ERROR = Status(StatusCode.ERROR, "API error occurred: Status 400")
#: OpenInference's span of a refused call: the request's messages, no model, no usage.
OUTER = {"openinference.span.kind": "LLM", "llm.provider": "mistralai", "input.value": '{"messages": []}'}
#: The SDK's own span of the request: GenAI conventions, the model asked for.
INNER = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "mistral_ai",
         "gen_ai.request.model": "mistral-large-latest"}


def _send(tp) -> None:
    oi, sdk = tp.get_tracer("openinference.instrumentation.mistralai"), tp.get_tracer("mistralai_sdk_tracer")

    def outer(session: str):
        return oi.start_as_current_span("MistralClient.chat", attributes={**OUTER, "session.id": session},
                                        record_exception=False, set_status_on_exception=False)

    def inner(session: str, failed: bool = True):
        span = sdk.start_span("chat mistral-large-latest", attributes={
            **INNER, "session.id": session, "http.response.status_code": 400 if failed else 200})
        if failed:
            span.set_status(ERROR)
        return span

    # The refused call, the SDK's span ending (and exported) first.
    with outer("refused") as span:
        inner("refused").end()
        span.set_status(ERROR)
    # The same, OpenInference's span exported first (ended with an explicit later time).
    with oi.start_as_current_span("MistralClient.chat", attributes={**OUTER, "session.id": "outer-first"},
                                  end_on_exit=False) as span:
        late = inner("outer-first")
    span.set_status(ERROR)
    span.end(end_time=late.start_time + 10_000_000)  # type: ignore[attr-defined]
    tp.force_flush()
    late.end(end_time=late.start_time + 5_000_000)  # type: ignore[attr-defined]
    # Two requests refused inside one failed span naming no model: three failed spans, none folded.
    with outer("two-requests") as span:
        inner("two-requests").end()
        inner("two-requests").end()
        span.set_status(ERROR)
    # A failed span around a successful request: not a report of it.
    with outer("failed-around-ok") as span:
        inner("failed-around-ok", failed=False).end()
        span.set_status(ERROR)


async def test_a_refused_call_reported_inside_a_span_naming_no_model_is_one_failed_call() -> None:
    sessions = ("refused", "outer-first", "two-requests", "failed-around-ok")
    store = await received(_send, lambda store: all(store.sessions.get(s) is not None for s in sessions)
                           and store.span_count >= 7, "mistral-app")
    for session in ("refused", "outer-first"):
        (trace,) = store.traces_of(session)
        (call,) = trace.spans.values()
        assert call.kind is SpanKind.LLM_CALL and call.status is SpanStatus.ERROR, session
        assert call.llm is not None and call.llm.model == "mistral-large-latest", session
        assert MERGED_BY in call.attributes, session
        totals = store.sessions[session].totals
        assert (totals.llm_calls, totals.errors) == (1, 1), session
    two = store.sessions["two-requests"].totals
    assert (two.llm_calls, two.errors) == (3, 3)
    around = store.sessions["failed-around-ok"].totals
    assert (around.llm_calls, around.errors) == (2, 1)


#: A refused request reported by two instrumentations that do not nest (OpenLLMetry's LangChain
#: span and the anthropic SDK's own span of the request): both failed, same model, no usage, no id.
LANGCHAIN = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "claude-sonnet-4-5",
             "gen_ai.provider.name": "anthropic"}


def _send_beside(tp) -> None:
    lc, sdk = tp.get_tracer("opentelemetry.instrumentation.langchain"), tp.get_tracer("com.anthropic.sdk.python")

    def failed(tracer, name: str, session: str, **kw):
        span = tracer.start_span(name, attributes={**LANGCHAIN, "session.id": session}, **kw)
        span.set_status(ERROR)
        return span

    # Siblings under the chain that runs the model: the chat model's span around the SDK's in time.
    with lc.start_as_current_span("chain", attributes={"session.id": "siblings"}):
        outer = failed(lc, "ChatAnthropic.chat", "siblings")
        failed(sdk, "anthropic.messages.create", "siblings").end()
        outer.end()
    # Two requests of one instrumentation refused at once, side by side: two failed calls.
    with lc.start_as_current_span("chain", attributes={"session.id": "two-refused"}):
        first = failed(sdk, "anthropic.messages.create", "two-refused")
        failed(sdk, "anthropic.messages.create", "two-refused").end()
        first.end()
    # Each the root of a trace of its own (the SDK's span outside the instrumentation's context).
    from opentelemetry import context

    empty = context.Context()
    outer = failed(lc, "anthropic.chat", "roots", context=empty)
    failed(sdk, "anthropic.messages.create", "roots", context=empty).end()
    outer.end()


async def test_a_refused_request_reported_beside_itself_is_one_failed_call() -> None:
    sessions = ("siblings", "two-refused", "roots")
    store = await received(_send_beside, lambda store: all(store.sessions.get(s) is not None for s in sessions)
                           and store.span_count >= 6, "langchain-app")
    for session, calls in (("siblings", 1), ("two-refused", 2), ("roots", 1)):
        totals = store.sessions[session].totals
        assert (totals.llm_calls, totals.errors) == (calls, calls), session
    (merged,) = (s for t in store.traces_of("siblings") for s in t.spans.values() if s.kind is SpanKind.LLM_CALL)
    assert merged.status is SpanStatus.ERROR and MERGED_BY in merged.attributes


def _send_inside_and_alone(tp) -> None:
    """The refused request as OpenInference's LangChain instrumentation and the anthropic SDK's own
    span report it: the chat model's span inside the agent's tree, the SDK's span the root of a
    trace of its own (the instrumentation never makes its span current). Both orders of export."""
    from opentelemetry import context

    lc, sdk = tp.get_tracer("openinference.instrumentation.langchain"), tp.get_tracer("com.anthropic.sdk.python")

    def failed(tracer, name: str, session: str, **kw):
        span = tracer.start_span(name, attributes={**LANGCHAIN, "session.id": session}, **kw)
        span.set_status(ERROR)
        return span

    # The agent's trace exported first (the SDK's span held back, then ended within the chat span's time).
    with lc.start_as_current_span("LangGraph", attributes={"session.id": "tree-first"}) as graph:
        chat = failed(lc, "ChatAnthropic", "tree-first")
        late = failed(sdk, "anthropic.messages.create", "tree-first", context=context.Context())
        chat.end(end_time=late.start_time + 10_000_000)  # type: ignore[attr-defined]
        graph.set_status(ERROR)
    tp.force_flush()
    late.end(end_time=late.start_time + 5_000_000)  # type: ignore[attr-defined]
    tp.force_flush()
    # The SDK's span ends (and is exported) first, as the recording has it.
    with lc.start_as_current_span("LangGraph", attributes={"session.id": "alone-first"}) as graph:
        chat = failed(lc, "ChatAnthropic", "alone-first")
        failed(sdk, "anthropic.messages.create", "alone-first", context=context.Context()).end()
        tp.force_flush()
        chat.end()
        graph.set_status(ERROR)
    tp.force_flush()
    # Two requests refused at once, each alone in a trace, beside one inside the tree: which of the
    # two is the tree's call cannot be told, so all three stay. (Sent last: its four spans arrived, all did.)
    with lc.start_as_current_span("LangGraph", attributes={"session.id": "two-alone"}):
        chat = failed(lc, "ChatAnthropic", "two-alone")
        first = failed(sdk, "anthropic.messages.create", "two-alone", context=context.Context())
        failed(sdk, "anthropic.messages.create", "two-alone", context=context.Context()).end()
        first.end()
        chat.end()


def _all_sent(store) -> bool:
    return (all(store.sessions.get(s) is not None for s in ("tree-first", "alone-first", "two-alone"))
            and sum(len(t.spans) for t in store.traces_of("two-alone")) == 4)


async def test_a_refused_request_inside_the_agents_tree_and_alone_in_a_trace_is_one_failed_call() -> None:
    store = await received(_send_inside_and_alone, _all_sent, "langgraph-app")
    for session in ("alone-first", "tree-first"):
        calls = [s for t in store.traces_of(session) for s in t.spans.values() if s.kind is SpanKind.LLM_CALL]
        (call,) = calls
        # The call keeps its place in the agent's tree, failed, with the model both named.
        assert call.parent_span_id is not None and call.status is SpanStatus.ERROR, session
        assert call.llm is not None and call.llm.model == "claude-sonnet-4-5", session
        assert MERGED_BY in call.attributes, session
        assert store.sessions[session].totals.llm_calls == 1, session
    assert store.sessions["two-alone"].totals.llm_calls == 3


#: OpenInference's Guardrails span of a guard's LLM callable (``LiteLLMCallable.__call__``): kind LLM, the
#: callable's arguments as its input, no model, no messages, no usage.
GUARD_CALLABLE = {"openinference.span.kind": "LLM", "input.value": json.dumps({"msg_history": [
    {"role": "system", "content": "Extract the weather report."}, {"role": "user", "content": "Paris: sunny, 22 C."}]})}
#: OpenInference's OpenAI span of the refused request inside it: the request's messages, the model only in its
#: request parameters (it reads the model from the answer).
GUARD_REQUEST = {"openinference.span.kind": "LLM", "llm.system": "openai",
                 "llm.invocation_parameters": '{"model": "gpt-4o-mini", "temperature": 0}',
                 "llm.input_messages.0.message.role": "system",
                 "llm.input_messages.0.message.content": "Extract the weather report.",
                 "llm.input_messages.1.message.role": "user",
                 "llm.input_messages.1.message.content": "Paris: sunny, 22 C."}


def _send_guard(tp) -> None:
    gr, oa = tp.get_tracer("openinference.instrumentation.guardrails"), tp.get_tracer("openinference.instrumentation.openai")

    def callable_span(session: str, **kw):
        return gr.start_as_current_span("LiteLLMCallable.__call__", attributes={**GUARD_CALLABLE, "session.id": session},
                                        record_exception=False, set_status_on_exception=False, **kw)

    def request(session: str):
        span = oa.start_span("ChatCompletion", attributes={**GUARD_REQUEST, "session.id": session})
        span.set_status(ERROR)
        return span

    # The request's span ends (and is exported) first, as the SDK's batch sends them.
    with callable_span("guard-inner-first") as span:
        request("guard-inner-first").end()
        span.set_status(ERROR)
    # The callable's span exported first (ended with an explicit later time).
    with callable_span("guard-outer-first", end_on_exit=False) as span:
        late = request("guard-outer-first")
    span.set_status(ERROR)
    span.end(end_time=late.start_time + 10_000_000)  # type: ignore[attr-defined]
    tp.force_flush()
    late.end(end_time=late.start_time + 5_000_000)  # type: ignore[attr-defined]


async def test_a_refused_call_inside_a_span_naming_no_model_shows_the_requests_messages() -> None:
    """The outer report names no model: it did not read the request (Guardrails' span of its LLM callable
    keeps the callable's arguments as JSON); the request's span inside it did. The refused call shows the
    request's messages, not the callable's arguments, whichever report arrives first."""
    sessions = ("guard-inner-first", "guard-outer-first")
    store = await received(_send_guard, lambda store: all(store.sessions.get(s) is not None for s in sessions)
                           and store.span_count >= 2, "guard-app")
    for session in sessions:
        (trace,) = store.traces_of(session)
        (call,) = trace.spans.values()
        assert call.kind is SpanKind.LLM_CALL and call.status is SpanStatus.ERROR, session
        assert call.llm is not None and call.llm.model == "gpt-4o-mini", session
        prompt = call.llm.prompt_preview or ""
        assert "Paris: sunny, 22 C." in prompt and "msg_history" not in prompt, (session, prompt)
        totals = store.sessions[session].totals
        assert (totals.llm_calls, totals.errors) == (1, 1), session
