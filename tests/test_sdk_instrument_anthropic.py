"""instrument_anthropic against the real anthropic SDK, HTTP replaced by httpx2.MockTransport.

No network: the SDK's own client sends its real requests into a handler that
answers with recorded-shape JSON and SSE bodies.
"""

from __future__ import annotations

import asyncio
import json

import pytest

anthropic = pytest.importorskip("anthropic")
httpx2 = pytest.importorskip("httpx2")

from agenttrace_tui.model import SpanKind, Status  # noqa: E402
from agenttrace_tui.runtime.testing import LocalMonitor  # noqa: E402
from agenttrace_tui.sdk import Tracer, instrument_anthropic, uninstrument_anthropic  # noqa: E402

# The SDK warns about model names it considers deprecated; irrelevant here.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MESSAGE = {
    "id": "msg_01",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [{"type": "text", "text": "The bug is on line 12."}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 100, "output_tokens": 20, "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 50},
}


def sse(events: list[dict]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


STREAM = sse(
    [
        {
            "type": "message_start",
            "message": {
                "id": "msg_02",
                "type": "message",
                "role": "assistant",
                "model": "claude-haiku-4-5",
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 10, "output_tokens": 1, "cache_read_input_tokens": 500, "cache_creation_input_tokens": 0},
            },
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hel"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "lo!"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "max_tokens", "stop_sequence": None}, "usage": {"output_tokens": 15}},
        {"type": "message_stop"},
    ]
)


def handler(request: httpx2.Request) -> httpx2.Response:
    body = json.loads(request.content)
    if body["model"] == "claude-overloaded":
        return httpx2.Response(429, json={"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}})
    if body.get("stream"):
        return httpx2.Response(200, content=STREAM, headers={"content-type": "text/event-stream"})
    return httpx2.Response(200, json=MESSAGE)


@pytest.fixture()
def setup():
    with LocalMonitor("udp") as mon:
        tracer = Tracer("anthropic-test", endpoint=mon.endpoint, set_global=False, preview_chars=40)
        assert instrument_anthropic(tracer)
        try:
            yield mon, tracer
        finally:
            uninstrument_anthropic()
            tracer.close()


def spans_when(mon, tracer, n):
    assert tracer.flush(10)
    assert mon.wait_for(lambda s: sum(1 for sp in s.iter_spans() if sp.end_ns) >= n)
    return sorted(mon.spans(), key=lambda s: s.start_ns)


def client():
    return anthropic.Anthropic(api_key="test-key", max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))


def aclient():
    return anthropic.AsyncAnthropic(api_key="test-key", max_retries=0, http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)))


PROMPT = [{"role": "user", "content": "Find the bug in this function, please: def f(x): return x / 0"}]


def test_sync_create_records_model_usage_and_previews(setup):
    mon, tracer = setup
    with tracer.span("agent-step", kind="agent"):
        msg = client().messages.create(model="claude-sonnet-4-5", max_tokens=256, messages=PROMPT)
    assert msg.content[0].text == "The bug is on line 12."
    spans = spans_when(mon, tracer, 2)
    llm = next(s for s in spans if s.name == "anthropic.messages.create")
    assert llm.kind is SpanKind.LLM_CALL and llm.status is Status.OK
    assert llm.parent_span_id == next(s for s in spans if s.name == "agent-step").span_id
    assert (llm.llm.provider, llm.llm.model, llm.llm.max_tokens) == ("anthropic", "claude-sonnet-4-5", 256)
    assert llm.llm.stop_reason == "end_turn"
    # Cache tokens are added into input (the monitor's convention).
    assert (llm.usage.input, llm.usage.output, llm.usage.cache_read, llm.usage.cache_write) == (1150, 20, 1000, 50)
    assert llm.llm.prompt_preview == PROMPT[0]["content"][:40] + "…"
    assert llm.llm.response_preview == "The bug is on line 12."
    assert llm.attributes["llm.response_model"] == "claude-sonnet-4-5-20250929"


def test_sync_create_stream_true(setup):
    mon, tracer = setup
    events = list(client().messages.create(model="claude-haiku-4-5", max_tokens=15, messages=PROMPT, stream=True))
    assert events[0].type == "message_start"
    (llm,) = spans_when(mon, tracer, 1)
    assert llm.attributes["llm.stream"] is True
    assert llm.llm.stop_reason == "max_tokens" and llm.llm.response_preview == "Hello!"
    assert (llm.usage.input, llm.usage.output, llm.usage.cache_read) == (510, 15, 500)


def test_messages_stream_helper_sync_and_async(setup):
    mon, tracer = setup
    with client().messages.stream(model="claude-haiku-4-5", max_tokens=15, messages=PROMPT) as stream:
        text = "".join(stream.text_stream)
    assert text == "Hello!"

    async def main() -> str:
        async with aclient().messages.stream(model="claude-haiku-4-5", max_tokens=15, messages=PROMPT) as s:
            return "".join([t async for t in s.text_stream])

    assert asyncio.run(main()) == "Hello!"
    spans = spans_when(mon, tracer, 2)
    assert [s.name for s in spans] == ["anthropic.messages.stream"] * 2
    for llm in spans:
        assert llm.status is Status.OK and llm.llm.stop_reason == "max_tokens"
        assert (llm.usage.input, llm.usage.output, llm.usage.cache_read) == (510, 15, 500)
        assert llm.llm.response_preview == "Hello!"


def test_async_create_plain_and_streaming(setup):
    mon, tracer = setup

    async def main() -> None:
        c = aclient()
        msg = await c.messages.create(model="claude-sonnet-4-5", max_tokens=256, messages=PROMPT)
        assert msg.stop_reason == "end_turn"
        stream = await c.messages.create(model="claude-haiku-4-5", max_tokens=15, messages=PROMPT, stream=True)
        async for _ in stream:
            pass

    asyncio.run(main())
    plain, streamed = spans_when(mon, tracer, 2)
    assert plain.usage.input == 1150 and plain.llm.stop_reason == "end_turn"
    assert streamed.usage.output == 15 and streamed.llm.response_preview == "Hello!"


def test_api_error_marks_span_error(setup):
    mon, tracer = setup
    with pytest.raises(anthropic.RateLimitError):
        client().messages.create(model="claude-overloaded", max_tokens=5, messages=PROMPT)
    (llm,) = spans_when(mon, tracer, 1)
    assert llm.status is Status.ERROR and llm.status_code == "RateLimitError"
    assert "slow down" in llm.status_message
    assert llm.attributes["http.response.status_code"] == 429


def test_previews_off_and_uninstrument():
    with LocalMonitor("udp") as mon:
        tracer = Tracer("private", endpoint=mon.endpoint, set_global=False)
        instrument_anthropic(tracer, previews=False)
        client().messages.create(model="claude-sonnet-4-5", max_tokens=256, messages=PROMPT)
        uninstrument_anthropic()
        client().messages.create(model="claude-sonnet-4-5", max_tokens=256, messages=PROMPT)  # not traced
        (llm,) = spans_when(mon, tracer, 1)
        assert llm.llm.prompt_preview is None and llm.llm.response_preview is None
        assert llm.usage.input == 1150
        assert tracer.flush(10)
        assert len(mon.spans()) == 1
        tracer.close()
