"""A turn that Claude Code reports twice, as its own interaction span and as log events logged in
that span (rebuilt into a turn), is named alike whichever report the receiver gets first: by its
prompt when the prompt is logged, else by the client's own span name (a rebuilt ``prompt`` alone
tells less). Sent with the real OpenTelemetry SDK to a real receiver."""

from __future__ import annotations

import asyncio

import pytest
from opentelemetry.sdk.trace import TracerProvider

from agenttrace_tui.model import SpanKind
from test_otlp_logs import T0, S, claude, send_logs
from test_otlp_support import provider, receiver, wait_for

PROMPT = "fix the failing test please"


def _turn(prompt_logged: bool) -> list[dict]:
    prompt = {"prompt": PROMPT} if prompt_logged else {}
    return [claude("user_prompt", T0, 1, "p1", prompt_length=str(len(PROMPT)), **prompt),
            claude("api_request", T0 + 3 * S, 2, "p1", model="claude-sonnet-4-5", input_tokens="12",
                   output_tokens="340", cost_usd="0.0421", duration_ms="2300")]


def _send(port: int, order: str, prompt_logged: bool) -> None:
    """Claude Code's interaction span, its events logged in it; the span exported before or after them."""
    tp: TracerProvider = provider(port, service="claude-code")
    tracer = tp.get_tracer("com.anthropic.claude_code.tracing")
    span = tracer.start_span("claude_code.interaction", start_time=T0 - S,
                             attributes={"session.id": "sess-1", "span.type": "interaction", "user_prompt": PROMPT})
    ctx = span.get_span_context()
    records = [{**r, "trace_id": ctx.trace_id, "span_id": ctx.span_id} for r in _turn(prompt_logged)]
    if order == "logs first":
        send_logs(port, "claude-code", "2.0.14", records)
    span.end(end_time=T0 + 4 * S)
    tp.shutdown()
    if order == "spans first":
        send_logs(port, "claude-code", "2.0.14", records)


@pytest.mark.parametrize("order", ["spans first", "logs first"])
@pytest.mark.parametrize(("prompt_logged", "want"), [(True, f"prompt: {PROMPT}"), (False, "claude_code.interaction")])
def test_the_turn_is_named_alike_whichever_report_came_first(order: str, prompt_logged: bool, want: str) -> None:
    async def run() -> None:
        store, _pipeline, server = await receiver()
        try:
            await asyncio.to_thread(_send, server.address[1], order, prompt_logged)

            def turn():
                traces = [store.traces[t] for t in store.sessions["sess-1"].trace_ids] if "sess-1" in store.sessions else []
                got = [t for t in traces if t.root_id in t.spans and t.spans[t.root_id].kind is SpanKind.AGENT]
                return got if got and len(got[0].spans) >= 2 and "agenttrace.rebuilt_from" not in got[0].spans[
                    got[0].root_id].attributes else None

            (got,) = await wait_for(turn) or [None]
            assert got is not None, "the turn did not arrive"
            root = got.spans[got.root_id]
            assert (root.name, got.name) == (want, want)
            assert (root.start_ns, root.end_ns) == (T0 - S, T0 + 4 * S)  # the client's own span's times
        finally:
            await server.close()

    asyncio.run(run())
