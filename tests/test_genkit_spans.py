"""Genkit's own tracing, as its spans arrive: every action a span of ``genkit:*`` attributes, no GenAI ones.

Genkit (npm ``genkit``; its tracer is ``genkit-tracer``) traces each action it runs: a flow
(``genkit:metadata:subtype`` ``flow``), Genkit's ``generate`` steps (``genkit:type`` ``util``: one per turn
of ``ai.generate``'s tool loop, each later turn inside the one before, its output repeating the last
call's usage), a model's action (subtype ``model``, named ``<plugin>/<model>``, the usage only in its
output JSON; the OpenAI-compatible plugin keeps the API's answer there as ``raw``, the cached tokens only
in it) and a tool's (subtype ``tool``, its text result JSON-quoted). Sent through the real OTel SDK, over
OTLP/HTTP protobuf and JSON, to a real receiver with the monitor's enrichers.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import StatusCode

from agenttrace_tui.model import SpanKind, Status
from agenttrace_tui.store.memory import Store
from test_otlp_support import received

SYSTEM = {"role": "system", "content": [{"text": "Answer weather questions with the get_weather tool."}]}
USER = {"role": "user", "content": [{"text": "What is the weather in Paris?"}]}
CALL = {"role": "model", "content": [{"toolRequest": {"name": "get_weather", "ref": "call_1", "input": {"city": "Paris"}}}]}
RESULT = {"role": "tool", "content": [{"toolResponse": {"name": "get_weather", "ref": "call_1", "output": "Sunny, 22 C in Paris"}}]}
ANSWER = {"role": "model", "content": [{"text": "It is sunny, 22 C in Paris."}]}


def _usage(inp: int, out: int, cached: int) -> tuple[dict, dict]:
    """Genkit's usage of a call and the OpenAI Chat Completions usage the plugin got (its ``raw``)."""
    return ({"inputTokens": inp, "outputTokens": out, "totalTokens": inp + out},
            {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": inp + out,
             "prompt_tokens_details": {"cached_tokens": cached}})


def _action(kind: str, name: str, path: str, inp: object, out: object | None = None) -> dict[str, object]:
    attrs: dict[str, object] = {"genkit:type": "action", "genkit:metadata:subtype": kind, "genkit:key": f"/{kind}/{name}",
                                "genkit:name": name, "genkit:path": path, "genkit:input": json.dumps(inp),
                                "genkit:state": "success"}
    if out is not None:
        attrs["genkit:output"] = json.dumps(out)
    return attrs


def _generate(path: str, messages: list, answer: dict, usage: dict) -> dict[str, object]:
    return {"genkit:type": "util", "genkit:name": "generate", "genkit:path": path, "genkit:state": "success",
            "genkit:input": json.dumps({"model": "openai/gpt-4o-mini", "messages": messages}),
            "genkit:output": json.dumps({"message": answer, "finishReason": "stop", "usage": usage})}


def _turn(tp: TracerProvider) -> None:
    """A flow around one ``ai.generate`` with a tool: two model calls and the tool, as Genkit nests them."""
    tracer = tp.get_tracer("genkit-tracer", "v1")
    flow_path = "/{weatherFlow,t:flow}"
    gen1 = flow_path + "/{generate,t:util}"
    gen2 = gen1 + "/{generate,t:util}"
    usage1, raw1 = _usage(1234, 56, 200)
    usage2, raw2 = _usage(1400, 78, 300)
    flow = {**_action("flow", "weatherFlow", flow_path, "What is the weather in Paris?", "It is sunny, 22 C in Paris."),
            "genkit:isRoot": True}
    with (tracer.start_as_current_span("weatherFlow", attributes=flow),
          tracer.start_as_current_span("generate", attributes=_generate(gen1, [SYSTEM, USER], ANSWER, usage2))):
        tracer.start_span("openai/gpt-4o-mini", attributes=_action(
            "model", "openai/gpt-4o-mini", gen1 + "/{openai/gpt-4o-mini,t:action,s:model}",
            {"messages": [SYSTEM, USER]},
            {"finishReason": "stop", "message": CALL, "usage": usage1, "raw": {"usage": raw1}})).end()
        tracer.start_span("get_weather", attributes=_action(
            "tool", "get_weather", gen1 + "/{get_weather,t:action,s:tool}", {"city": "Paris"},
            "Sunny, 22 C in Paris")).end()
        with tracer.start_as_current_span("generate", attributes=_generate(
                gen2, [SYSTEM, USER, CALL, RESULT], ANSWER, usage2)):
            tracer.start_span("openai/gpt-4o-mini", attributes=_action(
                "model", "openai/gpt-4o-mini", gen2 + "/{openai/gpt-4o-mini,t:action,s:model}",
                {"messages": [SYSTEM, USER, CALL, RESULT]},
                {"finishReason": "stop", "message": ANSWER, "usage": usage2, "raw": {"usage": raw2}})).end()


async def _received(json_: bool) -> Store:
    return await received(_turn, lambda store: store.span_count >= 6, "weather-app", priced=True, json=json_,
                          **{"process.pid": 4242})


def _spans(store: Store) -> list:
    return sorted((s for e in store.sessions.values() for t in store.traces_of(e.session.id) for s in t.spans.values()),
                  key=lambda s: s.start_ns)


@pytest.fixture(scope="module", params=[False, True], ids=["protobuf", "json"])
def store(request: pytest.FixtureRequest) -> Store:
    return asyncio.run(_received(request.param))


def test_each_model_action_is_one_call_with_the_usage_of_its_output(store: Store) -> None:
    calls = [s for s in _spans(store) if s.kind is SpanKind.LLM_CALL]
    assert [(c.llm.provider, c.llm.model) for c in calls] == [("openai", "gpt-4o-mini")] * 2
    assert [(c.usage.input, c.usage.output, c.usage.cache_read) for c in calls] == [(1234, 56, 200), (1400, 78, 300)]
    (entry,) = store.sessions.values()
    totals = entry.totals
    assert (totals.input_tokens, totals.output_tokens) == (2634, 134)


def test_the_generate_steps_are_tasks_whose_usage_is_not_counted_again(store: Store) -> None:
    steps = [s for s in _spans(store) if s.name == "generate"]
    assert [s.kind for s in steps] == [SpanKind.TASK, SpanKind.TASK]
    assert all(s.usage is None and s.llm is None for s in steps)
    assert steps[0].attributes["output.value"] == "model: It is sunny, 22 C in Paris."


def test_the_cached_tokens_in_the_apis_own_answer_are_priced_as_cached(store: Store) -> None:
    first = next(s for s in _spans(store) if s.kind is SpanKind.LLM_CALL)
    # gpt-4o-mini: $0.15/M input, $0.075/M cached input, $0.60/M output
    assert first.cost is not None and first.cost.total == pytest.approx((1034 * 0.15 + 200 * 0.075 + 56 * 0.6) / 1e6)


def test_the_flow_is_the_agent_the_tool_a_call_of_it_and_previews_are_text(store: Store) -> None:
    spans = {s.name: s for s in _spans(store)}
    flow, tool = spans["weatherFlow"], spans["get_weather"]
    assert flow.kind is SpanKind.AGENT and flow.agent.name == "weatherFlow"
    assert flow.attributes["input.value"] == "What is the weather in Paris?"  # not its JSON, quoted
    assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool.name == "get_weather"
    assert (tool.tool.input_preview, tool.tool.output_preview) == ('{"city": "Paris"}', "Sunny, 22 C in Paris")
    first = next(s for s in _spans(store) if s.kind is SpanKind.LLM_CALL)
    assert first.llm.prompt_preview == ("system: Answer weather questions with the get_weather tool.\n"
                                        "user: What is the weather in Paris?")
    assert first.llm.response_preview == 'model: [tool_call get_weather({"city":"Paris"})]'
    assert [e.session.framework for e in store.sessions.values()] == ["genkit"]


def test_an_openai_compatible_answer_whose_counts_differ_gives_no_cache_count() -> None:
    """The API's own usage completes Genkit's only when it is the same call's: its prompt and
    completion counts are Genkit's input and output."""
    from agenttrace_tui.normalize import conventions as cv

    _usage1, raw = _usage(1234, 56, 200)
    attrs = _action("model", "openai/gpt-4o-mini", "/x", {}, {"usage": {"inputTokens": 999, "outputTokens": 56},
                                                            "raw": {"usage": raw}})
    assert cv.genkit_model_call(attrs) == ({"provider": "openai", "model": "gpt-4o-mini"}, {"input": 999, "output": 56})
    assert cv.genkit_model_call(_action("tool", "get_weather", "/x", {}, "Sunny")) is None


def test_a_gemini_calls_thoughts_beside_its_output_are_output() -> None:
    """Genkit's Google AI plugin passes Gemini's counts on as they come: the thoughts (``thoughtsTokens``) beside
    the answer's (``outputTokens``), all in the total. They are billed as output: counted in it, as reasoning."""
    from agenttrace_tui.normalize.otel import build_span

    usage = {"inputTokens": 1234, "outputTokens": 32, "thoughtsTokens": 24, "totalTokens": 1290,
             "cachedContentTokens": 200}
    attrs = _action("model", "googleai/gemini-2.5-flash", "/x", {"messages": [USER]}, {"message": ANSWER, "usage": usage})
    span = build_span("ab" * 16, "cd" * 8, None, "googleai/gemini-2.5-flash", 1, 2, attrs, [], (), 0, "", "s", "genkit")
    assert (span.llm.provider, span.llm.model) == ("google", "gemini-2.5-flash")
    u = span.usage
    assert (u.input, u.output, u.reasoning, u.cache_read, u.total) == (1234, 56, 24, 200, 1290)


# -- Genkit for Python ------------------------------------------------------------------------------------------
# Genkit for Python (PyPI ``genkit``) traces on the global OTel SDK provider with the same ``genkit:*`` attributes,
# but: one ``generate`` step around the whole tool loop; its counts as floats (``1234.0``), the OpenAI-compatible
# plugin's cache reads as ``cachedContentTokens`` (its ``raw`` holds no usage); every tool a ``tool.v2`` action whose
# output is the multipart envelope ``{"output": ...}``; and a refused call's ``generate`` step left with its status
# unset (``generate`` returns the failed response), only its ``genkit:state`` and output saying it failed.

PY_FLOW = "/{weather_flow,t:action,s:flow}"
PY_GENERATE = PY_FLOW + "/{generate,t:util}"
PY_MODEL = PY_GENERATE + "/{openai%2Fgpt-4o-mini,t:action,s:model}"
REFUSAL = "Error code: 400 - fakellm: scripted error (HTTP 400)"


def _py_usage(inp: int, out: int, cached: int) -> dict:
    return {"inputTokens": float(inp), "outputTokens": float(out), "totalTokens": float(inp + out),
            "cachedContentTokens": float(cached)}


def _py_model(inp: list, answer: dict, usage: dict) -> dict[str, object]:
    out = {"message": answer, "finishReason": "stop", "usage": usage, "raw": {"model": "gpt-4o-mini"}}
    return _action("model", "openai/gpt-4o-mini", PY_MODEL, {"messages": inp}, out)


def _py_turn(tp: TracerProvider) -> None:
    tracer = tp.get_tracer("genkit-tracer", "v1")
    flow = {**_action("flow", "weather_flow", PY_FLOW, "What is the weather in Paris?", "It is sunny, 22 C in Paris."),
            "genkit:metadata:flow:name": "weather_flow"}
    generate = _generate(PY_GENERATE, [SYSTEM, USER], ANSWER, _py_usage(1400, 78, 300))
    with tracer.start_as_current_span("weather_flow", attributes=flow), \
            tracer.start_as_current_span("generate", attributes=generate):
        tracer.start_span("openai/gpt-4o-mini", attributes=_py_model([SYSTEM, USER], CALL, _py_usage(1234, 56, 200))).end()
        tracer.start_span("get_weather", attributes=_action(
            "tool.v2", "get_weather", PY_GENERATE + "/{get_weather,t:action,s:tool.v2}", {"city": "Paris"},
            {"output": "Sunny, 22 C in Paris"})).end()
        tracer.start_span("openai/gpt-4o-mini", attributes=_py_model(
            [SYSTEM, USER, CALL, RESULT], ANSWER, _py_usage(1400, 78, 300))).end()


@pytest.fixture(scope="module")
def py_store() -> Store:
    return asyncio.run(received(_py_turn, lambda store: store.span_count >= 5, "weather-app", priced=True))


def test_genkit_for_pythons_float_counts_are_each_calls_usage_and_cache_reads(py_store: Store) -> None:
    calls = [s for s in _spans(py_store) if s.kind is SpanKind.LLM_CALL]
    assert [(c.llm.provider, c.llm.model) for c in calls] == [("openai", "gpt-4o-mini")] * 2
    assert [(c.usage.input, c.usage.output, c.usage.cache_read) for c in calls] == [(1234, 56, 200), (1400, 78, 300)]
    (entry,) = py_store.sessions.values()
    assert (entry.totals.input_tokens, entry.totals.output_tokens) == (2634, 134)
    # gpt-4o-mini: $0.15/M input, $0.075/M cached input, $0.60/M output
    assert calls[0].cost is not None and calls[0].cost.total == pytest.approx((1034 * 0.15 + 200 * 0.075 + 56 * 0.6) / 1e6)
    (step,) = [s for s in _spans(py_store) if s.name == "generate"]
    assert step.kind is SpanKind.TASK and step.usage is None


def test_genkit_for_pythons_tool_v2_action_is_the_tool_call_its_result_the_envelopes_output(py_store: Store) -> None:
    spans = {s.name: s for s in _spans(py_store)}
    tool, flow = spans["get_weather"], spans["weather_flow"]
    assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool.name == "get_weather"
    assert (tool.tool.input_preview, tool.tool.output_preview) == ('{"city": "Paris"}', "Sunny, 22 C in Paris")
    assert flow.kind is SpanKind.AGENT and flow.agent.name == "weather_flow"
    assert [e.session.framework for e in py_store.sessions.values()] == ["genkit"]


def test_a_genkit_tool_envelope_of_an_object_or_with_parts_shows_the_output_as_json() -> None:
    from agenttrace_tui.normalize.otel import build_span

    def output_of(out: object) -> str | None:
        attrs = _action("tool.v2", "lookup", "/x", {"q": 1}, out)
        span = build_span("ab" * 16, "cd" * 8, None, "lookup", 1, 2, attrs, [], (), 0, "", "s", "genkit")
        return span.tool.output_preview

    assert output_of({"output": {"temp": 22}, "content": [{"text": "chart"}]}) == '{"temp":22}'
    assert output_of({"output": "Sunny", "other": 1}) == '{"output": "Sunny", "other": 1}'  # not the envelope
    assert output_of({"content": [{"text": "chart"}]}) == '{"content": [{"text": "chart"}]}'  # no output: as sent


def _py_refused(tp: TracerProvider) -> None:
    tracer = tp.get_tracer("genkit-tracer", "v1")
    failed = {"error": {"status": "INVALID_ARGUMENT", "message": REFUSAL, "details": {"stack": ""}},
              "finishReason": "failed", "finishMessage": REFUSAL}
    generate = {"genkit:type": "util", "genkit:name": "generate", "genkit:path": PY_GENERATE, "genkit:state": "error",
                "genkit:input": json.dumps({"model": "openai/gpt-4o-mini", "messages": [SYSTEM, USER]}),
                "genkit:output": json.dumps(failed)}
    flow = _action("flow", "weather_flow", PY_FLOW, "What is the weather in Paris?", "")
    with tracer.start_as_current_span("weather_flow", attributes=flow), \
            tracer.start_as_current_span("generate", attributes=generate):
        model = tracer.start_span("openai/gpt-4o-mini", attributes={
            **_action("model", "openai/gpt-4o-mini", PY_MODEL, {"messages": [SYSTEM, USER]}),
            "genkit:state": "error", "genkit:error": REFUSAL})
        model.set_status(StatusCode.ERROR, f"INVALID_ARGUMENT: {REFUSAL}")
        model.end()


def test_genkit_for_pythons_generate_step_around_a_refused_call_fails_though_its_status_is_unset() -> None:
    """The flow returned (the app did not raise): its span stays OK, the step and the call fail."""
    store = asyncio.run(received(_py_refused, lambda store: store.span_count >= 3, "weather-app", priced=True))
    spans = {s.name: s for s in _spans(store)}
    step, call, flow = spans["generate"], spans["openai/gpt-4o-mini"], spans["weather_flow"]
    assert (step.status, step.status_code, step.status_message) == (Status.ERROR, "INVALID_ARGUMENT",
                                                                    f"INVALID_ARGUMENT: {REFUSAL}")
    assert call.status is Status.ERROR and call.usage is None
    assert flow.status is Status.OK
