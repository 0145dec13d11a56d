"""--forward: everything received reaches a second (upstream) receiver;
a dead upstream never stops ingest and its drops are counted."""

from __future__ import annotations

import asyncio
import json as jsonlib
import socket

from agenttrace_tui.ingest.otlp_http import start_otlp
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import SpanKind, Status
from agenttrace_tui.runtime.forward import Forwarder
from agenttrace_tui.store.memory import Store
from test_otlp_support import provider, receiver, wait_for


def native(i: int, **extra) -> bytes:
    rec = {"v": 1, "type": "span", "trace_id": f"native-{i // 5}", "span_id": f"n{i}", "session_id": "native-sess",
           "name": "llm_inference", "start_ns": 1_000 + i, "end_ns": 2_000 + i, "kind": "llm_call",
           "llm": {"provider": "ollama", "model": "llama3"}, "usage": {"input": 10, "output": 2},
           **extra}
    return jsonlib.dumps(rec).encode()


async def test_forwarding_delivers_every_span_upstream() -> None:
    up_store, _up_pipeline, upstream = await receiver()
    store = Store()
    pipeline = Pipeline(store)
    fwd = Forwarder(f"http://127.0.0.1:{upstream.address[1]}", store=store, batch=64)
    pipeline.taps.append(fwd.tap)
    await fwd.start()
    server = await start_otlp(pipeline, port=0, forwarder=fwd)
    try:
        tp = provider(server.address[1], service="fwd-agent")

        def run() -> None:
            t = tp.get_tracer("x")
            for i in range(60):
                with t.start_as_current_span(f"agent_{i}", attributes={"gen_ai.operation.name": "invoke_agent"}):
                    for _ in range(4):
                        with t.start_as_current_span("chat", attributes={"gen_ai.request.model": "gpt-4o",
                                                                         "gen_ai.usage.input_tokens": 7}):
                            pass
            tp.shutdown()

        await asyncio.to_thread(run)
        # native records: complete spans, and a span_start + span_end pair
        for i in range(50):
            pipeline.feed(native(i), "udp")
        pipeline.feed(jsonlib.dumps({"v": 1, "type": "span_start", "trace_id": "live", "span_id": "L1",
                                     "name": "tool_execute", "start_ns": 5_000, "kind": "tool_execution",
                                     "tool": {"name": "grep"}}).encode(), "udp")
        pipeline.feed(jsonlib.dumps({"v": 1, "type": "span_end", "trace_id": "live", "span_id": "L1",
                                     "end_ns": 9_000, "status": "error", "status_message": "no match"}).encode(), "udp")
        assert store.span_count == 300 + 51
        assert await wait_for(lambda: up_store.span_count == 351, timeout=20)
        assert await wait_for(lambda: fwd.sent == 351) and fwd.dropped == 0
        ours = {(s.trace_id, s.span_id, s.name, s.kind) for s in store.iter_spans() if s.trace_id[0] != "n"
                and s.trace_id != "live"}
        theirs = {(s.trace_id, s.span_id, s.name, s.kind) for s in up_store.iter_spans()}
        assert ours <= theirs  # OTLP spans arrive upstream byte for byte
        nat = [s for s in up_store.iter_spans() if s.attributes.get("session.id") == "native-sess"
               or s.session_id == "native-sess"]
        assert len(nat) == 50
        assert all(s.kind is SpanKind.LLM_CALL and s.llm.model == "llama3" and s.llm.provider == "ollama"
                   and s.usage.input == 10 and s.usage.output == 2 for s in nat)
        assert len(up_store.sessions["native-sess"].trace_ids) == 10  # 5 spans per native trace id
        (live,) = [s for s in up_store.iter_spans() if s.name == "tool_execute"]
        assert live.kind is SpanKind.TOOL_EXECUTION and live.status is Status.ERROR and live.tool.name == "grep"
        assert live.duration_ns() == 4_000 and live.status_message == "no match"
    finally:
        await server.close()
        await fwd.close()
        await upstream.close()


async def test_dead_upstream_never_stops_ingest_and_drops_are_counted() -> None:
    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    store = Store()
    pipeline = Pipeline(store)
    fwd = Forwarder(f"http://127.0.0.1:{dead}/v1/traces", store=store, max_queue=200, batch=50, max_retries=1,
                    max_backoff=0.05)
    pipeline.taps.append(fwd.tap)
    await fwd.start()
    server = await start_otlp(pipeline, port=0, forwarder=fwd)
    try:
        for i in range(1000):
            pipeline.feed(native(i), "udp")
        assert store.span_count == 1000  # ingest never waited on the upstream
        assert fwd.queued <= 200 and fwd.dropped > 0  # bounded queue: the overflow is dropped and counted
        tp = provider(server.address[1])

        def run() -> None:
            with tp.get_tracer("x").start_as_current_span("still served"):
                pass
            tp.shutdown()

        await asyncio.to_thread(run)
        assert await wait_for(lambda: store.span_count == 1001)
        assert await wait_for(lambda: fwd.dropped == 1001, timeout=20)  # every item: dropped, and counted
        assert fwd.sent == 0 and fwd.queued == 0 and "ConnectionRefused" in fwd.last_error
    finally:
        await server.close()
        await fwd.close()


async def test_queue_is_bounded_by_bytes_not_only_by_count() -> None:
    """A few huge OTLP bodies cannot hold the memory a count bound would allow:
    past ``max_bytes`` they are dropped, and their count and bytes are counted."""
    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    fwd = Forwarder(f"http://127.0.0.1:{dead}", max_queue=50_000, max_bytes=1_000_000, max_retries=0,
                    max_backoff=0.01)
    body = b"\x0a" * 150_000  # as the receiver hands it on: bytes, forwarded unchanged
    for _ in range(40):  # 6 MB offered to a 1 MB queue (the sender thread not started yet)
        fwd.forward_otlp("traces", body, "application/x-protobuf", None, 1000)
    assert fwd.queued_bytes <= 1_000_000 and fwd.queued_bytes == 6 * len(body)
    assert fwd.dropped == 34 * 1000 and fwd.dropped_bytes == 34 * len(body)
    await fwd.start()
    await fwd.close(timeout=2.0)  # the dead upstream refuses the rest: counted too
    assert fwd.queued == 0 and fwd.queued_bytes == 0
    assert fwd.sent == 0 and fwd.dropped == 40 * 1000 and fwd.dropped_bytes == 40 * len(body)
