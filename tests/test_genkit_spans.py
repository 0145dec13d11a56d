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

from agenttrace_tui.model import SpanKind
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
