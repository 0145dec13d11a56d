"""instrument_openai against the real openai SDK, HTTP replaced by httpx2.MockTransport."""

from __future__ import annotations

import asyncio
import json

import pytest

openai = pytest.importorskip("openai")
httpx2 = pytest.importorskip("httpx2")

from agenttrace_tui.model import SpanKind, Status  # noqa: E402
from agenttrace_tui.runtime.testing import LocalMonitor  # noqa: E402
from agenttrace_tui.sdk import Tracer, instrument_openai, uninstrument_openai  # noqa: E402

COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "gpt-4o-2024-08-06",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Use binary search."}, "finish_reason": "stop"}],
    "usage": {
        "prompt_tokens": 2048,
        "completion_tokens": 150,
        "total_tokens": 2198,
        "prompt_tokens_details": {"cached_tokens": 1024},
        "completion_tokens_details": {"reasoning_tokens": 0},
    },
}


def chunk(content=None, finish=None, usage=None, choices=True):
    body = {"id": "chatcmpl-2", "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-4o-mini", "choices": []}
    if choices:
        body["choices"] = [{"index": 0, "delta": {"content": content} if content else {}, "finish_reason": finish}]
    if usage:
        body["usage"] = usage
    return body


CHAT_STREAM = b"".join(
    f"data: {json.dumps(c)}\n\n".encode()
    for c in [
        chunk("Use "),
        chunk("a heap."),
        chunk(finish="length"),
        chunk(usage={"prompt_tokens": 300, "completion_tokens": 7, "total_tokens": 307, "prompt_tokens_details": {"cached_tokens": 256}}, choices=False),
    ]
) + b"data: [DONE]\n\n"

RESPONSE = {
    "id": "resp_1",
    "object": "response",
    "created_at": 1700000000,
    "model": "gpt-4o-mini",
    "status": "completed",
    "output": [{"type": "message", "id": "m1", "role": "assistant", "status": "completed", "content": [{"type": "output_text", "text": "42", "annotations": []}]}],
    "parallel_tool_calls": True,
    "tool_choice": "auto",
    "tools": [],
    "usage": {
        "input_tokens": 120,
        "output_tokens": 30,
        "total_tokens": 150,
        "input_tokens_details": {"cached_tokens": 100, "cache_write_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 12},
    },
}

RESPONSE_STREAM = b"".join(
    f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode()
    for e in [
        {"type": "response.created", "sequence_number": 0, "response": {**RESPONSE, "status": "in_progress", "output": [], "usage": None}},
        {"type": "response.output_text.delta", "sequence_number": 1, "item_id": "m1", "output_index": 0, "content_index": 0, "delta": "42", "logprobs": []},
        {"type": "response.completed", "sequence_number": 2, "response": RESPONSE},
    ]
)


def handler(request: httpx2.Request) -> httpx2.Response:
    body = json.loads(request.content)
    if body["model"] == "gpt-broken":
        return httpx2.Response(500, json={"error": {"message": "upstream exploded", "type": "server_error", "code": None}})
    if request.url.path.endswith("/chat/completions"):
        if body.get("stream"):
            return httpx2.Response(200, content=CHAT_STREAM, headers={"content-type": "text/event-stream"})
        return httpx2.Response(200, json=COMPLETION)
    if body.get("stream"):
        return httpx2.Response(200, content=RESPONSE_STREAM, headers={"content-type": "text/event-stream"})
    return httpx2.Response(200, json=RESPONSE)


def client():
    return openai.OpenAI(api_key="test", max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))


def aclient():
    return openai.AsyncOpenAI(api_key="test", max_retries=0, http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)))


MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "How do I find an item fast?"}]


@pytest.fixture()
def setup():
    with LocalMonitor("udp") as mon:
        tracer = Tracer("openai-test", endpoint=mon.endpoint, set_global=False)
        assert instrument_openai(tracer)
        try:
            yield mon, tracer
        finally:
            uninstrument_openai()
            tracer.close()


def spans_when(mon, tracer, n):
    assert tracer.flush(10)
    assert mon.wait_for(lambda s: sum(1 for sp in s.iter_spans() if sp.end_ns) >= n)
    return sorted(mon.spans(), key=lambda s: s.start_ns)


def test_chat_completion_sync(setup):
    mon, tracer = setup
    out = client().chat.completions.create(model="gpt-4o", messages=MESSAGES, temperature=0.2, max_completion_tokens=300)
    assert out.choices[0].message.content == "Use binary search."
    (llm,) = spans_when(mon, tracer, 1)
    assert llm.name == "openai.chat.completions.create" and llm.kind is SpanKind.LLM_CALL
    assert (llm.llm.provider, llm.llm.model, llm.llm.temperature, llm.llm.max_tokens) == ("openai", "gpt-4o", 0.2, 300)
    assert (llm.usage.input, llm.usage.output, llm.usage.total, llm.usage.cache_read) == (2048, 150, 2198, 1024)
    assert llm.llm.stop_reason == "stop"
    assert llm.llm.prompt_preview == "How do I find an item fast?" and llm.llm.response_preview == "Use binary search."


def test_chat_completion_stream_sync_and_async(setup):
    mon, tracer = setup
    text = "".join(c.choices[0].delta.content or "" for c in client().chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}) if c.choices)
    assert text == "Use a heap."

    async def main() -> None:
        stream = await aclient().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
        async with stream:
            async for _ in stream:
                pass

    asyncio.run(main())
    for llm in spans_when(mon, tracer, 2):
        assert llm.status is Status.OK and llm.attributes["llm.stream"] is True
        assert llm.llm.stop_reason == "length" and llm.llm.response_preview == "Use a heap."
        assert (llm.usage.input, llm.usage.output, llm.usage.cache_read) == (300, 7, 256)


def test_responses_plain_and_streaming(setup):
    mon, tracer = setup
    r = client().responses.create(model="gpt-4o-mini", input="What is six times seven?", max_output_tokens=64)
    assert r.output_text == "42"

    async def main() -> None:
        stream = await aclient().responses.create(model="gpt-4o-mini", input="What is six times seven?", stream=True)
        async for _ in stream:
            pass
        await aclient().responses.create(model="gpt-4o-mini", input=[{"role": "user", "content": "again"}])

    asyncio.run(main())
    spans = spans_when(mon, tracer, 3)
    assert [s.name for s in spans] == ["openai.responses.create"] * 3
    for llm in spans:
        assert (llm.usage.input, llm.usage.output, llm.usage.cache_read, llm.usage.reasoning) == (120, 30, 100, 12)
        assert llm.llm.stop_reason == "completed" and llm.llm.response_preview == "42"
    assert spans[0].llm.max_tokens == 64 and spans[0].llm.prompt_preview == "What is six times seven?"
    assert spans[2].llm.prompt_preview == "again"


def test_errors_and_uninstrument(setup):
    mon, tracer = setup
    with pytest.raises(openai.InternalServerError):
        client().chat.completions.create(model="gpt-broken", messages=MESSAGES)

    async def main() -> None:
        with pytest.raises(openai.InternalServerError):
            await aclient().responses.create(model="gpt-broken", input="x")

    asyncio.run(main())
    spans = spans_when(mon, tracer, 2)
    for llm in spans:
        assert llm.status is Status.ERROR and llm.status_code == "InternalServerError"
        assert llm.attributes["http.response.status_code"] == 500
    uninstrument_openai()
    client().chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert tracer.flush(10)
    assert len(mon.spans()) == 2
