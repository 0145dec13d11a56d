"""The OTLP/gRPC receiver, fed by the real OpenTelemetry SDK gRPC exporters.

Traces, Claude Code-shaped logs and metrics arrive through
``opentelemetry-exporter-otlp-proto-grpc`` (plain and gzip) on 127.0.0.1 at
an ephemeral port; bad bodies sent on a raw gRPC channel are answered
INVALID_ARGUMENT and counted as rejects like the HTTP receiver's; items
rejected inside a good request come back as ``partial_success``.
"""

from __future__ import annotations

import asyncio
import socket

import grpc
import pytest
from opentelemetry._logs import LogRecord
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.grpc.exporter import Compression
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from agenttrace_tui.config import Config
from agenttrace_tui.ingest.otlp_grpc import start_otlp_grpc
from agenttrace_tui.ingest.otlp_http import OtlpIngest
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.ingest.receivers import PortInUseError
from agenttrace_tui.model import SpanKind
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.store.memory import Store
from test_otlp_logs import CLAUDE_SESSION
from test_otlp_metrics import series
from test_otlp_support import apost, receiver, wait_for

TRACE_EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


async def grpc_receiver(**kw):
    store = Store()
    pipeline = Pipeline(store)
    server = await start_otlp_grpc(pipeline, port=0, **kw)
    return store, pipeline, server


def _compression(gz: bool):
    return Compression.Gzip if gz else Compression.NoCompression


@pytest.mark.parametrize("gz", [False, True])
async def test_sdk_grpc_span_exporter_fills_the_store(gz: bool) -> None:
    store, pipeline, server = await grpc_receiver()
    try:
        def run() -> None:
            exp = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{server.address[1]}", insecure=True,
                                   compression=_compression(gz))
            tp = TracerProvider(resource=Resource.create({"service.name": "grpc-agent", "session.id": "g1"}))
            tp.add_span_processor(BatchSpanProcessor(exp, schedule_delay_millis=50))
            tracer = tp.get_tracer("t")
            with tracer.start_as_current_span("invoke_agent planner") as root:
                root.set_attribute("gen_ai.operation.name", "invoke_agent")
                for i in range(5):
                    with tracer.start_as_current_span(f"chat {i}") as sp:
                        sp.set_attribute("gen_ai.operation.name", "chat")
                        sp.set_attribute("gen_ai.request.model", "gpt-4o")
                        sp.set_attribute("gen_ai.usage.input_tokens", 100)
            tp.shutdown()

        await asyncio.to_thread(run)
        assert await wait_for(lambda: store.span_count == 6)
        assert "g1" in store.sessions and pipeline.stats.accepted["otlp-grpc"] == 6
        spans = [s for t in store.traces.values() for s in t.spans.values()]
        assert sum(1 for s in spans if s.kind == SpanKind.LLM_CALL) == 5
        assert server.stats.responses[200] >= 1 and not pipeline.stats.rejected
    finally:
        await server.close()


async def test_sdk_grpc_log_exporter_claude_code_events() -> None:
    store, _pipeline, server = await grpc_receiver()
    try:
        def run() -> None:
            lp = LoggerProvider(resource=Resource.create({"service.name": "claude-code", "service.version": "2.0.14"}))
            exp = OTLPLogExporter(endpoint=f"http://127.0.0.1:{server.address[1]}", insecure=True,
                                  compression=Compression.Gzip)
            lp.add_log_record_processor(SimpleLogRecordProcessor(exp))
            logger = lp.get_logger("com.anthropic.claude_code.events")
            for r in CLAUDE_SESSION:
                logger.emit(LogRecord(timestamp=r["t"], body=r.get("body"), attributes=r["attrs"]))
            lp.shutdown()

        await asyncio.to_thread(run)
        assert await wait_for(lambda: "sess-1" in store.sessions and store.span_count >= 4)
        spans = [s for t in store.traces.values() for s in t.spans.values()]
        kinds = {s.kind for s in spans}
        assert SpanKind.LLM_CALL in kinds and SpanKind.TOOL_EXECUTION in kinds
        assert any(s.tool is not None and s.tool.name == "Bash" for s in spans)
    finally:
        await server.close()


async def test_sdk_grpc_metric_exporter_claude_code_counters() -> None:
    store, _pipeline, server = await grpc_receiver()
    try:
        def run() -> None:
            exp = OTLPMetricExporter(endpoint=f"http://127.0.0.1:{server.address[1]}", insecure=True,
                                     compression=Compression.Gzip)
            reader = PeriodicExportingMetricReader(exp, export_interval_millis=3_600_000)
            mp = MeterProvider(metric_readers=[reader], resource=Resource.create({"service.name": "claude-code"}))
            meter = mp.get_meter("com.anthropic.claude_code")
            cost = meter.create_counter("claude_code.cost.usage", unit="USD")
            tokens = meter.create_counter("claude_code.token.usage", unit="tokens")
            cost.add(0.5, {"model": "claude-sonnet-4-5"})
            tokens.add(1200, {"type": "input", "model": "claude-sonnet-4-5"})
            tokens.add(300, {"type": "output", "model": "claude-sonnet-4-5"})
            mp.force_flush()
            cost.add(0.25, {"model": "claude-sonnet-4-5"})
            mp.force_flush()
            mp.shutdown()

        await asyncio.to_thread(run)
        assert await wait_for(lambda: series(store, "claude_code.cost.usage") is not None
                              and series(store, "claude_code.cost.usage").count >= 2)
        assert abs(series(store, "claude_code.cost.usage", model="claude-sonnet-4-5").sum - 0.75) < 1e-9
        assert series(store, "claude_code.token.usage", type="output").sum == 300
    finally:
        await server.close()


async def _raw_export(port: int, body: bytes, *, gz: bool = False) -> tuple[grpc.StatusCode, bytes | None, str]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
        call = ch.unary_unary(TRACE_EXPORT)
        try:
            resp = await call(body, timeout=10, compression=grpc.Compression.Gzip if gz else None)
        except grpc.aio.AioRpcError as err:
            return err.code(), None, err.details() or ""
        return grpc.StatusCode.OK, resp, ""


@pytest.mark.parametrize("body", [b"\xff\xfe garbage \x00", b"\x0a\x05\x0a\x03"])
async def test_bad_bodies_are_invalid_argument_and_counted(body: bytes) -> None:
    store, pipeline, server = await grpc_receiver()
    try:
        code, _resp, detail = await _raw_export(server.address[1], body)
        assert code == grpc.StatusCode.INVALID_ARGUMENT and detail
        assert pipeline.stats.rejected["undecodable_body"] == 1
        assert pipeline.stats.recent[-1].source == "otlp-grpc" and pipeline.stats.recent[-1].preview
        # The next good request is still served.
        req = trace_service_pb2.ExportTraceServiceRequest()
        req.resource_spans.add().scope_spans.add().spans.add(
            trace_id=b"\x01" * 16, span_id=b"\x02" * 8, name="ok", start_time_unix_nano=1, end_time_unix_nano=2)
        code, _resp, _d = await _raw_export(server.address[1], req.SerializeToString(), gz=True)
        assert code == grpc.StatusCode.OK and store.span_count == 1
    finally:
        await server.close()


async def test_partial_success_counts_rejected_spans() -> None:
    store, pipeline, server = await grpc_receiver()
    try:
        req = trace_service_pb2.ExportTraceServiceRequest()
        ss = req.resource_spans.add().scope_spans.add()
        ss.spans.add(trace_id=b"\x01" * 16, span_id=b"\x02" * 8, name="good", start_time_unix_nano=1, end_time_unix_nano=2)
        ss.spans.add(trace_id=b"\x00" * 16, span_id=b"\x03" * 8, name="zero trace id")
        ss.spans.add(trace_id=b"\x01" * 16, span_id=b"\x04", name="short span id")
        code, resp, _d = await _raw_export(server.address[1], req.SerializeToString())
        assert code == grpc.StatusCode.OK
        out = trace_service_pb2.ExportTraceServiceResponse.FromString(resp)
        assert out.partial_success.rejected_spans == 2 and out.partial_success.error_message
        assert store.span_count == 1 and pipeline.stats.rejected_total == 2
        assert server.stats.rejected_items == 2
    finally:
        await server.close()


async def test_body_over_the_limit_is_resource_exhausted() -> None:
    store = Store()
    pipeline = Pipeline(store)
    core = OtlpIngest(pipeline, max_body_bytes=1024, max_decompressed_bytes=4096)
    server = await start_otlp_grpc(pipeline, port=0, core=core)
    try:
        code, _resp, _d = await _raw_export(server.address[1], b"\x0a" + b"\x00" * 10_000)
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and store.span_count == 0
    finally:
        await server.close()


async def test_port_in_use_is_one_line_naming_the_flag() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        with pytest.raises(PortInUseError) as info:
            await grpc_receiver_on(port)
    msg = str(info.value)
    assert "--otlp-grpc-port" in msg and str(port) in msg and "\n" not in msg


async def grpc_receiver_on(port: int):
    return await start_otlp_grpc(Pipeline(Store()), port=port)


async def test_monitor_serves_grpc_beside_http_with_one_core(tmp_path) -> None:
    monitor = Monitor(Config(udp_port=0, tcp_port=None, socket="", otlp_port=0, otlp_grpc_port=0, persist=False))
    await monitor.start()
    try:
        assert monitor.otlp_grpc.core is monitor.otlp.core
        assert any(e.startswith("otlp grpc 127.0.0.1:") for e in monitor.endpoints)
        req = trace_service_pb2.ExportTraceServiceRequest()
        req.resource_spans.add().scope_spans.add().spans.add(
            trace_id=b"\x05" * 16, span_id=b"\x06" * 8, name="m", start_time_unix_nano=1, end_time_unix_nano=2)
        code, _r, _d = await _raw_export(monitor.otlp_grpc.address[1], req.SerializeToString())
        assert code == grpc.StatusCode.OK and monitor.store.span_count == 1
    finally:
        await monitor.stop()


async def test_grpc_exporter_at_the_http_port_is_told_where_grpc_goes() -> None:
    # The common mix-up: OTEL_EXPORTER_OTLP_PROTOCOL=grpc with the HTTP endpoint (4318). The real
    # exporter's HTTP/2 preface is refused, counted, and the reason says which port takes gRPC.
    store, pipeline, server = await receiver()
    try:
        def run() -> bool:
            exp = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{server.address[1]}", insecure=True, timeout=1)
            tp = TracerProvider(resource=Resource.create({"service.name": "mixed-up"}))
            tp.add_span_processor(BatchSpanProcessor(exp, schedule_delay_millis=50, export_timeout_millis=1000))
            with tp.get_tracer("t").start_as_current_span("chat gpt-4o"):
                pass
            return tp.force_flush(10_000) and tp.shutdown() is None

        await asyncio.to_thread(run)
        assert await wait_for(lambda: pipeline.stats.rejected["bad_http"] >= 1)
        details = [r.detail for r in pipeline.stats.recent if r.reason == "bad_http"]
        assert details and all("HTTP/2.0 is not supported" in d and "gRPC port, 4317" in d for d in details)
        assert store.span_count == 0
        # A proxy that turned the gRPC call into HTTP/1.1 reaches the method's path: told the same.
        status, _h, body = await apost(server.address[1], TRACE_EXPORT, b"", {"Content-Type": "application/grpc"})
        assert status == 404 and "gRPC port, 4317" in body.decode("utf-8", "replace")
        assert [r.detail for r in pipeline.stats.recent][-1].startswith(f"no OTLP endpoint at {TRACE_EXPORT} (an OTLP/gRPC")
        # An HTTP path that is no endpoint gets no such hint.
        await apost(server.address[1], "/v1/spans", b"", {"Content-Type": "application/x-protobuf"})
        assert "gRPC" not in [r.detail for r in pipeline.stats.recent][-1]
    finally:
        await server.close()
