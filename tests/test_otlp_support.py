"""Shared helpers for the OTLP tests (no tests here): a receiver on a free
loopback port, real OpenTelemetry SDK pipelines pointed at it, raw HTTP."""

from __future__ import annotations

import asyncio
import http.client
import time
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

from opentelemetry.exporter.otlp.json.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.ingest.otlp_http import OtlpServer, start_otlp
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.store.memory import Store


async def receiver(priced: bool = False, **kw: Any) -> tuple[Store, Pipeline, OtlpServer]:
    """A store fed by an OTLP receiver on a free loopback port; ``priced``: with the
    monitor's enrichers (prices and token counts, vocabularies loaded here)."""
    store = Store()
    pipeline = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False) if priced else ())
    server = await start_otlp(pipeline, port=0, **kw)
    return store, pipeline, server


async def received(send: Callable[[TracerProvider], None], until: Callable[[Store], Any], service: str,
                   priced: bool = False, json: bool = False, **resource: Any) -> Store:
    """The store after ``send(tp)`` ran on the real OTel SDK exporting to a fresh receiver (over
    ``json`` or protobuf, the ``resource`` named), its provider shut down (flushed) and
    ``until(store)`` held (bounded wait, asserted)."""
    store, _pipeline, server = await receiver(priced=priced)
    try:
        tp = provider(server.address[1], json=json, service=service, **resource)
        await asyncio.to_thread(send, tp)
        await asyncio.to_thread(tp.shutdown)
        assert await wait_for(lambda: until(store)), "the spans sent did not all arrive"
    finally:
        await server.close()
    return store


def only_call(store: Store, session: str) -> Any:
    """The one span of the one trace of ``session``, a model call (a test that sends one call a session)."""
    from agenttrace_tui.model import SpanKind

    (trace,) = store.traces_of(session)
    (span,) = trace.spans.values()
    assert span.kind is SpanKind.LLM_CALL, session
    return span


async def wait_for(cond: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll until ``cond()`` is truthy (bounded); returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got or time.monotonic() > deadline:
            return got
        await asyncio.sleep(0.02)


class JsonSpanExporter(SpanExporter):
    """OTLP/HTTP JSON span exporter built on the SDK's own JSON encoder.

    opentelemetry-exporter-otlp-proto-http only speaks protobuf, and the
    SDK's OTLP JSON HTTP exporter pins other versions of shared packages than
    the protobuf one; its encoder (opentelemetry-exporter-otlp-json-common)
    does not, so the JSON test posts what that encoder produces.
    """

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        body = encode_spans(spans).to_json().encode()
        req = urllib.request.Request(self.endpoint, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return SpanExportResult.SUCCESS if resp.status == 200 else SpanExportResult.FAILURE

    def shutdown(self) -> None:
        pass


def provider(port: int, *, json: bool = False, service: str = "test-agent", **resource: Any) -> TracerProvider:
    """A TracerProvider exporting over OTLP/HTTP to the receiver on ``port``."""
    endpoint = f"http://127.0.0.1:{port}/v1/traces"
    exporter = JsonSpanExporter(endpoint) if json else OTLPSpanExporter(endpoint=endpoint)
    tp = TracerProvider(resource=Resource.create({"service.name": service, **resource}))
    tp.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=50))
    return tp


def post(port: int, path: str, body: bytes, headers: dict[str, str] | None = None,
         method: str = "POST") -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP request on a fresh connection (blocking: call in a thread)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


async def apost(port: int, path: str, body: bytes, headers: dict[str, str] | None = None,
                method: str = "POST") -> tuple[int, dict[str, str], bytes]:
    return await asyncio.to_thread(post, port, path, body, headers, method)
