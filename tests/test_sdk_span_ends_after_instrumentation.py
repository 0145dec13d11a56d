"""A provider SDK's own span of a request, inside an instrumentation's span of it and ending after it, is one call.

OpenInference's instrumentation of the Anthropic SDK for TypeScript makes its
``Anthropic Messages`` span current while the SDK's ``messages.create`` runs,
and the SDK (1.x) traces the request itself: its ``anthropic.messages.create``
span is the child of OpenInference's. The SDK ends its span only after the parse
that OpenInference's transform is part of (a fraction of a millisecond after
OpenInference ends its own), and a streamed call's when the application has read
its copy of the stream, which OpenInference tees off and reads apart: the inner
span ends after the outer one. Both report the same usage (input with the cache
reads and writes in); the SDK's names the response, OpenInference's does not.
Counted twice, before; now one call, priced once, whichever of the two arrives
first. A child that ends after its parent stays a call of its own when its usage
differs, or when neither names the response (calls of one reporter). Spans from the real OpenTelemetry SDK to the real OTLP
receiver, priced by the real enrichers.
"""

from __future__ import annotations

from opentelemetry import trace

from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.calls import MERGED_BY, NESTED_RULE
from test_otlp_support import received

MODEL = "claude-sonnet-4-5"
#: OpenInference's span: Anthropic's input_tokens 1234 with the cache reads (200) and writes (64) added in.
OPENINFERENCE = {"openinference.span.kind": "LLM", "llm.model_name": MODEL, "llm.provider": "anthropic",
                 "llm.system": "anthropic", "llm.token_count.prompt": 1498, "llm.token_count.completion": 56,
                 "llm.token_count.prompt_details.cache_read": 200,
                 "llm.token_count.prompt_details.cache_write": 64}
#: The SDK's span of the request: the same counts in the GenAI conventions, and the response id.
SDK = {"gen_ai.provider.name": "anthropic", "gen_ai.operation.name": "chat", "gen_ai.request.model": MODEL,
       "gen_ai.response.model": MODEL, "gen_ai.response.id": "msg_1", "gen_ai.usage.input_tokens": 1498,
       "gen_ai.usage.output_tokens": 56, "gen_ai.usage.cache_read.input_tokens": 200,
       "gen_ai.usage.cache_write.input_tokens": 64}
#: genai-prices' claude-sonnet-4-5: $3 / $15 per million in / out, reads at 0.1x, writes at 1.25x the input price.
COST = (1234 * 3 + 56 * 15 + 200 * 0.3 + 64 * 3.75) / 1e6
#: How long after OpenInference's span the SDK's ends: its parse (0.45 ms, as recorded), a stream read apart (1.5 s).
LATER_NS = {"parse": 450_000, "stream": 1_500_000_000}


def _call(tp, session: str, *, later: int, sdk_first: bool, sdk_output: int = 56, response_id: str = "msg_1") -> None:
    """One model call: OpenInference's span, current, and the SDK's inside it ending ``later`` ns after it;
    ``sdk_first``: the SDK's span is exported before OpenInference's."""
    oi = tp.get_tracer("@arizeai/openinference-instrumentation-anthropic")
    sdk = tp.get_tracer("com.anthropic.sdk.typescript")
    outer = oi.start_span("Anthropic Messages", attributes={**OPENINFERENCE, "session.id": session})
    inner = sdk.start_span("anthropic.messages.create", context=trace.set_span_in_context(outer),
                           kind=trace.SpanKind.CLIENT,
                           attributes={**SDK, "gen_ai.usage.output_tokens": sdk_output,
                                       "gen_ai.response.id": response_id, "session.id": session})
    end = inner.start_time + 30_000_000  # type: ignore[attr-defined]
    if sdk_first:
        inner.end(end_time=end + later)
        tp.force_flush()
        outer.end(end_time=end)
    else:
        outer.end(end_time=end)
        tp.force_flush()
        inner.end(end_time=end + later)
    tp.force_flush()


def _send(tp) -> None:
    for name, later in LATER_NS.items():
        for sdk_first in (False, True):
            _call(tp, f"{name}-{'sdk' if sdk_first else 'openinference'}-first", later=later, sdk_first=sdk_first)
    _call(tp, "no-response-id", later=LATER_NS["parse"], sdk_first=False, response_id="")
    _call(tp, "other-usage", later=LATER_NS["parse"], sdk_first=False, sdk_output=57)


SESSIONS = [f"{name}-{first}-first" for name in LATER_NS for first in ("openinference", "sdk")]


async def test_the_sdks_span_ending_after_the_instrumentations_is_the_same_call() -> None:
    def arrived(store) -> bool:  # every session, the last one's two spans (sent last)
        last = store.sessions.get("other-usage")
        return all(store.sessions.get(s) is not None for s in SESSIONS) and last is not None and last.totals.llm_calls == 2

    store = await received(_send, arrived, "anthropic-node-app", priced=True)
    for session in SESSIONS:
        (tr,) = store.traces_of(session)
        (call,) = tr.spans.values()
        assert call.kind is SpanKind.LLM_CALL, session
        assert call.attributes.get(MERGED_BY) == NESTED_RULE, session
        assert call.usage is not None, session
        assert (call.usage.input, call.usage.output, call.usage.cache_read, call.usage.cache_write) == (1498, 56, 200, 64)
        totals = store.sessions[session].totals
        assert (totals.llm_calls, totals.input_tokens, totals.output_tokens) == (1, 1498, 56), session
        assert call.cost is not None and abs(call.cost.total - COST) < 1e-9, session
        assert abs(totals.cost - COST) < 1e-9, session
    # A call of another usage under it (another request), or one of the same usage when neither names the
    # response (calls of one reporter in a call they outlive), stays a call of its own.
    assert store.sessions["other-usage"].totals.llm_calls == 2
    assert store.sessions["no-response-id"].totals.llm_calls == 2
