"""A provider SDK's own span of a request an agent instrumentation also reports, outside its span, is one call.

The anthropic SDK (2.x) traces each request itself. LangChain instrumentations
report the same call as the chat model's span, which they never make current:
OpenInference's LangChain one leaves the SDK's span the root of a trace of its
own, OpenLLMetry's puts it beside the chat model's span, under the chain that
runs the model. The chat model's span names no response; the SDK's names it,
runs within the chat model's time, same model, same usage (input with the
cache reads and writes in, as both count it). Counted twice, before; now once,
in the agent's tree, whichever of the two arrives first, and priced once. A
call of another usage stays a call of its own. Spans from the real
OpenTelemetry SDK to the real OTLP receiver, priced by the real enrichers.
"""

from __future__ import annotations

from opentelemetry import context, trace

from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.calls import FOLDED_INTO, MERGED_BY
from test_otlp_support import received

MODEL = "claude-sonnet-4-5"
#: LangChain's usage_metadata and the SDK's span both count the cache reads and writes in input.
USAGE = {"gen_ai.usage.input_tokens": 1498, "gen_ai.usage.output_tokens": 56,
         "gen_ai.usage.cache_read.input_tokens": 200, "gen_ai.usage.cache_creation.input_tokens": 64}
#: genai-prices' claude-sonnet-4-5: $3 / $15 per million in / out, reads at 0.1x, writes at 1.25x the input price.
COST = (1234 * 3 + 56 * 15 + 200 * 0.3 + 64 * 3.75) / 1e6


def _call(tp, session: str, *, beside: bool, sdk_first: bool, sdk_usage: dict[str, int] = USAGE) -> None:
    """One agent turn with one model call: the chat model's span (not current) and the SDK's span
    of the request within it, the root of its own trace (``beside`` False) or the chat model's
    sibling; ``sdk_first``: the SDK's span is exported before the chat model's."""
    agent = tp.get_tracer("agent.instrumentation.langchain")
    sdk = tp.get_tracer("com.anthropic.sdk.python")
    common = {"session.id": session, "gen_ai.request.model": MODEL, "gen_ai.provider.name": "anthropic"}
    with agent.start_as_current_span("call_model", attributes={"session.id": session}) as chain:
        with agent.start_as_current_span("Prompt", attributes={"session.id": session}):
            pass
        chat = agent.start_span("ChatAnthropic", attributes={**common, "gen_ai.operation.name": "chat", **USAGE})
        where = trace.set_span_in_context(chain) if beside else context.Context()
        request = sdk.start_span("anthropic.messages.create", context=where, attributes={
            **common, "gen_ai.operation.name": "chat", "gen_ai.response.id": f"msg-{session}", **sdk_usage})
        request.end()
        if sdk_first:
            tp.force_flush()
        chat.end()


def _send(tp) -> None:
    for beside in (False, True):
        for sdk_first in (False, True):
            _call(tp, f"s-{'beside' if beside else 'elsewhere'}-{'sdk' if sdk_first else 'agent'}-first",
                  beside=beside, sdk_first=sdk_first)
    _call(tp, "s-other-usage", beside=False, sdk_first=True,
          sdk_usage=dict(USAGE, **{"gen_ai.usage.output_tokens": 57}))


async def test_the_sdks_span_outside_the_chat_models_span_is_one_call_in_either_order() -> None:
    sessions = [f"s-{where}-{first}-first" for where in ("elsewhere", "beside") for first in ("agent", "sdk")]

    def arrived(store) -> bool:
        return all(store.sessions.get(s) is not None for s in [*sessions, "s-other-usage"]) and (
            store.totals.llm_calls >= 6)

    store = await received(_send, arrived, "langgraph-app", priced=True)
    for sid in sessions:
        t = store.sessions[sid].totals
        assert (t.llm_calls, t.input_tokens, t.output_tokens, t.cache_read, t.cache_write) == (1, 1498, 56, 200, 64), sid
        assert abs(t.cost - COST) < 1e-12 and t.cost_unknown == 0, sid
        spans = [s for tr in store.traces_of(sid) for s in tr.spans.values()]
        (call,) = [s for s in spans if s.kind is SpanKind.LLM_CALL]
        assert call.attributes.get(MERGED_BY) and call.attributes.get("gen_ai.response.id") == f"msg-{sid}", sid
        parent = next(s for s in spans if s.span_id == call.parent_span_id)
        assert parent.name == "call_model", sid  # in the agent's tree
        # The SDK's span stored first as a trace of its own stays, as no call, naming the merged one.
        stubs = [s for s in spans if FOLDED_INTO in s.attributes]
        assert [s.attributes[FOLDED_INTO] for s in stubs] == ([call.span_id] if sid.endswith("elsewhere-sdk-first") else [])
    other = store.sessions["s-other-usage"].totals
    assert (other.llm_calls, other.output_tokens) == (2, 56 + 57)
