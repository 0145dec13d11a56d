"""The capture server keeps what an OTLP/gRPC exporter sends as it keeps an OTLP/HTTP request.

Clients whose exporter speaks only gRPC (Letta's server) are recorded through ``start_grpc``; the
real OTel SDK's gRPC span exporter sends to it over a real socket on 127.0.0.1.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from capture import GRPC_SERVICES, CaptureServer
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor


def test_a_grpc_trace_export_is_kept_as_sent() -> None:
    with CaptureServer() as cap:
        url = cap.start_grpc()
        provider = TracerProvider(resource=Resource.create({"service.name": "grpc-capture-test"}))
        provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=url, insecure=True)))
        with provider.get_tracer("capture-test").start_as_current_span("one span"):
            pass
        provider.shutdown()
        cap.wait_quiet(0.2, timeout=5)
        [got] = cap.requests
    assert got.signal == "traces"
    assert got.path == f"/{GRPC_SERVICES['traces']}/Export"
    assert got.content_type == "application/grpc"
    assert got.filename() == "001-traces.pb"
    request = ExportTraceServiceRequest.FromString(got.body)
    [resource_spans] = request.resource_spans
    assert [s.name for s in resource_spans.scope_spans[0].spans] == ["one span"]
