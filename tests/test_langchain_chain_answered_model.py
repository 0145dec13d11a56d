"""A streamed LangChain chat model call that names no model is priced by the model the chain around it says answered.

OpenLLMetry's LangChain instrumentation (0.62.4) names the model of a chat model call whose request
names none (``AzureChatOpenAI`` on a deployment) ``unknown``, and streamed (no ``llm_output``) never
replaces it: the call has its tokens but no model to price it by. LangChain's result of the chain
that ran the model (``prompt | model``, LangGraph's agent node) is the model's answer message, on
the chain's span as ``gen_ai.task.output`` / ``traceloop.entity.output``: its
``response_metadata.model_name`` is the model that answered. The spans below are such a pair as
recorded with langchain-openai 1.8.1 (``tests/clients/fixtures/langchain_openllmetry_stream``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from genai_prices import Usage, calc_price

from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import Span
from agenttrace_tui.normalize import conventions as cv
from agenttrace_tui.normalize.otel import build_span
from agenttrace_tui.store.calls import MODEL_FROM
from agenttrace_tui.store.memory import Store

T = int(datetime(2026, 1, 5, 12, tzinfo=UTC).timestamp() * 1e9)
MS = 1_000_000
TRACE = "ab" * 16
CHAIN, CALL, OTHER, ROOT = "c1" * 8, "c2" * 8, "c3" * 8, "c0" * 8
ANSWERED = "gpt-4o-mini-2024-07-18"


def answer(model: str | None = ANSWERED, tokens: tuple[int, int] | None = (1234, 56), content: str = "") -> str:
    """The chain's result as OpenLLMetry sends it: the model's answer message, serialized."""
    meta = {"finish_reason": "tool_calls", "system_fingerprint": "fp_azfake", "model_provider": "openai"}
    if model is not None:
        meta["model_name"] = model
    kwargs: dict = {"content": content, "response_metadata": meta, "type": "ai",
                    "id": "lc_run--01a2492f-7dc6-73ac-86b5-81e9a17f393d", "tool_calls": [], "invalid_tool_calls": []}
    if tokens is not None:
        kwargs["usage_metadata"] = {"input_tokens": tokens[0], "output_tokens": tokens[1],
                                    "total_tokens": sum(tokens), "input_token_details": {"cache_read": 200}}
    return json.dumps({"outputs": {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", "AIMessage"],
                                   "kwargs": kwargs}, "kwargs": {"tags": ["seq:step:1"]}})


def chain(output: str) -> Span:
    attrs = {"traceloop.workflow.name": "LangGraph", "traceloop.entity.path": "agent", "traceloop.span.kind": "task",
             "traceloop.entity.name": "RunnableSequence", "gen_ai.provider.name": "langgraph",
             "gen_ai.operation.name": "execute_task", "gen_ai.task.name": "RunnableSequence",
             "traceloop.entity.output": output, "gen_ai.task.output": output}
    return build_span(TRACE, CHAIN, ROOT, "execute_task RunnableSequence", T, T + 50 * MS, attrs, [], (), 0, "", "s1")


def call(span_id: str = CALL, model: str = "unknown", tokens: tuple[int, int] = (1234, 56)) -> Span:
    attrs = {"traceloop.workflow.name": "LangGraph", "traceloop.association.properties.ls_provider": "azure",
             "traceloop.association.properties.ls_model_name": "my-gpt4o-mini", "gen_ai.provider.name": "azure.ai.openai",
             "gen_ai.operation.name": "chat", "gen_ai.request.model": model, "gen_ai.response.model": model,
             "gen_ai.usage.input_tokens": tokens[0], "gen_ai.usage.output_tokens": tokens[1],
             "gen_ai.usage.total_tokens": sum(tokens), "gen_ai.usage.cache_read.input_tokens": 200,
             "gen_ai.output.messages": '[{"role": "assistant", "parts": [{"type": "text", "content": "Sunny."}]}]'}
    return build_span(TRACE, span_id, CHAIN, "AzureChatOpenAI.chat", T + 5 * MS, T + 40 * MS, attrs, [], (), 0, "", "s1")


def stored(*batches: list[Span]) -> Store:
    store = Store()
    pipeline = Pipeline(store, enrichers=make_enrichers(None, store))
    for batch in batches:
        pipeline.apply(batch)
    return store


def price(tokens: tuple[int, int] = (1234, 56)) -> float:
    got = calc_price(Usage(input_tokens=tokens[0], output_tokens=tokens[1], cache_read_tokens=200), ANSWERED,
                     genai_request_timestamp=datetime.fromtimestamp(T / 1e9, tz=UTC))
    return float(got.total_price)


def test_the_call_takes_the_model_the_chain_says_answered_whichever_arrives_first() -> None:
    for batches in ([[call(), chain(answer())]], [[chain(answer()), call()]], [[call()], [chain(answer())]],
                    [[chain(answer())], [call()]]):
        store = stored(*batches)
        span = store.span(TRACE, CALL)
        assert span.llm.model == ANSWERED and span.attributes[MODEL_FROM] == CHAIN, batches
        assert span.usage.input == 1234 and span.usage.output == 56 and span.usage.cache_read == 200
        assert span.cost is not None and span.cost.total is not None
        assert abs(span.cost.total - price()) < 1e-12
        totals = store.sessions["s1"].totals
        assert totals.llm_calls == 1 and totals.cost_unknown == 0 and abs(totals.cost - price()) < 1e-12
        assert [m for m, _bucket in totals.breakdown("model")] == [ANSWERED]


def test_the_answer_is_read_past_a_long_reply() -> None:
    # The result is cut to 4 KiB with the free attributes; the model that answered is read before.
    store = stored([call(), chain(answer(content="Sunny. " * 2000))])
    assert store.span(TRACE, CALL).llm.model == ANSWERED


def test_a_call_is_named_only_by_its_own_answer() -> None:
    # Tokens that are not the call's: the answer is another's.
    assert stored([call(), chain(answer(tokens=(999, 56)))]).span(TRACE, CALL).llm.model == "unknown"
    # Two model calls in the chain: which one answered is not said.
    store = stored([call(), call(OTHER, tokens=(1234, 56)), chain(answer())])
    assert {store.span(TRACE, s).llm.model for s in (CALL, OTHER)} == {"unknown"}
    # A call naming its model keeps it.
    assert stored([call(model="gpt-4o-mini"), chain(answer())]).span(TRACE, CALL).llm.model == "gpt-4o-mini"
    # A chain whose result names no model, or is no answer message (a graph's state), names nothing.
    assert stored([call(), chain(answer(model=None))]).span(TRACE, CALL).llm.model == "unknown"
    state = json.dumps({"outputs": {"messages": [json.loads(answer())["outputs"]]}})
    assert stored([call(), chain(state)]).span(TRACE, CALL).llm.model == "unknown"


def test_the_chain_keeps_what_its_answer_names() -> None:
    span = chain(answer())
    assert (span.attributes[cv.CHAIN_ANSWER_MODEL_KEY], span.attributes[cv.CHAIN_ANSWER_INPUT_KEY],
            span.attributes[cv.CHAIN_ANSWER_OUTPUT_KEY]) == (ANSWERED, 1234, 56)
    assert cv.langchain_chain_answer({"gen_ai.task.output": '{"outputs": {"lc": 1, "cut'}, ("gen_ai.task.output",)) is None
    assert cv.langchain_chain_answer({"gen_ai.task.output": "plain"}, ("gen_ai.task.output",)) is None
